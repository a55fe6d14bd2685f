// Functional neural-network ops: layers, normalisation, recurrent cells, activations, losses.
#include <ATen/ATen.h>
#include <ATen/core/Reduction.h>

#include "common.h"

namespace aigc {
namespace {

Napi::Value W(const Napi::CallbackInfo& info, const at::Tensor& tensor) {
  return Wrap(info.Env(), tensor);
}

const std::pair<const char*, int64_t> kReductions[] = {
    {"none", at::Reduction::None}, {"mean", at::Reduction::Mean}, {"sum", at::Reduction::Sum}};

int64_t ArgReduction(const Napi::CallbackInfo& info, size_t i) {
  const std::string name = ArgString(info, i);
  for (const auto& [known, value] : kReductions) {
    if (name == known) return value;
  }
  Fail(kValueError, "unknown reduction '" + name + "'; expected 'none', 'mean' or 'sum'");
}

// linear(input, weight, bias | null)
AIGC_OP(linear) {
  return W(info, at::linear(ArgTensor(info, 0), ArgTensor(info, 1), ArgOptTensor(info, 2)));
}

// conv2d(input, weight, bias | null, stride, padding, dilation, groups)
AIGC_OP(conv2d) {
  return W(info, at::conv2d(ArgTensor(info, 0), ArgTensor(info, 1), ArgOptTensor(info, 2),
                            ArgInts(info, 3), ArgInts(info, 4), ArgInts(info, 5), ArgInt(info, 6)));
}

// convTranspose2d(input, weight, bias | null, stride, padding, outputPadding, groups, dilation)
AIGC_OP(convTranspose2d) {
  return W(info, at::conv_transpose2d(ArgTensor(info, 0), ArgTensor(info, 1), ArgOptTensor(info, 2),
                                      ArgInts(info, 3), ArgInts(info, 4), ArgInts(info, 5),
                                      ArgInt(info, 6), ArgInts(info, 7)));
}

// maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode)
AIGC_OP(maxPool2d) {
  return W(info, at::max_pool2d(ArgTensor(info, 0), ArgInts(info, 1), ArgInts(info, 2),
                                ArgInts(info, 3), ArgInts(info, 4), ArgBool(info, 5)));
}

// avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad)
AIGC_OP(avgPool2d) {
  return W(info, at::avg_pool2d(ArgTensor(info, 0), ArgInts(info, 1), ArgInts(info, 2),
                                ArgInts(info, 3), ArgBool(info, 4), ArgBool(info, 5)));
}

AIGC_OP(adaptiveAvgPool2d) {
  return W(info, at::adaptive_avg_pool2d(ArgTensor(info, 0), ArgInts(info, 1)));
}

// interpolate(input, size, mode, alignCorners, scaleFactor | null): 'nearest' or 'bilinear' on
// [N, C, H, W]. With a scale factor, source coordinates are output coordinates / factor.
AIGC_OP(interpolate) {
  const at::Tensor& input = ArgTensor(info, 0);
  const std::vector<int64_t> size = ArgInts(info, 1);
  const std::string mode = ArgString(info, 2);
  const c10::optional<double> scale = ArgOptDouble(info, 4);
  if (input.dim() != 4 || size.size() != 2) {
    Fail(kValueError, "interpolate needs a 4-D input [N, C, H, W] and a size [H, W]");
  }
  if (mode == "nearest") return W(info, at::upsample_nearest2d(input, size, scale, scale));
  if (mode == "bilinear") {
    return W(info, at::upsample_bilinear2d(input, size, ArgBool(info, 3), scale, scale));
  }
  Fail(kValueError, "unknown interpolation mode '" + mode + "'; expected 'nearest' or 'bilinear'");
}

// batchNorm(input, weight | null, bias | null, runningMean | null, runningVar | null, training,
// momentum, eps). In training mode the running statistics are updated in place.
AIGC_OP(batchNorm) {
  return W(info, at::batch_norm(ArgTensor(info, 0), ArgOptTensor(info, 1), ArgOptTensor(info, 2),
                                ArgOptTensor(info, 3), ArgOptTensor(info, 4), ArgBool(info, 5),
                                ArgDouble(info, 6), ArgDouble(info, 7), true));
}

// layerNorm(input, normalizedShape, weight | null, bias | null, eps)
AIGC_OP(layerNorm) {
  return W(info, at::layer_norm(ArgTensor(info, 0), ArgInts(info, 1), ArgOptTensor(info, 2),
                                ArgOptTensor(info, 3), ArgDouble(info, 4)));
}

// groupNorm(input, numGroups, weight | null, bias | null, eps)
AIGC_OP(groupNorm) {
  return W(info, at::group_norm(ArgTensor(info, 0), ArgInt(info, 1), ArgOptTensor(info, 2),
                                ArgOptTensor(info, 3), ArgDouble(info, 4)));
}

// embedding(weight, indices, paddingIdx): paddingIdx -1 means none.
AIGC_OP(embedding) {
  return W(info, at::embedding(ArgTensor(info, 0), ArgTensor(info, 1), ArgInt(info, 2)));
}

// dropout(input, p, training): draws from the default generator of the input's device.
AIGC_OP(dropout) {
  return W(info, at::dropout(ArgTensor(info, 0), ArgDouble(info, 1), ArgBool(info, 2)));
}

// lstm(input, [h0, c0], flatWeights, hasBiases, numLayers, dropout, training, bidirectional,
// batchFirst) -> [output, hN, cN]. flatWeights per layer and direction: w_ih, w_hh, b_ih, b_hh.
AIGC_OP(lstm) {
  auto [output, h, c] = at::lstm(ArgTensor(info, 0), ArgTensors(info, 1), ArgTensors(info, 2),
                                 ArgBool(info, 3), ArgInt(info, 4), ArgDouble(info, 5),
                                 ArgBool(info, 6), ArgBool(info, 7), ArgBool(info, 8));
  return WrapList(info.Env(), {output, h, c});
}

AIGC_OP(relu) { return W(info, at::relu(ArgTensor(info, 0))); }
AIGC_OP(leakyRelu) { return W(info, at::leaky_relu(ArgTensor(info, 0), ArgScalar(info, 1))); }
AIGC_OP(elu) { return W(info, at::elu(ArgTensor(info, 0), ArgScalar(info, 1))); }
AIGC_OP(gelu) { return W(info, at::gelu(ArgTensor(info, 0), ArgString(info, 1))); }
AIGC_OP(silu) { return W(info, at::silu(ArgTensor(info, 0))); }
AIGC_OP(tanh) { return W(info, at::tanh(ArgTensor(info, 0))); }
AIGC_OP(sigmoid) { return W(info, at::sigmoid(ArgTensor(info, 0))); }
AIGC_OP(softplus) {
  return W(info, at::softplus(ArgTensor(info, 0), ArgScalar(info, 1), ArgScalar(info, 2)));
}
AIGC_OP(softmax) {
  return W(info, at::softmax(ArgTensor(info, 0), ArgInt(info, 1), ArgOptDtype(info, 2)));
}
AIGC_OP(logSoftmax) {
  return W(info, at::log_softmax(ArgTensor(info, 0), ArgInt(info, 1), ArgOptDtype(info, 2)));
}

// binaryCrossEntropyWithLogits(logits, target, weight | null, posWeight | null, reduction)
AIGC_OP(binaryCrossEntropyWithLogits) {
  return W(info, at::binary_cross_entropy_with_logits(ArgTensor(info, 0), ArgTensor(info, 1),
                                                      ArgOptTensor(info, 2), ArgOptTensor(info, 3),
                                                      ArgReduction(info, 4)));
}

// binaryCrossEntropy(probabilities, target, weight | null, reduction)
AIGC_OP(binaryCrossEntropy) {
  return W(info, at::binary_cross_entropy(ArgTensor(info, 0), ArgTensor(info, 1),
                                          ArgOptTensor(info, 2), ArgReduction(info, 3)));
}

// crossEntropy(logits, target, weight | null, reduction, ignoreIndex, labelSmoothing):
// target holds class indices (int64) or class probabilities (float, same shape as logits).
AIGC_OP(crossEntropy) {
  return W(info,
           at::cross_entropy_loss(ArgTensor(info, 0), ArgTensor(info, 1), ArgOptTensor(info, 2),
                                  ArgReduction(info, 3), ArgInt(info, 4), ArgDouble(info, 5)));
}

// nllLoss(logProbabilities, target, weight | null, reduction, ignoreIndex)
AIGC_OP(nllLoss) {
  return W(info, at::nll_loss_nd(ArgTensor(info, 0), ArgTensor(info, 1), ArgOptTensor(info, 2),
                                 ArgReduction(info, 3), ArgInt(info, 4)));
}

AIGC_OP(mseLoss) {
  return W(info, at::mse_loss(ArgTensor(info, 0), ArgTensor(info, 1), ArgReduction(info, 2)));
}

AIGC_OP(l1Loss) {
  return W(info, at::l1_loss(ArgTensor(info, 0), ArgTensor(info, 1), ArgReduction(info, 2)));
}

AIGC_OP(smoothL1Loss) {
  return W(info, at::smooth_l1_loss(ArgTensor(info, 0), ArgTensor(info, 1), ArgReduction(info, 2),
                                    ArgDouble(info, 3)));
}

}  // namespace

void InitNn(Napi::Env env, Napi::Object exports) {
  AIGC_EXPORT(linear);
  AIGC_EXPORT(conv2d);
  AIGC_EXPORT(convTranspose2d);
  AIGC_EXPORT(maxPool2d);
  AIGC_EXPORT(avgPool2d);
  AIGC_EXPORT(adaptiveAvgPool2d);
  AIGC_EXPORT(interpolate);
  AIGC_EXPORT(batchNorm);
  AIGC_EXPORT(layerNorm);
  AIGC_EXPORT(groupNorm);
  AIGC_EXPORT(embedding);
  AIGC_EXPORT(dropout);
  AIGC_EXPORT(lstm);
  AIGC_EXPORT(relu);
  AIGC_EXPORT(leakyRelu);
  AIGC_EXPORT(elu);
  AIGC_EXPORT(gelu);
  AIGC_EXPORT(silu);
  AIGC_EXPORT(tanh);
  AIGC_EXPORT(sigmoid);
  AIGC_EXPORT(softplus);
  AIGC_EXPORT(softmax);
  AIGC_EXPORT(logSoftmax);
  AIGC_EXPORT(binaryCrossEntropyWithLogits);
  AIGC_EXPORT(binaryCrossEntropy);
  AIGC_EXPORT(crossEntropy);
  AIGC_EXPORT(nllLoss);
  AIGC_EXPORT(mseLoss);
  AIGC_EXPORT(l1Loss);
  AIGC_EXPORT(smoothL1Loss);
}

}  // namespace aigc
