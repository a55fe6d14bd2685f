// Shape ops: views, joins, splits, indexing along a dimension, expansion and flips.
#include <ATen/ATen.h>

#include "common.h"

namespace aigc {
namespace {

Napi::Value W(const Napi::CallbackInfo& info, const at::Tensor& tensor) {
  return Wrap(info.Env(), tensor);
}

AIGC_OP(reshape) { return W(info, ArgTensor(info, 0).reshape(ArgInts(info, 1))); }
AIGC_OP(view) { return W(info, ArgTensor(info, 0).view(ArgInts(info, 1))); }
AIGC_OP(permute) { return W(info, ArgTensor(info, 0).permute(ArgInts(info, 1))); }
AIGC_OP(transpose) {
  return W(info, ArgTensor(info, 0).transpose(ArgInt(info, 1), ArgInt(info, 2)));
}
AIGC_OP(flatten) { return W(info, ArgTensor(info, 0).flatten(ArgInt(info, 1), ArgInt(info, 2))); }

// squeeze(tensor, dim | null): without a dim, removes every size-1 dimension.
AIGC_OP(squeeze) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  if (auto dim = ArgOptInt(info, 1)) return W(info, tensor.squeeze(*dim));
  return W(info, tensor.squeeze());
}

AIGC_OP(unsqueeze) { return W(info, ArgTensor(info, 0).unsqueeze(ArgInt(info, 1))); }
AIGC_OP(cat) { return W(info, at::cat(ArgTensors(info, 0), ArgInt(info, 1))); }
AIGC_OP(stack) { return W(info, at::stack(ArgTensors(info, 0), ArgInt(info, 1))); }

// split(tensor, size | sizes, dim)
AIGC_OP(split) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  const int64_t dim = ArgInt(info, 2);
  if (info[1].IsArray())
    return WrapList(info.Env(), tensor.split_with_sizes(ArgInts(info, 1), dim));
  return WrapList(info.Env(), tensor.split(ArgInt(info, 1), dim));
}

AIGC_OP(chunk) {
  return WrapList(info.Env(), ArgTensor(info, 0).chunk(ArgInt(info, 1), ArgInt(info, 2)));
}

AIGC_OP(unbind) { return WrapList(info.Env(), ArgTensor(info, 0).unbind(ArgInt(info, 1))); }

AIGC_OP(narrow) {
  return W(info, ArgTensor(info, 0).narrow(ArgInt(info, 1), ArgInt(info, 2), ArgInt(info, 3)));
}

// slice(tensor, dim, start | null, end | null, step): Python's t[start:end:step] along dim.
AIGC_OP(slice) {
  return W(info, ArgTensor(info, 0).slice(ArgInt(info, 1), ArgOptInt(info, 2), ArgOptInt(info, 3),
                                          ArgInt(info, 4)));
}

AIGC_OP(select) { return W(info, ArgTensor(info, 0).select(ArgInt(info, 1), ArgInt(info, 2))); }

AIGC_OP(indexSelect) {
  return W(info, ArgTensor(info, 0).index_select(ArgInt(info, 1), ArgTensor(info, 2)));
}

AIGC_OP(gather) { return W(info, ArgTensor(info, 0).gather(ArgInt(info, 1), ArgTensor(info, 2))); }

// scatter(tensor, dim, index, source tensor | value)
AIGC_OP(scatter) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  if (IsTensor(info[3])) {
    return W(info, tensor.scatter(ArgInt(info, 1), ArgTensor(info, 2), ArgTensor(info, 3)));
  }
  return W(info, tensor.scatter(ArgInt(info, 1), ArgTensor(info, 2), ArgScalar(info, 3)));
}

AIGC_OP(scatterAdd) {
  return W(info,
           ArgTensor(info, 0).scatter_add(ArgInt(info, 1), ArgTensor(info, 2), ArgTensor(info, 3)));
}

// index(tensor, indices): advanced indexing with one index tensor per leading dimension,
// null meaning the whole dimension, as Python's t[idx0, :, idx2].
AIGC_OP(index) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  Napi::Array array = info[1].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> indices;
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value value = array.Get(k);
    if (value.IsNull() || value.IsUndefined()) {
      indices.push_back(c10::nullopt);
    } else {
      if (!IsTensor(value)) Fail(kTypeError, "indices must be tensors or null");
      indices.push_back(HandleOf(value)->tensor);
    }
  }
  return W(info, at::index(tensor, indices));
}

AIGC_OP(maskedSelect) { return W(info, ArgTensor(info, 0).masked_select(ArgTensor(info, 1))); }

AIGC_OP(expand) { return W(info, ArgTensor(info, 0).expand(ArgInts(info, 1))); }
AIGC_OP(repeat) { return W(info, ArgTensor(info, 0).repeat(ArgInts(info, 1))); }
AIGC_OP(repeatInterleave) {
  return W(info, ArgTensor(info, 0).repeat_interleave(ArgInt(info, 1), ArgInt(info, 2)));
}
AIGC_OP(flip) { return W(info, ArgTensor(info, 0).flip(ArgInts(info, 1))); }
AIGC_OP(roll) { return W(info, ArgTensor(info, 0).roll(ArgInts(info, 1), ArgInts(info, 2))); }
AIGC_OP(tril) { return W(info, ArgTensor(info, 0).tril(ArgInt(info, 1))); }
AIGC_OP(triu) { return W(info, ArgTensor(info, 0).triu(ArgInt(info, 1))); }

// pad(tensor, pads, mode, value): pads lists (left, right) pairs from the last dimension back.
AIGC_OP(pad) {
  const std::string mode = ArgString(info, 2);
  const at::Tensor& tensor = ArgTensor(info, 0);
  const std::vector<int64_t> pads = ArgInts(info, 1);
  if (mode == "constant") return W(info, at::constant_pad_nd(tensor, pads, ArgDouble(info, 3)));
  if (mode == "reflect" && pads.size() == 4) return W(info, at::reflection_pad2d(tensor, pads));
  if (mode == "replicate" && pads.size() == 4) return W(info, at::replication_pad2d(tensor, pads));
  Fail(kValueError, "pad mode '" + mode + "' is not supported with " + std::to_string(pads.size()) +
                        " pads; use 'constant' with any pads, or 'reflect' or 'replicate' with 4");
}

}  // namespace

void InitShape(Napi::Env env, Napi::Object exports) {
  AIGC_EXPORT(reshape);
  AIGC_EXPORT(view);
  AIGC_EXPORT(permute);
  AIGC_EXPORT(transpose);
  AIGC_EXPORT(flatten);
  AIGC_EXPORT(squeeze);
  AIGC_EXPORT(unsqueeze);
  AIGC_EXPORT(cat);
  AIGC_EXPORT(stack);
  AIGC_EXPORT(split);
  AIGC_EXPORT(chunk);
  AIGC_EXPORT(unbind);
  AIGC_EXPORT(narrow);
  AIGC_EXPORT(slice);
  AIGC_EXPORT(select);
  AIGC_EXPORT(indexSelect);
  AIGC_EXPORT(gather);
  AIGC_EXPORT(scatter);
  AIGC_EXPORT(scatterAdd);
  AIGC_EXPORT(index);
  AIGC_EXPORT(maskedSelect);
  AIGC_EXPORT(expand);
  AIGC_EXPORT(repeat);
  AIGC_EXPORT(repeatInterleave);
  AIGC_EXPORT(flip);
  AIGC_EXPORT(roll);
  AIGC_EXPORT(tril);
  AIGC_EXPORT(triu);
  AIGC_EXPORT(pad);
}

}  // namespace aigc
