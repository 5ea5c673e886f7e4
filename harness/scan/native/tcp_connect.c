/*
 * Native probe backend of the scan engine (Linux, N-API): non-blocking connect() on sockets
 * the addon owns, watched by its own epoll set, which libuv polls as one descriptor. Node's
 * TCP handle costs a handle and a request object, two epoll_ctl calls and a callback per
 * attempt; here an attempt is socket + connect + epoll_ctl(ADD), and each loop turn hands
 * every outcome to JS in one call (two Int32Arrays: fd, 0 or -errno). All on the loop
 * thread, so a descriptor is closed by exactly one party: the addon when it answers, JS
 * (close) when it times out, never both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 1024

typedef struct {
  int epfd;
  int pending;
  int polling;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_ref fds_ref;
  napi_ref status_ref;
  int32_t *fds;
  int32_t *status;
  size_t capacity;
  napi_async_context context;
} state_t;

static state_t st;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static void on_ready(uv_poll_t *handle, int status, int events) {
  (void)handle; (void)status; (void)events;
  napi_env env = st.env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  struct epoll_event evs[BATCH];
  size_t n = 0;
  int got;
  do {
    int room = (int)(st.capacity - n < BATCH ? st.capacity - n : BATCH);
    if (room <= 0) break;
    got = epoll_wait(st.epfd, evs, room, 0);
    for (int i = 0; i < got; i++) {
      int fd = evs[i].data.fd, err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      close(fd);
      st.pending--;
      st.fds[n] = fd;
      st.status[n] = err ? -err : 0;
      n++;
    }
  } while (got == BATCH);
  if (st.pending == 0 && st.polling) {
    uv_poll_stop(&st.poll);
    st.polling = 0;
  }
  if (n > 0) {
    napi_value cb, recv, argv[1], result;
    napi_get_reference_value(env, st.callback, &cb);
    napi_get_global(env, &recv);
    napi_create_uint32(env, (uint32_t)n, &argv[0]);
    napi_make_callback(env, st.context, recv, cb, 1, argv, &result);
  }
  napi_close_handle_scope(env, scope);
}

/* init(callback, fds: Int32Array, status: Int32Array): where outcomes are delivered. */
static napi_value init(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) { napi_throw_type_error(env, NULL, "init(callback, fds, status)"); return NULL; }
  napi_typedarray_type type;
  size_t len_fds, len_status;
  void *data;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &len_fds, &data, NULL, NULL));
  if (type != napi_int32_array) { napi_throw_type_error(env, NULL, "fds must be an Int32Array"); return NULL; }
  st.fds = data;
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &len_status, &data, NULL, NULL));
  if (type != napi_int32_array) { napi_throw_type_error(env, NULL, "status must be an Int32Array"); return NULL; }
  st.status = data;
  st.capacity = len_fds < len_status ? len_fds : len_status;
  if (st.callback) napi_delete_reference(env, st.callback);
  if (st.fds_ref) napi_delete_reference(env, st.fds_ref);
  if (st.status_ref) napi_delete_reference(env, st.status_ref);
  CHECK(napi_create_reference(env, argv[0], 1, &st.callback));
  CHECK(napi_create_reference(env, argv[1], 1, &st.fds_ref));
  CHECK(napi_create_reference(env, argv[2], 1, &st.status_ref));
  if (st.epfd <= 0) {
    uv_loop_t *loop;
    CHECK(napi_get_uv_event_loop(env, &loop));
    st.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (st.epfd < 0) { napi_throw_error(env, NULL, strerror(errno)); return NULL; }
    if (uv_poll_init(loop, &st.poll, st.epfd) != 0) { napi_throw_error(env, NULL, "uv_poll_init failed"); return NULL; }
    CHECK(napi_create_string_utf8(env, "trustlab:tcp-connect", NAPI_AUTO_LENGTH, &name));
    CHECK(napi_async_init(env, NULL, name, &st.context));
  }
  st.env = env;
  return NULL;
}

/* start(address, port, ipv6) -> fd >= 0 while connecting, or -errno when it could not start. */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  char addr[64];
  size_t alen;
  int32_t port;
  bool v6;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_string_utf8(env, argv[0], addr, sizeof addr, &alen));
  CHECK(napi_get_value_int32(env, argv[1], &port));
  CHECK(napi_get_value_bool(env, argv[2], &v6));
  struct sockaddr_storage ss;
  socklen_t slen;
  memset(&ss, 0, sizeof ss);
  if (v6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1) { napi_throw_type_error(env, NULL, "bad IPv6 address"); return NULL; }
    slen = sizeof *s6;
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1) { napi_throw_type_error(env, NULL, "bad IPv4 address"); return NULL; }
    slen = sizeof *s4;
  }
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int result = fd;
  if (fd < 0) {
    result = -errno;
  } else if (connect(fd, (struct sockaddr *)&ss, slen) != 0 && errno != EINPROGRESS) {
    /* Refused or unreachable at once: the caller gets the errno, no descriptor stays open. */
    result = -errno;
    close(fd);
  } else {
    struct epoll_event ev = { .events = EPOLLOUT, .data.fd = fd };
    if (epoll_ctl(st.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      result = -errno;
      close(fd);
    } else {
      st.pending++;
      if (!st.polling) {
        uv_poll_start(&st.poll, UV_READABLE, on_ready);
        st.polling = 1;
      }
    }
  }
  CHECK(napi_create_int32(env, result, &out));
  return out;
}

