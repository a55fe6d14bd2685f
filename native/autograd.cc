// Autograd: gradient flags, backward passes, gradient access, grad mode and clipping.
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>

#include "common.h"

namespace aigc {
namespace {

AIGC_OP(requiresGrad) { return Napi::Boolean::New(info.Env(), ArgTensor(info, 0).requires_grad()); }

// setRequiresGrad(tensor, flag) changes the flag of the tensor itself, as requires_grad_() does.
AIGC_OP(setRequiresGrad) {
  at::Tensor tensor = ArgTensor(info, 0);
  tensor.requires_grad_(ArgBool(info, 1));
  return info.Env().Undefined();
}

AIGC_OP(isLeaf) { return Napi::Boolean::New(info.Env(), ArgTensor(info, 0).is_leaf()); }

AIGC_OP(retainGrad) {
  ArgTensor(info, 0).retain_grad();
  return info.Env().Undefined();
}

// backward(tensor, gradient | null, retainGraph, createGraph)
AIGC_OP(backward) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  tensor.backward(ArgOptTensor(info, 1).value_or(at::Tensor()), ArgBool(info, 2), ArgBool(info, 3));
  return info.Env().Undefined();
}

// grad(tensor) -> the accumulated gradient, or null before any backward pass.
AIGC_OP(grad) { return Wrap(info.Env(), ArgTensor(info, 0).grad()); }

// setGrad(tensor, gradient | null): null releases the gradient, as zero_grad(set_to_none=True).
AIGC_OP(setGrad) {
  at::Tensor tensor = ArgTensor(info, 0);
  tensor.mutable_grad() = ArgOptTensor(info, 1).value_or(at::Tensor());
  return info.Env().Undefined();
}

// setData(tensor, data): swaps the data under `tensor` while every handle keeps seeing the same
// tensor, as `param.data = ...` in Python. Modules use it to move parameters between devices.
// NOTE: the memory counter keeps the storage the handle was created with until it is released.
AIGC_OP(setData) {
  at::Tensor tensor = ArgTensor(info, 0);
  tensor.set_data(ArgTensor(info, 1));
  return info.Env().Undefined();
}

AIGC_OP(detach) { return Wrap(info.Env(), ArgTensor(info, 0).detach()); }

AIGC_OP(setGradEnabled) {
  const bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(ArgBool(info, 0));
  return Napi::Boolean::New(info.Env(), previous);
}

AIGC_OP(isGradEnabled) { return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled()); }

// autogradGrad(outputs, inputs, gradOutputs | null, retainGraph, createGraph, allowUnused)
// -> gradients of the outputs with respect to the inputs, null where an input is unused.
AIGC_OP(autogradGrad) {
  std::vector<at::Tensor> grad_outputs;
  if (!info[2].IsNull() && !info[2].IsUndefined()) grad_outputs = ArgTensors(info, 2);
  auto grads = torch::autograd::grad(ArgTensors(info, 0), ArgTensors(info, 1), grad_outputs,
                                     ArgBool(info, 3), ArgBool(info, 4), ArgBool(info, 5));
  return WrapList(info.Env(), grads);
}

// clipGradNorm(parameters, maxNorm, normType) -> the total norm before clipping. Scales every
// gradient by maxNorm / (total + 1e-6) when that is below 1, as torch.nn.utils.clip_grad_norm_.
AIGC_OP(clipGradNorm) {
  const std::vector<at::Tensor> parameters = ArgTensors(info, 0);
  const double max_norm = ArgDouble(info, 1);
  const double norm_type = ArgDouble(info, 2);
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return Napi::Number::New(info.Env(), 0.0);
  std::vector<at::Tensor> norms;
  for (const at::Tensor& g : grads) norms.push_back(at::linalg_vector_norm(g, norm_type));
  const at::Tensor total = at::linalg_vector_norm(at::stack(norms), norm_type);
  const at::Tensor coefficient = at::clamp_max(max_norm / (total + 1e-6), 1.0);
  for (at::Tensor& g : grads) g.mul_(coefficient.to(g.device()));
  return Napi::Number::New(info.Env(), total.item<double>());
}

}  // namespace

void InitAutograd(Napi::Env env, Napi::Object exports) {
  AIGC_EXPORT(requiresGrad);
  AIGC_EXPORT(setRequiresGrad);
  AIGC_EXPORT(isLeaf);
  AIGC_EXPORT(retainGrad);
  AIGC_EXPORT(backward);
  AIGC_EXPORT(grad);
  AIGC_EXPORT(setGrad);
  AIGC_EXPORT(setData);
  AIGC_EXPORT(detach);
  AIGC_EXPORT(setGradEnabled);
  AIGC_EXPORT(isGradEnabled);
  AIGC_EXPORT(autogradGrad);
  AIGC_EXPORT(clipGradNorm);
}

}  // namespace aigc
