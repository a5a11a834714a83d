// Row-major single-precision GEMM for Node over OpenBLAS (cblas_sgemm), on Float32Array views.
// Plain Node-API (no node-addon-api dependency); every size is checked against the arrays so a bad call throws
// instead of reading or writing out of bounds.
#include <cblas.h>
#include <node_api.h>

#include <cstdint>
#include <string>

namespace {

bool fail(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, nullptr, msg.c_str());
  return false;
}

bool getInt(napi_env env, napi_value v, const char* name, int64_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != static_cast<double>(static_cast<int64_t>(d)) || d < 0 ||
      d > 2147483647.0)
    return fail(env, std::string(name) + " must be a non-negative 32-bit integer");
  *out = static_cast<int64_t>(d);
  return true;
}

bool getFloats(napi_env env, napi_value v, const char* name, float** data, int64_t* length) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  napi_typedarray_type type;
  size_t len = 0;
  void* ptr = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, v, &type, &len, &ptr, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array)
    return fail(env, std::string(name) + " must be a Float32Array");
  *data = static_cast<float*>(ptr);
  *length = static_cast<int64_t>(len);
  return true;
}

// Elements a row-major rows×cols operand with leading dimension ld spans (0 when empty).
int64_t span(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

// sgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): C ← alpha·op(A)·op(B) + beta·C, row-major.
napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 13) {
    fail(env, "sgemm takes 13 arguments (transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)");
    return nullptr;
  }
  bool ta = false, tb = false;
  napi_get_value_bool(env, argv[0], &ta);
  napi_get_value_bool(env, argv[1], &tb);
  int64_t m, n, k, lda, ldb, ldc, la, lb, lc;
  double alpha, beta;
  float *a, *b, *c;
  if (!getInt(env, argv[2], "m", &m) || !getInt(env, argv[3], "n", &n) || !getInt(env, argv[4], "k", &k) ||
      !getInt(env, argv[7], "lda", &lda) || !getInt(env, argv[9], "ldb", &ldb) || !getInt(env, argv[12], "ldc", &ldc) ||
      !getFloats(env, argv[6], "A", &a, &la) || !getFloats(env, argv[8], "B", &b, &lb) ||
      !getFloats(env, argv[11], "C", &c, &lc))
    return nullptr;
  if (napi_get_value_double(env, argv[5], &alpha) != napi_ok || napi_get_value_double(env, argv[10], &beta) != napi_ok) {
    fail(env, "alpha and beta must be numbers");
    return nullptr;
  }
  const int64_t aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
  if (lda < (aCols > 1 ? aCols : 1) || ldb < (bCols > 1 ? bCols : 1) || ldc < (n > 1 ? n : 1)) {
    fail(env, "a leading dimension is smaller than its row length");
    return nullptr;
  }
  if (span(aRows, aCols, lda) > la || span(bRows, bCols, ldb) > lb || span(m, n, ldc) > lc) {
    fail(env, "an operand is shorter than m, n, k and its leading dimension require");
    return nullptr;
  }
  if (m > 0 && n > 0)
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
                static_cast<int>(n), static_cast<int>(k), static_cast<float>(alpha), a, static_cast<int>(lda), b,
                static_cast<int>(ldb), static_cast<float>(beta), c, static_cast<int>(ldc));
  return nullptr;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t t = 0;
  if (!getInt(env, argv[0], "threads", &t)) return nullptr;
  if (t < 1) {
    fail(env, "threads must be a positive integer");
    return nullptr;
  }
  openblas_set_num_threads(static_cast<int>(t));
  return nullptr;
}

napi_value GetThreads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, openblas_get_num_threads(), &out);
  return out;
}

// OpenBLAS build string (version, kernel, threading), for the backend name and the benchmark.
napi_value Config(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getThreads", nullptr, GetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"config", nullptr, Config, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

napi_value RegisterAdam(napi_env env, napi_value exports);      // adam.cc
napi_value RegisterBiasRelu(napi_env env, napi_value exports);  // bias-relu.cc

static napi_value InitAll(napi_env env, napi_value exports) {
  return RegisterBiasRelu(env, RegisterAdam(env, Init(env, exports)));
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, InitAll)