/* close(fd): give up on an attempt still connecting (timeout or abort). */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  if (fd >= 0 && close(fd) == 0) st.pending--;
  if (st.pending == 0 && st.polling) {
    uv_poll_stop(&st.poll);
    st.polling = 0;
  }
  return NULL;
}

/*
 * Batches: the connect() calls of a batch run on a libuv pool thread, so on loopback, where
 * the kernel answers a closed port inside connect() itself, two batches use two cores. The
 * pool thread only creates, connects and (when refused at once) closes its own descriptors;
 * a descriptor still connecting is handed to the loop thread, which adds it to the epoll set
 * in the completion callback, so every descriptor the loop knows is closed by one party only.
 */
typedef struct {
  napi_async_work work;
  napi_ref ports_ref, out_ref, done_ref;
  int32_t *ports, *out;
  size_t n;
  struct sockaddr_storage ss;
  socklen_t slen;
  int v6;
} batch_t;

static void batch_execute(napi_env env, void *data) {
  (void)env;
  batch_t *b = data;
  for (size_t i = 0; i < b->n; i++) {
    if (b->v6) ((struct sockaddr_in6 *)&b->ss)->sin6_port = htons((uint16_t)b->ports[i]);
    else ((struct sockaddr_in *)&b->ss)->sin_port = htons((uint16_t)b->ports[i]);
    int fd = socket(b->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { b->out[i] = -errno; continue; }
    if (connect(fd, (struct sockaddr *)&b->ss, b->slen) != 0 && errno != EINPROGRESS) {
      b->out[i] = -errno;
      close(fd);
      continue;
    }
    /* Still connecting (or connected): the loop thread takes it over; marked as fd + 1 > 0. */
    b->out[i] = fd + 1;
  }
}

static void batch_complete(napi_env env, napi_status status, void *data) {
  batch_t *b = data;
  for (size_t i = 0; i < b->n; i++) {
    if (status != napi_ok && b->out[i] > 0) { close(b->out[i] - 1); b->out[i] = -ECANCELED; continue; }
    if (b->out[i] <= 0) continue;
    int fd = b->out[i] - 1;
    struct epoll_event ev = { .events = EPOLLOUT, .data.fd = fd };
    if (epoll_ctl(st.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      b->out[i] = -errno;
      close(fd);
      continue;
    }
    st.pending++;
  }
  if (st.pending > 0 && !st.polling) {
    uv_poll_start(&st.poll, UV_READABLE, on_ready);
    st.polling = 1;
  }
  napi_value done, recv, result;
  if (napi_get_reference_value(env, b->done_ref, &done) == napi_ok && napi_get_global(env, &recv) == napi_ok) {
    napi_call_function(env, recv, done, 0, NULL, &result);
  }
  napi_delete_reference(env, b->ports_ref);
  napi_delete_reference(env, b->out_ref);
  napi_delete_reference(env, b->done_ref);
  napi_delete_async_work(env, b->work);
  free(b);
}

/* startBatch(address, ipv6, ports: Int32Array, out: Int32Array, n, done): out[i] = fd + 1 (connecting) or -errno. */
static napi_value start_batch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], name;
  char addr[64];
  size_t alen, len;
  bool v6;
  uint32_t n;
  napi_typedarray_type type;
  void *pdata, *odata;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) { napi_throw_type_error(env, NULL, "startBatch(address, ipv6, ports, out, n, done)"); return NULL; }
  CHECK(napi_get_value_string_utf8(env, argv[0], addr, sizeof addr, &alen));
  CHECK(napi_get_value_bool(env, argv[1], &v6));
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &len, &pdata, NULL, NULL));
  if (type != napi_int32_array) { napi_throw_type_error(env, NULL, "ports must be an Int32Array"); return NULL; }
  size_t plen = len;
  CHECK(napi_get_typedarray_info(env, argv[3], &type, &len, &odata, NULL, NULL));
  if (type != napi_int32_array) { napi_throw_type_error(env, NULL, "out must be an Int32Array"); return NULL; }
  CHECK(napi_get_value_uint32(env, argv[4], &n));
  if (n > plen || n > len) { napi_throw_range_error(env, NULL, "n exceeds the arrays"); return NULL; }
  batch_t *b = calloc(1, sizeof *b);
  if (!b) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  b->ports = pdata;
  b->out = odata;
  b->n = n;
  b->v6 = v6;
  if (v6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&b->ss;
    s6->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1) { free(b); napi_throw_type_error(env, NULL, "bad IPv6 address"); return NULL; }
    b->slen = sizeof *s6;
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&b->ss;
    s4->sin_family = AF_INET;
    if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1) { free(b); napi_throw_type_error(env, NULL, "bad IPv4 address"); return NULL; }
    b->slen = sizeof *s4;
  }
  CHECK(napi_create_reference(env, argv[2], 1, &b->ports_ref));
  CHECK(napi_create_reference(env, argv[3], 1, &b->out_ref));
  CHECK(napi_create_reference(env, argv[5], 1, &b->done_ref));
  CHECK(napi_create_string_utf8(env, "trustlab:tcp-connect-batch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, batch_execute, batch_complete, b, &b->work));
  CHECK(napi_queue_async_work(env, b->work));
  return NULL;
}

static napi_value module_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "init", NULL, init, NULL, NULL, NULL, napi_default, NULL },
    { "start", NULL, start, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL },
    { "startBatch", NULL, start_batch, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, module_init)
