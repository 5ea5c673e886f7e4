/*
 * The C reference for the scan benchmark: a minimal epoll connect scanner of all 65535 TCP
 * ports of one IPv4 address, with the engine's settings fixed (window, 50 ms timeout, one
 * retry at 100 ms). It shows how far the kernel alone lets a connect scan go on this machine;
 * it prints each open port on its own line. Usage: connect-scan ADDR [WINDOW]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFD (1 << 20)
static double sent_at[MAXFD];
static int port_of[MAXFD];

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int window = argc > 2 ? atoi(argv[2]) : 8192;
  struct sockaddr_in sa = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) return 2;
  static int queue[65535 * 2];
  int head = 0, tail = 0, inflight = 0, maxfd = 0;
  static unsigned char tries[65536];
  for (int p = 1; p <= 65535; p++) queue[tail++] = p;
  srand(1);
  for (int i = tail - 1; i > 0; i--) {
    int j = rand() % (i + 1), t = queue[i];
    queue[i] = queue[j];
    queue[j] = t;
  }
  int ep = epoll_create1(0);
  struct epoll_event evs[1024];
  while (head < tail || inflight > 0) {
    while (inflight < window && head < tail) {
      int port = queue[head++];
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0 || fd >= MAXFD) { perror("socket"); return 1; }
      sa.sin_port = htons(port);
      tries[port]++;
      if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        if (errno != ECONNREFUSED) queue[tail++] = port;
        close(fd);
        continue;
      }
      port_of[fd] = port;
      sent_at[fd] = now_ms();
      if (fd > maxfd) maxfd = fd;
      struct epoll_event e = {.events = EPOLLOUT, .data.fd = fd};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
      inflight++;
    }
    int n = epoll_wait(ep, evs, 1024, 5);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd, err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) printf("%d\n", port_of[fd]);
      sent_at[fd] = 0;
      close(fd);
      inflight--;
    }
    double t = now_ms();
    for (int fd = 0; fd <= maxfd; fd++) {
      if (sent_at[fd] == 0) continue;
      int port = port_of[fd];
      if (t - sent_at[fd] < (tries[port] > 1 ? 100 : 50)) continue;
      sent_at[fd] = 0;
      close(fd);
      inflight--;
      if (tries[port] < 2) queue[tail++] = port;
    }
  }
  return 0;
}
