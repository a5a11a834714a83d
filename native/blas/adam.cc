// One Adam step (torch.optim.Adam semantics, L2 weight decay added to the gradient) for one parameter tensor, in
// float32 in the order tfjs' ops compute it, into fresh output arrays: one call instead of ~14 tfjs kernels per
// variable, which is most of a small MLP step's kernel count.
#include <node_api.h>

#include "floats.h"

#include <cmath>
#include <cstddef>

namespace {

// The outputs are fresh tensors (no aliasing), so the loop vectorizes. g + w·0 = g for finite w: no branch on wd.
void update(const float* __restrict w, const float* __restrict g, const float* __restrict m, const float* __restrict s,
            float* __restrict wOut, float* __restrict mOut, float* __restrict sOut, size_t n, float b1, float b2,
            float oneMinusB1, float oneMinusB2, float wd, float c2, float eps, float step) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i] + w[i] * wd;
    const float mi = m[i] * b1 + gi * oneMinusB1;
    const float si = s[i] * b2 + (gi * gi) * oneMinusB2;
    mOut[i] = mi;
    sOut[i] = si;
    wOut[i] = w[i] - (mi / (std::sqrt(si / c2) + eps)) * step;
  }
}

// adam(w, g, m, s, wOut, mOut, sOut, lr, beta1, beta2, eps, weightDecay, c1, c2), c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ:
//   g' = g + wd·w;  m' = β1·m + (1 − β1)·g';  s' = β2·s + (1 − β2)·g'²;  w' = w − (m' / (√(s'/c2) + ε))·(lr/c1)
napi_value Adam(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 14) {
    napi_throw_range_error(env, nullptr, "adam takes 14 arguments (w, g, m, s, wOut, mOut, sOut, lr, beta1, beta2, eps, weightDecay, c1, c2)");
    return nullptr;
  }
  float* p[7];
  size_t len[7];
  for (int i = 0; i < 7; i++) {
    if (!floats(env, argv[i], &p[i], &len[i])) {
      napi_throw_type_error(env, nullptr, "adam: the first 7 arguments must be Float32Arrays");
      return nullptr;
    }
    if (len[i] != len[0]) {
      napi_throw_range_error(env, nullptr, "adam: w, g, m, s and the outputs must have the same length");
      return nullptr;
    }
  }
  double h[7];
  for (int i = 0; i < 7; i++) {
    if (napi_get_value_double(env, argv[7 + i], &h[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "adam: lr, beta1, beta2, eps, weightDecay, c1 and c2 must be numbers");
      return nullptr;
    }
  }
  // Scalars rounded to float32 as tfjs' scalar tensors are; the step size lr/c1 is computed in double, as in JS.
  const float b1 = static_cast<float>(h[1]), b2 = static_cast<float>(h[2]), eps = static_cast<float>(h[3]),
              wd = static_cast<float>(h[4]), c2 = static_cast<float>(h[6]);
  const float oneMinusB1 = static_cast<float>(1 - h[1]), oneMinusB2 = static_cast<float>(1 - h[2]);
  const float step = static_cast<float>(h[0] / h[5]);
  update(p[0], p[1], p[2], p[3], p[4], p[5], p[6], len[0], b1, b2, oneMinusB1, oneMinusB2, wd, c2, eps, step);
  return nullptr;
}

}  // namespace

napi_value RegisterAdam(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "adam", NAPI_AUTO_LENGTH, Adam, nullptr, &fn);
  napi_set_named_property(env, exports, "adam", fn);
  return exports;
}
