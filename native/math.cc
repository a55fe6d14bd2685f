// Elementwise math with broadcasting, comparisons, reductions, matrix products and sorting.
#include <ATen/ATen.h>

#include "common.h"

namespace aigc {
namespace {

Napi::Value W(const Napi::CallbackInfo& info, const at::Tensor& tensor) {
  return Wrap(info.Env(), tensor);
}

// A JavaScript number as the other operand becomes a wrapped-number tensor, so type promotion
// follows PyTorch's rules for Python scalars: float32 tensor + 2.5 stays float32.
at::Tensor ArgOperand(const Napi::CallbackInfo& info, size_t i, const at::Tensor& like) {
  if (IsTensor(info[i])) return ArgTensor(info, i);
  at::Tensor scalar = at::scalar_to_tensor(ArgScalar(info, i), like.device());
  scalar.unsafeGetTensorImpl()->set_wrapped_number(true);
  return scalar;
}

c10::optional<std::vector<int64_t>> ArgOptDims(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNumber()) return std::vector<int64_t>{ArgInt(info, i)};
  return ArgOptInts(info, i);
}

at::OptionalIntArrayRef AsRef(const c10::optional<std::vector<int64_t>>& dims) {
  if (!dims) return c10::nullopt;
  return at::IntArrayRef(*dims);
}

Napi::Value Pair(const Napi::CallbackInfo& info, const std::tuple<at::Tensor, at::Tensor>& pair) {
  return WrapList(info.Env(), {std::get<0>(pair), std::get<1>(pair)});
}

#define AIGC_BINARY(name, expr)                  \
  AIGC_OP(name) {                                \
    const at::Tensor& a = ArgTensor(info, 0);    \
    const at::Tensor b = ArgOperand(info, 1, a); \
    return W(info, expr);                        \
  }

AIGC_OP(add) {
  const at::Tensor& a = ArgTensor(info, 0);
  const at::Scalar alpha = info.Length() > 2 && !info[2].IsUndefined() ? ArgScalar(info, 2) : 1;
  return W(info, at::add(a, ArgOperand(info, 1, a), alpha));
}

AIGC_OP(sub) {
  const at::Tensor& a = ArgTensor(info, 0);
  const at::Scalar alpha = info.Length() > 2 && !info[2].IsUndefined() ? ArgScalar(info, 2) : 1;
  return W(info, at::sub(a, ArgOperand(info, 1, a), alpha));
}

AIGC_BINARY(mul, at::mul(a, b))
AIGC_BINARY(div, at::div(a, b))
AIGC_BINARY(floorDivide, at::div(a, b, "floor"))
AIGC_BINARY(remainder, at::remainder(a, b))
AIGC_BINARY(pow, at::pow(a, b))
AIGC_BINARY(maximum, at::maximum(a, b))
AIGC_BINARY(minimum, at::minimum(a, b))
AIGC_BINARY(atan2, at::atan2(a, b))
AIGC_BINARY(eq, at::eq(a, b))
AIGC_BINARY(ne, at::ne(a, b))
AIGC_BINARY(lt, at::lt(a, b))
AIGC_BINARY(le, at::le(a, b))
AIGC_BINARY(gt, at::gt(a, b))
AIGC_BINARY(ge, at::ge(a, b))
AIGC_BINARY(logicalAnd, at::logical_and(a, b))
AIGC_BINARY(logicalOr, at::logical_or(a, b))
AIGC_BINARY(logicalXor, at::logical_xor(a, b))

#define AIGC_UNARY(name, fn) \
  AIGC_OP(name) { return W(info, fn(ArgTensor(info, 0))); }

AIGC_UNARY(neg, at::neg)
AIGC_UNARY(abs, at::abs)
AIGC_UNARY(sign, at::sign)
AIGC_UNARY(exp, at::exp)
AIGC_UNARY(expm1, at::expm1)
AIGC_UNARY(log, at::log)
AIGC_UNARY(log1p, at::log1p)
AIGC_UNARY(log2, at::log2)
AIGC_UNARY(sqrt, at::sqrt)
AIGC_UNARY(rsqrt, at::rsqrt)
AIGC_UNARY(square, at::square)
AIGC_UNARY(reciprocal, at::reciprocal)
AIGC_UNARY(sin, at::sin)
AIGC_UNARY(cos, at::cos)
AIGC_UNARY(erf, at::erf)
AIGC_UNARY(floor, at::floor)
AIGC_UNARY(ceil, at::ceil)
AIGC_UNARY(round, at::round)
AIGC_UNARY(trunc, at::trunc)
AIGC_UNARY(logicalNot, at::logical_not)
AIGC_UNARY(isnan, at::isnan)
AIGC_UNARY(isinf, at::isinf)
AIGC_UNARY(isfinite, at::isfinite)

AIGC_OP(clamp) {
  c10::optional<at::Scalar> min, max;
  if (!info[1].IsNull() && !info[1].IsUndefined()) min = ArgScalar(info, 1);
  if (!info[2].IsNull() && !info[2].IsUndefined()) max = ArgScalar(info, 2);
  return W(info, at::clamp(ArgTensor(info, 0), min, max));
}

// where(condition, a, b): numbers use the Scalar overloads, so two floats give float32 as in
// PyTorch rather than the float64 of two wrapped numbers.
AIGC_OP(where) {
  const at::Tensor& condition = ArgTensor(info, 0);
  const bool a_tensor = IsTensor(info[1]);
  const bool b_tensor = IsTensor(info[2]);
  if (a_tensor && b_tensor)
    return W(info, at::where(condition, ArgTensor(info, 1), ArgTensor(info, 2)));
  if (a_tensor) return W(info, at::where(condition, ArgTensor(info, 1), ArgScalar(info, 2)));
  if (b_tensor) return W(info, at::where(condition, ArgScalar(info, 1), ArgTensor(info, 2)));
  return W(info, at::where(condition, ArgScalar(info, 1), ArgScalar(info, 2)));
}

AIGC_OP(maskedFill) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  if (IsTensor(info[2])) {
    return W(info, tensor.masked_fill(ArgTensor(info, 1), ArgTensor(info, 2)));
  }
  return W(info, tensor.masked_fill(ArgTensor(info, 1), ArgScalar(info, 2)));
}

