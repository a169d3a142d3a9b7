{
  "targets": [
    {
      "target_name": "tierswap_pageio",
      "sources": ["native/pageIo.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
