// Optimizers: libtorch's SGD, Adam and AdamW behind an external handle, with state export.
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include "common.h"

namespace aigc {
namespace {

const napi_type_tag kOptimizerTag = {0x616967636f707469ULL, 0x6d697a6572686e64ULL};

struct OptimizerHandle {
  std::string kind;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
};

OptimizerHandle* ArgOptimizer(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal() ||
      !info[i].As<Napi::External<OptimizerHandle>>().CheckTypeTag(&kOptimizerTag)) {
    Fail(kTypeError, "argument " + std::to_string(i + 1) + " must be an optimizer");
  }
  return info[i].As<Napi::External<OptimizerHandle>>().Data();
}

double Option(const Napi::Object& options, const char* key, double fallback) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined() || value.IsNull()) return fallback;
  if (!value.IsNumber())
    Fail(kTypeError, std::string("optimizer option ") + key + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

bool Flag(const Napi::Object& options, const char* key) {
  Napi::Value value = options.Get(key);
  return value.IsBoolean() && value.As<Napi::Boolean>().Value();
}

std::unique_ptr<torch::optim::Optimizer> Create(const std::string& kind,
                                                std::vector<at::Tensor> params,
                                                const Napi::Object& o) {
  if (kind == "sgd") {
    torch::optim::SGDOptions options(Option(o, "lr", 0.01));
    options.momentum(Option(o, "momentum", 0)).dampening(Option(o, "dampening", 0));
    options.weight_decay(Option(o, "weightDecay", 0)).nesterov(Flag(o, "nesterov"));
    return std::make_unique<torch::optim::SGD>(std::move(params), options);
  }
  const auto betas = std::make_tuple(Option(o, "beta1", 0.9), Option(o, "beta2", 0.999));
  if (kind == "adam") {
    torch::optim::AdamOptions options(Option(o, "lr", 1e-3));
    options.betas(betas).eps(Option(o, "eps", 1e-8)).amsgrad(Flag(o, "amsgrad"));
    options.weight_decay(Option(o, "weightDecay", 0));
    return std::make_unique<torch::optim::Adam>(std::move(params), options);
  }
  if (kind == "adamw") {
    torch::optim::AdamWOptions options(Option(o, "lr", 1e-3));
    options.betas(betas).eps(Option(o, "eps", 1e-8)).amsgrad(Flag(o, "amsgrad"));
    options.weight_decay(Option(o, "weightDecay", 1e-2));
    return std::make_unique<torch::optim::AdamW>(std::move(params), options);
  }
  Fail(kValueError, "unknown optimizer '" + kind + "'; expected 'sgd', 'adam' or 'adamw'");
}

// createOptimizer(kind, parameters, options) -> optimizer handle
AIGC_OP(createOptimizer) {
  const std::string kind = ArgString(info, 0);
  if (!info[2].IsObject()) Fail(kTypeError, "argument 3 must be an options object");
  auto* handle =
      new OptimizerHandle{kind, Create(kind, ArgTensors(info, 1), info[2].As<Napi::Object>())};
  auto external = Napi::External<OptimizerHandle>::New(
      info.Env(), handle, [](Napi::Env, OptimizerHandle* h) { delete h; });
  external.TypeTag(&kOptimizerTag);
  return external;
}

AIGC_OP(optimizerStep) {
  ArgOptimizer(info, 0)->optimizer->step();
  return info.Env().Undefined();
}

// optimizerZeroGrad(optimizer, setToNone): null gradients skip a fill and let the next backward
// pass write instead of accumulate.
AIGC_OP(optimizerZeroGrad) {
  auto& optimizer = *ArgOptimizer(info, 0)->optimizer;
  if (!ArgBool(info, 1)) {
    optimizer.zero_grad();
    return info.Env().Undefined();
  }
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = at::Tensor();
  }
  return info.Env().Undefined();
}

AIGC_OP(optimizerSetLr) {
  const double lr = ArgDouble(info, 1);
  for (auto& group : ArgOptimizer(info, 0)->optimizer->param_groups()) group.options().set_lr(lr);
  return info.Env().Undefined();
}

AIGC_OP(optimizerGetLr) {
  return Napi::Number::New(info.Env(),
                           ArgOptimizer(info, 0)->optimizer->param_groups()[0].options().get_lr());
}

std::vector<at::Tensor> Params(torch::optim::Optimizer& optimizer) {
  std::vector<at::Tensor> params;
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) params.push_back(p);
  }
  return params;
}

