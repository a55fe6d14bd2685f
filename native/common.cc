#include "common.h"

#include <cmath>
#include <sstream>

namespace aigc {

namespace {

// Marks externals created by this addon, so a foreign external is never cast to a handle.
const napi_type_tag kTensorTag = {0x6169676374656e73ULL, 0x6f7268616e646c65ULL};
const napi_type_tag kGeneratorTag = {0x6169676367656e65ULL, 0x7261746f72686e64ULL};

const std::pair<const char*, at::ScalarType> kDtypes[] = {
    {"float32", at::kFloat},     {"float64", at::kDouble}, {"float16", at::kHalf},
    {"bfloat16", at::kBFloat16}, {"int64", at::kLong},     {"int32", at::kInt},
    {"int16", at::kShort},       {"int8", at::kChar},      {"uint8", at::kByte},
    {"bool", at::kBool},
};

void AdjustExternalMemory(Napi::Env env, int64_t change) {
  int64_t ignored = 0;
  napi_adjust_external_memory(env, change, &ignored);
}

void Register(Napi::Env env, TensorHandle* handle) {
  EnvState& state = State(env);
  state.live_tensors++;
  if (!handle->tensor.has_storage()) return;
  const c10::StorageImpl* impl = handle->tensor.storage().unsafeGetStorageImpl();
  handle->storage_key = impl;
  auto& entry = state.storages[impl];
  if (entry.first++ == 0) {
    entry.second = static_cast<int64_t>(impl->nbytes());
    state.live_bytes += entry.second;
    AdjustExternalMemory(env, entry.second);
  }
}

void FinalizeTensor(Napi::Env env, TensorHandle* handle) {
  Release(env, handle);
  delete handle;
}

std::string DescribeValue(const Napi::Value& value, int depth);

std::string DescribeTensor(const TensorHandle* handle) {
  if (handle->released) return "<disposed tensor>";
  const at::Tensor& t = handle->tensor;
  std::ostringstream out;
  out << "[";
  for (int64_t d = 0; d < t.dim(); d++) out << (d ? ", " : "") << t.size(d);
  out << "] " << DtypeName(t.scalar_type());
  if (!t.device().is_cpu()) out << " " << t.device().str();
  return out.str();
}

std::string DescribeValue(const Napi::Value& value, int depth) {
  if (IsTensor(value)) return DescribeTensor(HandleOf(value));
  if (value.IsNull()) return "null";
  if (value.IsUndefined()) return "undefined";
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
  if (value.IsNumber()) {
    std::ostringstream out;
    out << value.As<Napi::Number>().DoubleValue();
    return out.str();
  }
  if (value.IsString()) return "'" + value.As<Napi::String>().Utf8Value() + "'";
  if (value.IsArray() && depth < 2) {
    Napi::Array array = value.As<Napi::Array>();
    std::string out = "[";
    const uint32_t shown = std::min<uint32_t>(array.Length(), 8);
    for (uint32_t i = 0; i < shown; i++) {
      out += (i ? ", " : "") + DescribeValue(array.Get(i), depth + 1);
    }
    if (array.Length() > shown) out += ", ...";
    return out + "]";
  }
  if (value.IsTypedArray()) return "<typed array>";
  return "<object>";
}

std::string DescribeArguments(const Napi::CallbackInfo& info) {
  std::string out;
  for (size_t i = 0; i < info.Length(); i++) {
    out += (i ? ", " : "") + DescribeValue(info[i], 0);
  }
  return out;
}

[[noreturn]] void ThrowKind(const Napi::CallbackInfo& info, const char* op, ErrorKind kind,
                            const std::string& detail) {
  Napi::Env env = info.Env();
  std::string message = std::string(op) + ": " + detail;
  // libtorch messages may end with a newline or carry a second, redundant line.
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  message += " (arguments: " + DescribeArguments(info) + ")";
  EnvState& state = State(env);
  Napi::Object error;
  if (!state.error_classes[kind].IsEmpty()) {
    error = state.error_classes[kind].New({Napi::String::New(env, message)});
  } else if (kind == kTypeError) {
    error = Napi::TypeError::New(env, message).Value();
  } else {
    error = Napi::Error::New(env, message).Value();
  }
  error.Set("op", Napi::String::New(env, op));
  throw Napi::Error(env, error);
}

std::string ArgPosition(size_t i) { return "argument " + std::to_string(i + 1); }

}  // namespace

EnvState& State(Napi::Env env) { return *env.GetInstanceData<EnvState>(); }

void Fail(ErrorKind kind, const std::string& message) { throw BindingError{kind, message}; }

Napi::Value Wrap(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  auto* handle = new TensorHandle{std::move(tensor)};
  Register(env, handle);
  auto external = Napi::External<TensorHandle>::New(env, handle, FinalizeTensor);
  external.TypeTag(&kTensorTag);
  return external;
}

Napi::Value WrapList(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  Napi::Array array = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); i++) array.Set(i, Wrap(env, tensors[i]));
  return array;
}