AIGC_OP(lerp) {
  const at::Tensor& start = ArgTensor(info, 0);
  if (IsTensor(info[2])) return W(info, at::lerp(start, ArgTensor(info, 1), ArgTensor(info, 2)));
  return W(info, at::lerp(start, ArgTensor(info, 1), ArgScalar(info, 2)));
}

// sum(tensor, dims | null, keepdim, dtype | null)
AIGC_OP(sum) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  auto dims = ArgOptDims(info, 1);
  auto dtype = ArgOptDtype(info, 3);
  if (!dims) return W(info, at::sum(tensor, dtype));
  return W(info, at::sum(tensor, *dims, ArgBool(info, 2), dtype));
}

AIGC_OP(mean) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  auto dims = ArgOptDims(info, 1);
  auto dtype = ArgOptDtype(info, 3);
  if (!dims) return W(info, at::mean(tensor, dtype));
  return W(info, at::mean(tensor, *dims, ArgBool(info, 2), dtype));
}

AIGC_OP(prod) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  if (auto dim = ArgOptInt(info, 1)) return W(info, at::prod(tensor, *dim, ArgBool(info, 2)));
  return W(info, at::prod(tensor));
}

// max(tensor, dim | null, keepdim): the maximum of all elements, or [values, indices] along dim.
AIGC_OP(max) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  if (auto dim = ArgOptInt(info, 1)) return Pair(info, at::max(tensor, *dim, ArgBool(info, 2)));
  return W(info, at::max(tensor));
}

AIGC_OP(min) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  if (auto dim = ArgOptInt(info, 1)) return Pair(info, at::min(tensor, *dim, ArgBool(info, 2)));
  return W(info, at::min(tensor));
}

