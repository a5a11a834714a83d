// Shared by the addon's source files: a float32 typed array argument as a pointer and a length.
#pragma once
#include <node_api.h>

#include <cstddef>

// True and the array's data and length when `v` is a Float32Array; false otherwise (the caller throws a TypeError).
inline bool floats(napi_env env, napi_value v, float** data, size_t* length) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array)
    return false;
  *data = static_cast<float*>(ptr);
  return true;
}
