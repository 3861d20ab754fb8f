#include "ember/nn/module.h"

#include <sstream>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/ops.h"

namespace ember::nn {

namespace {
// Replace t's contents with src's while keeping t's identity (so every handle sees the change).
void set_data(const Tensor& t, const Tensor& src) {
  TensorImpl* a = t.impl();
  TensorImpl* b = src.impl();
  a->storage = b->storage;
  a->sizes = b->sizes;
  a->strides = b->strides;
  a->offset = b->offset;
  a->dtype = b->dtype;
  a->refresh();
}

std::string indent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}
}  // namespace

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  EMBER_CHECK(name.find('.') == std::string::npos && !name.empty(), "register_parameter", "invalid parameter name '",
              name, "'");
  for (auto& [n, p] : params_) EMBER_CHECK(n != name, "register_parameter", "parameter '", name, "' already exists");
  if (t.defined() && requires_grad) t.requires_grad_(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  EMBER_CHECK(name.find('.') == std::string::npos && !name.empty(), "register_buffer", "invalid buffer name '", name, "'");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  EMBER_CHECK(name.find('.') == std::string::npos && !name.empty(), "register_module", "invalid module name '", name, "'");
  for (auto& [n, c] : children_) EMBER_CHECK(n != name, "register_module", "submodule '", name, "' already exists");
  children_.emplace_back(name, std::move(m));
}

void Module::collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out) const {
  for (auto& [n, t] : params ? params_ : buffers_)
    if (t.defined()) out.emplace_back(prefix + n, t);
  if (!recurse) return;
  for (auto& [n, c] : children_)
    if (c) c->collect(prefix + n + ".", params, true, out);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect("", true, recurse, out);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect("", false, recurse, out);
  return out;
}

TensorList Module::parameters(bool recurse) const {
  TensorList out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [n, c] : children_) out.push_back(c);
  return out;
}

NamedTensors Module::state_dict() const {
  // torch's order: a module's parameters, then its buffers, then each child in turn
  NamedTensors out;
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (auto& [n, t] : m.params_)
      if (t.defined()) out.emplace_back(prefix + n, t.detach());
    for (auto& [n, t] : m.buffers_)
      if (t.defined()) out.emplace_back(prefix + n, t.detach());
    for (auto& [n, c] : m.children_)
      if (c) walk(*c, prefix + n + ".");
  };
  walk(*this, "");
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors mine = state_dict();
  std::vector<std::string> missing, unexpected, errors;
  autograd::NoGradGuard ng;
  for (auto& [name, dst] : mine) {
    const Tensor* src = nullptr;
    for (auto& [n, t] : state)
      if (n == name) src = &t;
    if (!src) {
      missing.push_back(name);
      continue;
    }
    if (src->sizes() != dst.sizes()) {
      errors.push_back("size mismatch for " + name + ": copying a param with shape " + shape_str(src->sizes()) +
                       " from checkpoint, the shape in current model is " + shape_str(dst.sizes()) + ".");
      continue;
    }
    Tensor d = dst;
    copy_(d, *src);
  }
  for (auto& [n, t] : state) {
    bool known = false;
    for (auto& [m, d] : mine) known = known || m == n;
    if (!known) unexpected.push_back(n);
  }
  std::ostringstream os;
  if (strict && !missing.empty()) {
    os << "\n\tMissing key(s) in state_dict:";
    for (auto& k : missing) os << " \"" << k << "\"";
  }
  if (strict && !unexpected.empty()) {
    os << "\n\tUnexpected key(s) in state_dict:";
    for (auto& k : unexpected) os << " \"" << k << "\"";
  }
  for (auto& e : errors) os << "\n\t" << e;
  EMBER_CHECK(os.str().empty(), "load_state_dict", "Error(s) in loading state_dict for ", name(), ":", os.str());
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_)
    if (c) c->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) p.set_grad(Tensor());
    else zero_(g);
  }
}

void Module::to(Dtype dtype) {
  EMBER_CHECK(is_floating(dtype), "to", "nn.Module.to only accepts floating point dtypes, but got ", dtype_name(dtype));
  autograd::NoGradGuard ng;
  for (auto* list : {&params_, &buffers_})
    for (auto& [n, t] : *list)
      if (t.defined() && t.is_floating_point() && t.dtype() != dtype) set_data(t, to_dtype(t, dtype));
  for (auto& [n, c] : children_)
    if (c) c->to(dtype);
}

std::string Module::repr() const {
  std::string s = name() + "(";
  std::string extra = extra_repr();
  if (children_.empty()) return s + extra + ")";
  s += "\n";
  if (!extra.empty()) s += "  " + extra + "\n";
  for (auto& [n, c] : children_) s += "  (" + n + "): " + indent(c ? c->repr() : "None") + "\n";
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

}  // namespace ember::nn
