// Tensor creation from typed arrays and factories, read-back, metadata and conversion.
#include <ATen/ATen.h>

#include <cstring>

#include "common.h"

namespace aigc {
namespace {

// The typed array kind that carries each dtype across the boundary. float16 and bfloat16 travel
// as raw bits in a Uint16Array, and int64 in a BigInt64Array.
bool TypedArrayFits(napi_typedarray_type kind, at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat:
      return kind == napi_float32_array;
    case at::kDouble:
      return kind == napi_float64_array;
    case at::kHalf:
    case at::kBFloat16:
      return kind == napi_uint16_array;
    case at::kLong:
      return kind == napi_bigint64_array;
    case at::kInt:
      return kind == napi_int32_array;
    case at::kShort:
      return kind == napi_int16_array;
    case at::kChar:
      return kind == napi_int8_array;
    case at::kByte:
    case at::kBool:
      return kind == napi_uint8_array || kind == napi_uint8_clamped_array;
    default:
      return false;
  }
}

AIGC_OP(fromData) {
  if (!info[0].IsTypedArray()) Fail(kTypeError, "argument 1 must be a typed array");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  const std::vector<int64_t> shape = ArgInts(info, 1);
  const at::ScalarType dtype = ArgDtype(info, 2);
  const c10::Device device = ArgDevice(info, 3);
  if (!TypedArrayFits(array.TypedArrayType(), dtype)) {
    Fail(kTypeError, std::string("the typed array does not match dtype ") + DtypeName(dtype) +
                         "; use Float32Array for float32, Float64Array for float64, Uint16Array "
                         "bits for float16 and bfloat16, BigInt64Array for int64, Int32Array for "
                         "int32 and Uint8Array for uint8 and bool");
  }
  int64_t numel = 1;
  for (int64_t size : shape) {
    if (size < 0) Fail(kValueError, "shape sizes must not be negative");
    numel *= size;
  }
  const int64_t itemsize = static_cast<int64_t>(c10::elementSize(dtype));
  if (static_cast<int64_t>(array.ByteLength()) != numel * itemsize) {
    Fail(kValueError, "the typed array has " + std::to_string(array.ByteLength() / itemsize) +
                          " elements but the shape needs " + std::to_string(numel));
  }
  auto* data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (numel > 0) std::memcpy(tensor.data_ptr(), data, numel * itemsize);
  if (!device.is_cpu()) tensor = tensor.to(device);
  return Wrap(info.Env(), tensor);
}

AIGC_OP(toData) {
  at::Tensor tensor = ArgTensor(info, 0).detach().to(at::kCPU).contiguous();
  const size_t bytes = tensor.numel() * tensor.element_size();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), tensor.data_ptr(), bytes);
  return buffer;
}

AIGC_OP(item) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  if (tensor.numel() != 1) {
    Fail(kValueError,
         "item() needs a tensor with one element, got " + std::to_string(tensor.numel()));
  }
  if (tensor.scalar_type() == at::kBool) {
    return Napi::Boolean::New(info.Env(), tensor.item<bool>());
  }
  return Napi::Number::New(info.Env(), tensor.item<double>());
}

AIGC_OP(shape) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  Napi::Array result = Napi::Array::New(info.Env(), tensor.dim());
  for (int64_t d = 0; d < tensor.dim(); d++) {
    result.Set(static_cast<uint32_t>(d), Napi::Number::New(info.Env(), tensor.size(d)));
  }
  return result;
}

AIGC_OP(dtype) {
  return Napi::String::New(info.Env(), DtypeName(ArgTensor(info, 0).scalar_type()));
}

AIGC_OP(device) { return Napi::String::New(info.Env(), ArgTensor(info, 0).device().str()); }

AIGC_OP(isContiguous) { return Napi::Boolean::New(info.Env(), ArgTensor(info, 0).is_contiguous()); }

AIGC_OP(sharesStorage) {
  const at::Tensor& a = ArgTensor(info, 0);
  const at::Tensor& b = ArgTensor(info, 1);
  return Napi::Boolean::New(
      info.Env(), a.has_storage() && b.has_storage() && a.storage().is_alias_of(b.storage()));
}

AIGC_OP(zeros) { return Wrap(info.Env(), at::zeros(ArgInts(info, 0), ArgOptions(info, 1, 2))); }

AIGC_OP(ones) { return Wrap(info.Env(), at::ones(ArgInts(info, 0), ArgOptions(info, 1, 2))); }

AIGC_OP(empty) { return Wrap(info.Env(), at::empty(ArgInts(info, 0), ArgOptions(info, 1, 2))); }

AIGC_OP(full) {
  return Wrap(info.Env(), at::full(ArgInts(info, 0), ArgScalar(info, 1), ArgOptions(info, 2, 3)));
}

AIGC_OP(arange) {
  return Wrap(info.Env(), at::arange(ArgScalar(info, 0), ArgScalar(info, 1), ArgScalar(info, 2),
                                     ArgOptions(info, 3, 4)));
}

AIGC_OP(linspace) {
  return Wrap(info.Env(), at::linspace(ArgScalar(info, 0), ArgScalar(info, 1), ArgInt(info, 2),
                                       ArgOptions(info, 3, 4)));
}

AIGC_OP(eye) {
  return Wrap(info.Env(), at::eye(ArgInt(info, 0), ArgInt(info, 1), ArgOptions(info, 2, 3)));
}

// to(tensor, dtype | null, device | null): a no-op conversion returns a new handle on the
// same storage, as PyTorch returns the tensor itself.
AIGC_OP(to) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  const at::ScalarType dtype = ArgOptDtype(info, 1).value_or(tensor.scalar_type());
  const c10::Device device =
      info[2].IsNull() || info[2].IsUndefined() ? tensor.device() : ArgDevice(info, 2);
  return Wrap(info.Env(), tensor.to(device, dtype));
}

AIGC_OP(clone) { return Wrap(info.Env(), ArgTensor(info, 0).clone()); }

AIGC_OP(contiguous) { return Wrap(info.Env(), ArgTensor(info, 0).contiguous()); }

AIGC_OP(copy_) {
  at::Tensor target = ArgTensor(info, 0);
  return Wrap(info.Env(), target.copy_(ArgTensor(info, 1)));
}

AIGC_OP(fill_) {
  at::Tensor target = ArgTensor(info, 0);
  return Wrap(info.Env(), target.fill_(ArgScalar(info, 1)));
}

AIGC_OP(zero_) {
  at::Tensor target = ArgTensor(info, 0);
  return Wrap(info.Env(), target.zero_());
}

}  // namespace

void InitTensor(Napi::Env env, Napi::Object exports) {
  AIGC_EXPORT(fromData);
  AIGC_EXPORT(toData);
  AIGC_EXPORT(item);
  AIGC_EXPORT(shape);
  AIGC_EXPORT(dtype);
  AIGC_EXPORT(device);
  AIGC_EXPORT(isContiguous);
  AIGC_EXPORT(sharesStorage);
  AIGC_EXPORT(zeros);
  AIGC_EXPORT(ones);
  AIGC_EXPORT(empty);
  AIGC_EXPORT(full);
  AIGC_EXPORT(arange);
  AIGC_EXPORT(linspace);
  AIGC_EXPORT(eye);
  AIGC_EXPORT(to);
  AIGC_EXPORT(clone);
  AIGC_EXPORT(contiguous);
  AIGC_EXPORT(copy_);
  AIGC_EXPORT(fill_);
  AIGC_EXPORT(zero_);
}

}  // namespace aigc
