{
  "targets": [
    {
      "target_name": "tierswap_lz4",
      "sources": ["native/lz4Native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    },
    {
      "target_name": "tierswap_zstd",
      "sources": ["native/zstdNative.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    }
  ]
}
