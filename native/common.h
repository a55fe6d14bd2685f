// Shared plumbing of the addon: tensor handles, argument conversion and the error boundary.
//
// Every exported function is declared with AIGC_OP, which catches every C++ exception at the
// boundary and rethrows it as one JavaScript error that names the op, its arguments and
// libtorch's message without the C++ backtrace.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <c10/util/Optional.h>
#include <napi.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace aigc {

// Error kinds, in the order of the classes that JavaScript registers with setErrorClasses.
enum ErrorKind {
  kTorchError = 0,
  kIndexError,
  kValueError,
  kTypeError,
  kNotImplementedError,
  kLinAlgError,
  kOutOfMemoryError,
  kDisposedError,
  kErrorKindCount
};

// One JavaScript handle on one at::Tensor. dispose() resets `tensor`, which drops this handle's
// reference; libtorch frees the storage when its last reference goes.
struct TensorHandle {
  at::Tensor tensor;
  const void* storage_key = nullptr;
  bool released = false;
};

struct GeneratorHandle {
  at::Generator generator;
};

// Per-environment state, so the addon loads in several worker_threads at once.
struct EnvState {
  int64_t live_tensors = 0;
  int64_t live_bytes = 0;
  // storage -> (handles referring to it, bytes reported to V8 for it)
  std::unordered_map<const void*, std::pair<int64_t, int64_t>> storages;
  Napi::FunctionReference error_classes[kErrorKindCount];
};

EnvState& State(Napi::Env env);

// Thrown by argument helpers; the boundary turns it into the registered JavaScript class.
struct BindingError {
  ErrorKind kind;
  std::string message;
};

[[noreturn]] void Fail(ErrorKind kind, const std::string& message);

Napi::Value Wrap(Napi::Env env, at::Tensor tensor);
Napi::Value WrapList(Napi::Env env, const std::vector<at::Tensor>& tensors);
Napi::Value WrapGenerator(Napi::Env env, at::Generator generator);
void Release(Napi::Env env, TensorHandle* handle);
bool IsTensor(const Napi::Value& value);
TensorHandle* HandleOf(const Napi::Value& value);

// Argument helpers: each checks the JavaScript type and names the argument on failure.
const at::Tensor& ArgTensor(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Tensor> ArgOptTensor(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Tensor> ArgTensors(const Napi::CallbackInfo& info, size_t i);
double ArgDouble(const Napi::CallbackInfo& info, size_t i);
c10::optional<double> ArgOptDouble(const Napi::CallbackInfo& info, size_t i);
int64_t ArgInt(const Napi::CallbackInfo& info, size_t i);
c10::optional<int64_t> ArgOptInt(const Napi::CallbackInfo& info, size_t i);
bool ArgBool(const Napi::CallbackInfo& info, size_t i);
std::string ArgString(const Napi::CallbackInfo& info, size_t i);
std::vector<int64_t> ArgInts(const Napi::CallbackInfo& info, size_t i);
c10::optional<std::vector<int64_t>> ArgOptInts(const Napi::CallbackInfo& info, size_t i);
at::Scalar ArgScalar(const Napi::CallbackInfo& info, size_t i);
at::ScalarType ArgDtype(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::ScalarType> ArgOptDtype(const Napi::CallbackInfo& info, size_t i);
c10::Device ArgDevice(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Generator> ArgOptGenerator(const Napi::CallbackInfo& info, size_t i);
at::TensorOptions ArgOptions(const Napi::CallbackInfo& info, size_t dtype_index,
                             size_t device_index);

const char* DtypeName(at::ScalarType type);
at::ScalarType ParseDtype(const std::string& name);

Napi::Value Guard(const Napi::CallbackInfo& info, const char* op,
                  Napi::Value (*body)(const Napi::CallbackInfo&));

void Export(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback fn);

// Each area of the addon registers its functions here; see addon.cc.
void InitTensor(Napi::Env env, Napi::Object exports);
void InitShape(Napi::Env env, Napi::Object exports);
void InitMath(Napi::Env env, Napi::Object exports);
void InitNn(Napi::Env env, Napi::Object exports);
void InitAutograd(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitRandom(Napi::Env env, Napi::Object exports);

}  // namespace aigc

#define AIGC_OP(name)                                             \
  static Napi::Value name##_body(const Napi::CallbackInfo& info); \
  static Napi::Value name(const Napi::CallbackInfo& info) {       \
    return ::aigc::Guard(info, #name, name##_body);               \
  }                                                               \
  static Napi::Value name##_body(const Napi::CallbackInfo& info)

#define AIGC_EXPORT(name) ::aigc::Export(env, exports, #name, name)
