{
  "targets": [
    {
      "target_name": "tcp_connect",
      "sources": ["tcp_connect.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
