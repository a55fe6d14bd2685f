// Module entry: per-environment state, error classes, memory counters, threads and config.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/version.h>

#include "common.h"

namespace aigc {
namespace {

AIGC_OP(setErrorClasses) {
  Napi::Array classes = info[0].As<Napi::Array>();
  EnvState& state = State(info.Env());
  for (uint32_t i = 0; i < classes.Length() && i < kErrorKindCount; i++) {
    state.error_classes[i] = Napi::Persistent(classes.Get(i).As<Napi::Function>());
  }
  return info.Env().Undefined();
}

AIGC_OP(dispose) {
  if (!IsTensor(info[0])) Fail(kTypeError, "argument 1 must be a tensor");
  Release(info.Env(), HandleOf(info[0]));
  return info.Env().Undefined();
}

AIGC_OP(isDisposed) {
  if (!IsTensor(info[0])) Fail(kTypeError, "argument 1 must be a tensor");
  return Napi::Boolean::New(info.Env(), HandleOf(info[0])->released);
}

AIGC_OP(memory) {
  EnvState& state = State(info.Env());
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("tensors", Napi::Number::New(info.Env(), static_cast<double>(state.live_tensors)));
  result.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(state.live_bytes)));
  return result;
}

AIGC_OP(setNumThreads) {
  at::set_num_threads(static_cast<int>(ArgInt(info, 0)));
  return info.Env().Undefined();
}

AIGC_OP(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

AIGC_OP(setNumInteropThreads) {
  at::set_num_interop_threads(static_cast<int>(ArgInt(info, 0)));
  return info.Env().Undefined();
}

// OpenBLAS must stay single-threaded under libtorch's OpenMP pool: two thread pools on the same
// cores halve the speed of convolutions. Returns false when the linked BLAS is not OpenBLAS.
AIGC_OP(setBlasThreads) {
  using SetThreads = void (*)(int);
  auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn != nullptr) fn(static_cast<int>(ArgInt(info, 0)));
  return Napi::Boolean::New(info.Env(), fn != nullptr);
}

AIGC_OP(config) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
  result.Set("cuda", Napi::Boolean::New(env, at::hasCUDA()));
  result.Set("threads", Napi::Number::New(env, at::get_num_threads()));
  result.Set("interopThreads", Napi::Number::New(env, at::get_num_interop_threads()));
  result.Set("parallelInfo", Napi::String::New(env, at::get_parallel_info()));
  result.Set("openblas",
             Napi::Boolean::New(env, dlsym(RTLD_DEFAULT, "openblas_set_num_threads") != nullptr));
  return result;
}

AIGC_OP(cudaDeviceCount) {
  return Napi::Number::New(info.Env(), at::hasCUDA() ? at::getNumGPUs() : 0);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<EnvState>(new EnvState());
  AIGC_EXPORT(setErrorClasses);
  AIGC_EXPORT(dispose);
  AIGC_EXPORT(isDisposed);
  AIGC_EXPORT(memory);
  AIGC_EXPORT(setNumThreads);
  AIGC_EXPORT(getNumThreads);
  AIGC_EXPORT(setNumInteropThreads);
  AIGC_EXPORT(setBlasThreads);
  AIGC_EXPORT(config);
  AIGC_EXPORT(cudaDeviceCount);
  InitTensor(env, exports);
  InitShape(env, exports);
  InitMath(env, exports);
  InitNn(env, exports);
  InitAutograd(env, exports);
  InitOptim(env, exports);
  InitRandom(env, exports);
  return exports;
}

}  // namespace
}  // namespace aigc

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return aigc::Init(env, exports);
}

NODE_API_MODULE(aigc_native, InitAddon)
