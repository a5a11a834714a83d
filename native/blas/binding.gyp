{
  "targets": [
    {
      "target_name": "blas",
      "sources": ["sgemm.cc", "adam.cc", "bias-relu.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-ffp-contract=off"],
      "libraries": ["-lopenblas"]
    }
  ]
}
