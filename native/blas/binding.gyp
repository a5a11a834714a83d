{
  "targets": [
    {
      "target_name": "blas",
      "sources": ["sgemm.cc"],
      "cflags_cc": ["-O2", "-std=c++17"],
      "libraries": ["-lopenblas"]
    }
  ]
}
