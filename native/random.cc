// Random numbers: the global seed, explicit generators with readable state, and sampling ops.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#ifdef AIGC_WITH_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

#include <mutex>

#include "common.h"

namespace aigc {
namespace {

Napi::Value W(const Napi::CallbackInfo& info, const at::Tensor& tensor) {
  return Wrap(info.Env(), tensor);
}

// The explicit generator at argument i, else the default generator of `device`.
at::Generator ResolveGenerator(const Napi::CallbackInfo& info, size_t i, c10::Device device) {
  if (auto generator = ArgOptGenerator(info, i)) return *generator;
  return at::globalContext().defaultGenerator(device);
}

// manualSeed(seed) seeds the default generators of the CPU and of every CUDA device.
AIGC_OP(manualSeed) {
  const uint64_t seed = static_cast<uint64_t>(ArgInt(info, 0));
  {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_current_seed(seed);
  }
  if (at::hasCUDA()) {
    for (size_t i = 0; i < at::getNumGPUs(); i++) {
      at::Generator generator =
          at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<int8_t>(i)));
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_current_seed(seed);
    }
  }
  return info.Env().Undefined();
}

// createGenerator(seed, device) -> a generator independent of the default one.
AIGC_OP(createGenerator) {
  const uint64_t seed = static_cast<uint64_t>(ArgInt(info, 0));
  const c10::Device device = ArgDevice(info, 1);
  if (device.is_cpu()) return WrapGenerator(info.Env(), at::detail::createCPUGenerator(seed));
#ifdef AIGC_WITH_CUDA
  if (device.is_cuda()) {
    at::Generator generator = at::cuda::detail::createCUDAGenerator(device.index());
    generator.set_current_seed(seed);
    return WrapGenerator(info.Env(), generator);
  }
#endif
  Fail(kValueError,
       "generators on device '" + device.str() + "' need a libtorch built with that device");
}

// getRngState(generator | null, device) -> uint8 tensor with the full generator state.
AIGC_OP(getRngState) {
  at::Generator generator = ResolveGenerator(info, 0, ArgDevice(info, 1));
  std::lock_guard<std::mutex> lock(generator.mutex());
  return W(info, generator.get_state());
}

// setRngState(generator | null, state, device)
AIGC_OP(setRngState) {
  at::Generator generator = ResolveGenerator(info, 0, ArgDevice(info, 2));
  const at::Tensor& state = ArgTensor(info, 1);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
  return info.Env().Undefined();
}

// rand(shape, dtype, device, generator | null): uniform on [0, 1).
AIGC_OP(rand) {
  return W(info, at::rand(ArgInts(info, 0), ArgOptGenerator(info, 3), ArgOptions(info, 1, 2)));
}

AIGC_OP(randn) {
  return W(info, at::randn(ArgInts(info, 0), ArgOptGenerator(info, 3), ArgOptions(info, 1, 2)));
}

// randint(low, high, shape, dtype, device, generator | null): integers in [low, high).
AIGC_OP(randint) {
  at::TensorOptions options = ArgOptions(info, 3, 4);
  if (!options.has_dtype() || info[3].IsNull() || info[3].IsUndefined()) {
    options = options.dtype(at::kLong);
  }
  return W(info, at::randint(ArgInt(info, 0), ArgInt(info, 1), ArgInts(info, 2),
                             ArgOptGenerator(info, 5), options));
}

AIGC_OP(randperm) {
  at::TensorOptions options = ArgOptions(info, 1, 2);
  if (info[1].IsNull() || info[1].IsUndefined()) options = options.dtype(at::kLong);
  return W(info, at::randperm(ArgInt(info, 0), ArgOptGenerator(info, 3), options));
}

// multinomial(probabilities, numSamples, replacement, generator | null) -> int64 indices.
AIGC_OP(multinomial) {
  return W(info, at::multinomial(ArgTensor(info, 0), ArgInt(info, 1), ArgBool(info, 2),
                                 ArgOptGenerator(info, 3)));
}

AIGC_OP(bernoulli) { return W(info, at::bernoulli(ArgTensor(info, 0), ArgOptGenerator(info, 1))); }

// uniform_(tensor, low, high, generator | null) fills in place, for weight initialisation.
AIGC_OP(uniform_) {
  at::Tensor tensor = ArgTensor(info, 0);
  return W(info, tensor.uniform_(ArgDouble(info, 1), ArgDouble(info, 2), ArgOptGenerator(info, 3)));
}

AIGC_OP(normal_) {
  at::Tensor tensor = ArgTensor(info, 0);
  return W(info, tensor.normal_(ArgDouble(info, 1), ArgDouble(info, 2), ArgOptGenerator(info, 3)));
}

}  // namespace

void InitRandom(Napi::Env env, Napi::Object exports) {
  AIGC_EXPORT(manualSeed);
  AIGC_EXPORT(createGenerator);
  AIGC_EXPORT(getRngState);
  AIGC_EXPORT(setRngState);
  AIGC_EXPORT(rand);
  AIGC_EXPORT(randn);
  AIGC_EXPORT(randint);
  AIGC_EXPORT(randperm);
  AIGC_EXPORT(multinomial);
  AIGC_EXPORT(bernoulli);
  AIGC_EXPORT(uniform_);
  AIGC_EXPORT(normal_);
}

}  // namespace aigc