AIGC_OP(amax) { return W(info, at::amax(ArgTensor(info, 0), ArgInts(info, 1), ArgBool(info, 2))); }
AIGC_OP(amin) { return W(info, at::amin(ArgTensor(info, 0), ArgInts(info, 1), ArgBool(info, 2))); }

AIGC_OP(argmax) {
  return W(info, at::argmax(ArgTensor(info, 0), ArgOptInt(info, 1), ArgBool(info, 2)));
}

AIGC_OP(argmin) {
  return W(info, at::argmin(ArgTensor(info, 0), ArgOptInt(info, 1), ArgBool(info, 2)));
}

// var(tensor, dims | null, correction, keepdim); correction 1 is Bessel's unbiased estimate.
AIGC_OP(var) {
  const auto dims = ArgOptDims(info, 1);
  return W(info, at::var(ArgTensor(info, 0), AsRef(dims), ArgInt(info, 2), ArgBool(info, 3)));
}

AIGC_OP(stdDev) {
  const auto dims = ArgOptDims(info, 1);
  return W(info, at::std(ArgTensor(info, 0), AsRef(dims), ArgInt(info, 2), ArgBool(info, 3)));
}

AIGC_OP(logsumexp) {
  return W(info, at::logsumexp(ArgTensor(info, 0), ArgInts(info, 1), ArgBool(info, 2)));
}

// norm(tensor, p, dims | null, keepdim): the vector p-norm.
AIGC_OP(norm) {
  const at::Tensor& tensor = ArgTensor(info, 0);
  const auto dims = ArgOptDims(info, 2);
  return W(info, at::linalg_vector_norm(tensor, ArgScalar(info, 1), AsRef(dims), ArgBool(info, 3)));
}

AIGC_OP(all) { return W(info, at::all(ArgTensor(info, 0))); }
AIGC_OP(any) { return W(info, at::any(ArgTensor(info, 0))); }
AIGC_OP(cumsum) { return W(info, at::cumsum(ArgTensor(info, 0), ArgInt(info, 1))); }
AIGC_OP(cumprod) { return W(info, at::cumprod(ArgTensor(info, 0), ArgInt(info, 1))); }
AIGC_OP(matmul) { return W(info, at::matmul(ArgTensor(info, 0), ArgTensor(info, 1))); }
AIGC_OP(mm) { return W(info, at::mm(ArgTensor(info, 0), ArgTensor(info, 1))); }
AIGC_OP(bmm) { return W(info, at::bmm(ArgTensor(info, 0), ArgTensor(info, 1))); }
AIGC_OP(einsum) { return W(info, at::einsum(ArgString(info, 0), ArgTensors(info, 1))); }

// topk(tensor, k, dim, largest, sorted) -> [values, indices]
AIGC_OP(topk) {
  return Pair(info, at::topk(ArgTensor(info, 0), ArgInt(info, 1), ArgInt(info, 2), ArgBool(info, 3),
                             ArgBool(info, 4)));
}

// sort(tensor, dim, descending) -> [values, indices]; the sort is stable.
AIGC_OP(sort) {
  return Pair(info, at::sort(ArgTensor(info, 0), true, ArgInt(info, 1), ArgBool(info, 2)));
}

AIGC_OP(oneHot) { return W(info, at::one_hot(ArgTensor(info, 0), ArgInt(info, 1))); }

// linalgEigh(symmetric matrix) -> [eigenvalues ascending, eigenvectors as columns]
AIGC_OP(linalgEigh) { return Pair(info, at::linalg_eigh(ArgTensor(info, 0), "L")); }

AIGC_OP(add_) {
  at::Tensor target = ArgTensor(info, 0);
  const at::Scalar alpha = info.Length() > 2 && !info[2].IsUndefined() ? ArgScalar(info, 2) : 1;
  return W(info, target.add_(ArgOperand(info, 1, target), alpha));
}

