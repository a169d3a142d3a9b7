{
  "targets": [
    {
      "target_name": "tierswap_socket",
      "sources": ["native/blockingSocket.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