std::string StateKey(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

void SetBuffer(Napi::Env env, Napi::Object& buffers, const char* name, const at::Tensor& t) {
  if (t.defined()) buffers.Set(name, Wrap(env, t));
}

template <typename State>
Napi::Value ExportAdamState(Napi::Env env, State& state) {
  Napi::Object entry = Napi::Object::New(env);
  entry.Set("step", Napi::Number::New(env, static_cast<double>(state.step())));
  Napi::Object buffers = Napi::Object::New(env);
  SetBuffer(env, buffers, "exp_avg", state.exp_avg());
  SetBuffer(env, buffers, "exp_avg_sq", state.exp_avg_sq());
  SetBuffer(env, buffers, "max_exp_avg_sq", state.max_exp_avg_sq());
  entry.Set("buffers", buffers);
  return entry;
}

// optimizerGetState(optimizer) -> per parameter, in order, null or { step, buffers }. The
// buffers are handles on the live state; clone them to keep a snapshot.
AIGC_OP(optimizerGetState) {
  Napi::Env env = info.Env();
  OptimizerHandle* handle = ArgOptimizer(info, 0);
  auto params = Params(*handle->optimizer);
  auto& states = handle->optimizer->state();
  Napi::Array result = Napi::Array::New(env, params.size());
  for (size_t i = 0; i < params.size(); i++) {
    auto it = states.find(StateKey(params[i]));
    if (it == states.end()) {
      result.Set(i, env.Null());
    } else if (handle->kind == "sgd") {
      auto& state = static_cast<torch::optim::SGDParamState&>(*it->second);
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("step", Napi::Number::New(env, 0));
      Napi::Object buffers = Napi::Object::New(env);
      SetBuffer(env, buffers, "momentum_buffer", state.momentum_buffer());
      entry.Set("buffers", buffers);
      result.Set(i, entry);
    } else if (handle->kind == "adam") {
      result.Set(i, ExportAdamState(env, static_cast<torch::optim::AdamParamState&>(*it->second)));
    } else {
      result.Set(i, ExportAdamState(env, static_cast<torch::optim::AdamWParamState&>(*it->second)));
    }
  }
  return result;
}

// A copy of a saved state buffer, converted to the parameter's dtype and device as PyTorch's
// load_state_dict does, so float64 state resumes a float32 model.
at::Tensor Buffer(const Napi::Object& buffers, const char* name, const at::Tensor& param) {
  Napi::Value value = buffers.Get(name);
  if (value.IsUndefined() || value.IsNull()) return at::Tensor();
  if (!IsTensor(value) || HandleOf(value)->released) {
    Fail(kTypeError, std::string("optimizer state buffer ") + name + " must be a live tensor");
  }
  const at::Tensor& saved = HandleOf(value)->tensor;
  if (saved.sizes() != param.sizes()) {
    Fail(kValueError, std::string("optimizer state buffer ") + name +
                          " does not match the shape of its parameter");
  }
  return saved.to(param.device(), param.scalar_type(), false, true);
}

template <typename State>
std::unique_ptr<State> ImportAdamState(const Napi::Object& entry, const Napi::Object& buffers,
                                       const at::Tensor& param) {
  auto state = std::make_unique<State>();
  state->step(static_cast<int64_t>(entry.Get("step").As<Napi::Number>().Int64Value()));
  state->exp_avg(Buffer(buffers, "exp_avg", param));
  state->exp_avg_sq(Buffer(buffers, "exp_avg_sq", param));
  state->max_exp_avg_sq(Buffer(buffers, "max_exp_avg_sq", param));
  return state;
}

// optimizerSetState(optimizer, states): the inverse of optimizerGetState; buffers are copied.
AIGC_OP(optimizerSetState) {
  OptimizerHandle* handle = ArgOptimizer(info, 0);
  auto params = Params(*handle->optimizer);
  Napi::Array entries = info[1].As<Napi::Array>();
  if (entries.Length() != params.size()) {
    Fail(kValueError, "the state has " + std::to_string(entries.Length()) +
                          " entries but the optimizer has " + std::to_string(params.size()) +
                          " parameters");
  }
  auto& states = handle->optimizer->state();
  for (size_t i = 0; i < params.size(); i++) {
    Napi::Value value = entries.Get(i);
    const std::string key = StateKey(params[i]);
    if (value.IsNull() || value.IsUndefined()) {
      states.erase(key);
      continue;
    }
    Napi::Object entry = value.As<Napi::Object>();
    Napi::Object buffers = entry.Get("buffers").As<Napi::Object>();
    if (handle->kind == "sgd") {
      auto state = std::make_unique<torch::optim::SGDParamState>();
      state->momentum_buffer(Buffer(buffers, "momentum_buffer", params[i]));
      states[key] = std::move(state);
    } else if (handle->kind == "adam") {
      states[key] = ImportAdamState<torch::optim::AdamParamState>(entry, buffers, params[i]);
    } else {
      states[key] = ImportAdamState<torch::optim::AdamWParamState>(entry, buffers, params[i]);
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitOptim(Napi::Env env, Napi::Object exports) {
  AIGC_EXPORT(createOptimizer);
  AIGC_EXPORT(optimizerStep);
  AIGC_EXPORT(optimizerZeroGrad);
  AIGC_EXPORT(optimizerSetLr);
  AIGC_EXPORT(optimizerGetLr);
  AIGC_EXPORT(optimizerGetState);
  AIGC_EXPORT(optimizerSetState);
}

}  // namespace aigc