AIGC_OP(mul_) {
  at::Tensor target = ArgTensor(info, 0);
  return W(info, target.mul_(ArgOperand(info, 1, target)));
}

AIGC_OP(lerp_) {
  at::Tensor target = ArgTensor(info, 0);
  return W(info, target.lerp_(ArgTensor(info, 1), ArgScalar(info, 2)));
}

AIGC_OP(clamp_) {
  at::Tensor target = ArgTensor(info, 0);
  c10::optional<at::Scalar> min, max;
  if (!info[1].IsNull() && !info[1].IsUndefined()) min = ArgScalar(info, 1);
  if (!info[2].IsNull() && !info[2].IsUndefined()) max = ArgScalar(info, 2);
  return W(info, target.clamp_(min, max));
}

}  // namespace

void InitMath(Napi::Env env, Napi::Object exports) {
  AIGC_EXPORT(add);
  AIGC_EXPORT(sub);
  AIGC_EXPORT(mul);
  AIGC_EXPORT(div);
  AIGC_EXPORT(floorDivide);
  AIGC_EXPORT(remainder);
  AIGC_EXPORT(pow);
  AIGC_EXPORT(maximum);
  AIGC_EXPORT(minimum);
  AIGC_EXPORT(atan2);
  AIGC_EXPORT(eq);
  AIGC_EXPORT(ne);
  AIGC_EXPORT(lt);
  AIGC_EXPORT(le);
  AIGC_EXPORT(gt);
  AIGC_EXPORT(ge);
  AIGC_EXPORT(logicalAnd);
  AIGC_EXPORT(logicalOr);
  AIGC_EXPORT(logicalXor);
  AIGC_EXPORT(neg);
  AIGC_EXPORT(abs);
  AIGC_EXPORT(sign);
  AIGC_EXPORT(exp);
  AIGC_EXPORT(expm1);
  AIGC_EXPORT(log);
  AIGC_EXPORT(log1p);
  AIGC_EXPORT(log2);
  AIGC_EXPORT(sqrt);
  AIGC_EXPORT(rsqrt);
  AIGC_EXPORT(square);
  AIGC_EXPORT(reciprocal);
  AIGC_EXPORT(sin);
  AIGC_EXPORT(cos);
  AIGC_EXPORT(erf);
  AIGC_EXPORT(floor);
  AIGC_EXPORT(ceil);
  AIGC_EXPORT(round);
  AIGC_EXPORT(trunc);
  AIGC_EXPORT(logicalNot);
  AIGC_EXPORT(isnan);
  AIGC_EXPORT(isinf);
  AIGC_EXPORT(isfinite);
  AIGC_EXPORT(clamp);
  AIGC_EXPORT(where);
  AIGC_EXPORT(maskedFill);
  AIGC_EXPORT(lerp);
  AIGC_EXPORT(sum);
  AIGC_EXPORT(mean);
  AIGC_EXPORT(prod);
  AIGC_EXPORT(max);
  AIGC_EXPORT(min);
  AIGC_EXPORT(amax);
  AIGC_EXPORT(amin);
  AIGC_EXPORT(argmax);
  AIGC_EXPORT(argmin);
  AIGC_EXPORT(var);
  Export(env, exports, "std", stdDev);
  AIGC_EXPORT(logsumexp);
  AIGC_EXPORT(norm);
  AIGC_EXPORT(all);
  AIGC_EXPORT(any);
  AIGC_EXPORT(cumsum);
  AIGC_EXPORT(cumprod);
  AIGC_EXPORT(matmul);
  AIGC_EXPORT(mm);
  AIGC_EXPORT(bmm);
  AIGC_EXPORT(einsum);
  AIGC_EXPORT(topk);
  AIGC_EXPORT(sort);
  AIGC_EXPORT(oneHot);
  AIGC_EXPORT(linalgEigh);
  AIGC_EXPORT(add_);
  AIGC_EXPORT(mul_);
  AIGC_EXPORT(lerp_);
  AIGC_EXPORT(clamp_);
}

}  // namespace aigc
