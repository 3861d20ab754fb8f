// The registry table and the checked argument accessors.
#include "ember/jit/op_registry.h"

#include <algorithm>
#include <map>

namespace ember::jit {

const IValue& Args::operator[](size_t i) const {
  if (i >= v_.size()) bad("expected at least " + std::to_string(i + 1) + " arguments, got " + std::to_string(v_.size()));
  return v_[i];
}

void Args::bad(const std::string& why) const { EMBER_FAIL(op_.c_str(), why); }

void Args::expect(size_t lo, size_t hi) const {
  if (v_.size() < lo || v_.size() > hi)
    bad("expected " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
        " arguments, got " + std::to_string(v_.size()));
}

Tensor Args::tensor(size_t i) const {
  const IValue& v = (*this)[i];
  if (v.is_tensor()) {
    if (!v.to_tensor().defined()) bad("argument " + std::to_string(i) + " must be a tensor, got None");
    return v.to_tensor();
  }
  if (v.is_number()) return wrap_scalar(v.to_scalar());
  bad("argument " + std::to_string(i) + " must be a tensor, got " + IValue::tag_name(v.tag()));
}

Tensor Args::opt_tensor(size_t i) const {
  if (!has(i)) return Tensor();
  return tensor(i);
}

std::optional<Tensor> Args::maybe_tensor(size_t i) const {
  if (!has(i)) return std::nullopt;
  return tensor(i);
}

TensorList Args::tensors(size_t i) const { return (*this)[i].to_tensor_list(); }

Shape Args::shape(size_t k) const { return (*this)[k].to_int_list(); }

Dims Args::dims(size_t k) const {
  if (!has(k)) return {};
  return (*this)[k].to_int_list();
}

Scalar Args::scalar(size_t k) const {
  const IValue& v = (*this)[k];
  if (v.is_tensor()) {
    const Tensor& t = v.to_tensor();
    if (!t.defined() || t.numel() != 1) bad("argument " + std::to_string(k) + " must be a number");
    return t.item();
  }
  return v.to_scalar();
}

// ---------------------------------------------------------------- registry

struct Registry::Impl {
  std::map<std::string, OpSchema> ops;
  std::map<std::string, std::string> aliases;
};

Registry::Registry() : impl_(std::make_shared<Impl>()) {}

void Registry::add(const std::string& name, OpFn fn, unsigned flags) {
  impl_->ops[name] = OpSchema{name, fn, flags};
}

void Registry::alias(const std::string& alias, const std::string& target) { impl_->aliases[alias] = target; }

const OpSchema* Registry::find(const std::string& name) const {
  auto it = impl_->ops.find(name);
  if (it != impl_->ops.end()) return &it->second;
  auto a = impl_->aliases.find(name);
  if (a == impl_->aliases.end()) return nullptr;
  it = impl_->ops.find(a->second);
  return it == impl_->ops.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (auto& [name, s] : impl_->ops) out.push_back(name);
  return out;
}

namespace {
const Registry& registry() {
  static const Registry* r = [] {
    auto* reg = new Registry();
    register_elementwise_ops(*reg);
    register_shape_ops(*reg);
    register_nn_ops(*reg);
    register_misc_ops(*reg);
    register_rnn_ops(*reg);
    register_linalg_ops(*reg);
    register_tensorapi_ops(*reg);
    return reg;
  }();
  return *r;
}
}  // namespace

const OpSchema* find_op(const std::string& name) { return registry().find(name); }
std::vector<std::string> registered_ops() { return registry().names(); }

TensorList call_op(const OpSchema& op, const IValueList& args) {
  EMBER_CHECK(op.fn, op.name.c_str(), "this op reads tensor values into Python and cannot run in a graph");
  return op.fn(Args(op.name, args));
}

Tensor inplace_target(const Args& a) {
  EMBER_CHECK(a.is_tensor(0), a.op().c_str(), "an in-place op needs a tensor to write into");
  return a.tensor(0);
}

}  // namespace ember::jit