void Release(Napi::Env env, TensorHandle* handle) {
  if (handle->released) return;
  handle->released = true;
  EnvState& state = State(env);
  state.live_tensors--;
  if (handle->storage_key != nullptr) {
    auto it = state.storages.find(handle->storage_key);
    if (it != state.storages.end() && --it->second.first == 0) {
      state.live_bytes -= it->second.second;
      AdjustExternalMemory(env, -it->second.second);
      state.storages.erase(it);
    }
  }
  handle->tensor.reset();
}

bool IsTensor(const Napi::Value& value) {
  if (!value.IsExternal()) return false;
  return value.As<Napi::External<TensorHandle>>().CheckTypeTag(&kTensorTag);
}

TensorHandle* HandleOf(const Napi::Value& value) {
  return value.As<Napi::External<TensorHandle>>().Data();
}

const at::Tensor& ArgTensor(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value value = info[i];
  if (!IsTensor(value)) Fail(kTypeError, ArgPosition(i) + " must be a tensor");
  TensorHandle* handle = HandleOf(value);
  if (handle->released) {
    Fail(kDisposedError, ArgPosition(i) +
                             " is a tensor that was disposed; keep it out of the "
                             "scope or call keep() on it to use it later");
  }
  return handle->tensor;
}

c10::optional<at::Tensor> ArgOptTensor(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return ArgTensor(info, i);
}

std::vector<at::Tensor> ArgTensors(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) Fail(kTypeError, ArgPosition(i) + " must be an array of tensors");
  Napi::Array array = info[i].As<Napi::Array>();
  std::vector<at::Tensor> tensors;
  tensors.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value value = array.Get(k);
    if (!IsTensor(value)) {
      Fail(kTypeError, ArgPosition(i) + " element " + std::to_string(k) + " must be a tensor");
    }
    TensorHandle* handle = HandleOf(value);
    if (handle->released) {
      Fail(kDisposedError,
           ArgPosition(i) + " element " + std::to_string(k) + " is a tensor that was disposed");
    }
    tensors.push_back(handle->tensor);
  }
  return tensors;
}

double ArgDouble(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) Fail(kTypeError, ArgPosition(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

c10::optional<double> ArgOptDouble(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return ArgDouble(info, i);
}

int64_t ArgInt(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBigInt()) {
    bool lossless = true;
    return info[i].As<Napi::BigInt>().Int64Value(&lossless);
  }
  const double value = ArgDouble(info, i);
  if (!std::isfinite(value) || std::floor(value) != value) {
    Fail(kTypeError, ArgPosition(i) + " must be an integer, got " + std::to_string(value));
  }
  return static_cast<int64_t>(value);
}

c10::optional<int64_t> ArgOptInt(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return ArgInt(info, i);
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsBoolean()) Fail(kTypeError, ArgPosition(i) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) Fail(kTypeError, ArgPosition(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<int64_t> ArgInts(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) Fail(kTypeError, ArgPosition(i) + " must be an array of integers");
  Napi::Array array = info[i].As<Napi::Array>();
  std::vector<int64_t> values(array.Length());
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value value = array.Get(k);
    if (!value.IsNumber()) {
      Fail(kTypeError, ArgPosition(i) + " element " + std::to_string(k) + " must be a number");
    }
    const double number = value.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(number) || std::floor(number) != number) {
      Fail(kTypeError, ArgPosition(i) + " element " + std::to_string(k) +
                           " must be an integer, got " + std::to_string(number));
    }
    values[k] = static_cast<int64_t>(number);
  }
  return values;
}

c10::optional<std::vector<int64_t>> ArgOptInts(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return ArgInts(info, i);
}

// JavaScript has one number type, so an integral number becomes an integer scalar, as a Python
// int literal would: `intTensor.add(1)` stays int64 and `floatTensor.add(1)` stays float32.
at::Scalar ArgScalar(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value value = info[i];
  if (value.IsBoolean()) return at::Scalar(value.As<Napi::Boolean>().Value());
  if (value.IsBigInt()) {
    bool lossless = true;
    return at::Scalar(static_cast<int64_t>(value.As<Napi::BigInt>().Int64Value(&lossless)));
  }
  const double number = ArgDouble(info, i);
  if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 9.0e15) {
    return at::Scalar(static_cast<int64_t>(number));
  }
  return at::Scalar(number);
}

const char* DtypeName(at::ScalarType type) {
  for (const auto& [name, value] : kDtypes) {
    if (value == type) return name;
  }
  return c10::toString(type);
}

at::ScalarType ParseDtype(const std::string& name) {
  std::string allowed;
  for (const auto& [known, value] : kDtypes) {
    if (name == known) return value;
    allowed += (allowed.empty() ? "" : ", ") + std::string(known);
  }
  Fail(kValueError, "unknown dtype '" + name + "'; expected one of " + allowed);
}

at::ScalarType ArgDtype(const Napi::CallbackInfo& info, size_t i) {
  return ParseDtype(ArgString(info, i));
}

c10::optional<at::ScalarType> ArgOptDtype(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return ArgDtype(info, i);
}

c10::Device ArgDevice(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::Device(c10::kCPU);
  return c10::Device(ArgString(info, i));
}

c10::optional<at::Generator> ArgOptGenerator(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  if (!info[i].IsExternal() ||
      !info[i].As<Napi::External<GeneratorHandle>>().CheckTypeTag(&kGeneratorTag)) {
    Fail(kTypeError, ArgPosition(i) + " must be a generator");
  }
  return info[i].As<Napi::External<GeneratorHandle>>().Data()->generator;
}

Napi::Value WrapGenerator(Napi::Env env, at::Generator generator) {
  auto external = Napi::External<GeneratorHandle>::New(
      env, new GeneratorHandle{std::move(generator)},
      [](Napi::Env, GeneratorHandle* handle) { delete handle; });
  external.TypeTag(&kGeneratorTag);
  return external;
}

at::TensorOptions ArgOptions(const Napi::CallbackInfo& info, size_t dtype_index,
                             size_t device_index) {
  at::TensorOptions options;
  if (auto dtype = ArgOptDtype(info, dtype_index)) options = options.dtype(*dtype);
  return options.device(ArgDevice(info, device_index));
}

Napi::Value Guard(const Napi::CallbackInfo& info, const char* op,
                  Napi::Value (*body)(const Napi::CallbackInfo&)) {
  try {
    return body(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const BindingError& e) {
    ThrowKind(info, op, e.kind, e.message);
  } catch (const c10::IndexError& e) {
    ThrowKind(info, op, kIndexError, e.what_without_backtrace());
  } catch (const c10::ValueError& e) {
    ThrowKind(info, op, kValueError, e.what_without_backtrace());
  } catch (const c10::TypeError& e) {
    ThrowKind(info, op, kTypeError, e.what_without_backtrace());
  } catch (const c10::NotImplementedError& e) {
    ThrowKind(info, op, kNotImplementedError, e.what_without_backtrace());
  } catch (const c10::LinAlgError& e) {
    ThrowKind(info, op, kLinAlgError, e.what_without_backtrace());
  } catch (const c10::OutOfMemoryError& e) {
    ThrowKind(info, op, kOutOfMemoryError, e.what_without_backtrace());
  } catch (const c10::Error& e) {
    ThrowKind(info, op, kTorchError, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    ThrowKind(info, op, kOutOfMemoryError, "out of host memory");
  } catch (const std::exception& e) {
    ThrowKind(info, op, kTorchError, e.what());
  } catch (...) {
    ThrowKind(info, op, kTorchError, "unknown native exception");
  }
}

void Export(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback fn) {
  exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace aigc
