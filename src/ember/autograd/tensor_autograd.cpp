// Tensor's autograd methods.
#include "ember/autograd/engine.h"
#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"
#include "ember/ops/ops.h"

namespace ember {

using autograd::meta;
using autograd::meta_if;

bool Tensor::requires_grad() const { return autograd::requires_grad(*this); }

Tensor& Tensor::requires_grad_(bool r) {
  auto* m = meta_if(*this);
  if (m && autograd::grad_fn_of(*this)) {
    EMBER_CHECK(r, "requires_grad_",
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in "
                "a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    return *this;
  }
  if (r) {
    EMBER_CHECK(is_floating(dtype()), "requires_grad_", "only Tensors of floating point dtype can require gradients (got ",
                dtype_name(dtype()), ")");
    meta(*this).requires_grad = true;
  } else if (m) {
    m->requires_grad = false;
  }
  return *this;
}

bool Tensor::is_leaf() const { return !autograd::grad_fn_of(*this); }

Tensor Tensor::grad() const {
  auto* m = meta_if(*this);
  if (!m) return Tensor();
  if (m->grad.defined()) return m->grad;
  if (m->retained_grad) return *m->retained_grad;
  return Tensor();
}

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined()) {
    EMBER_CHECK(g.sizes() == sizes(), "grad", "assigned grad has data of a different size: ", shape_str(g.sizes()),
                " vs ", shape_str(sizes()));
    EMBER_CHECK(g.dtype() == dtype(), "grad", "assigned grad has data of a different type: ", dtype_name(g.dtype()),
                " vs ", dtype_name(dtype()));
  }
  auto& m = meta(*this);
  if (m.retained_grad && autograd::grad_fn_of(*this)) *m.retained_grad = g;
  else m.grad = g;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const { return autograd::grad_fn_of(*this); }

uint32_t Tensor::output_nr() const {
  auto* m = meta_if(*this);
  return m ? m->output_nr : 0;
}

void Tensor::retain_grad() const { autograd::retain_grad(*this); }
bool Tensor::retains_grad() const {
  auto* m = meta_if(*this);
  return m && m->retains_grad;
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const std::vector<Tensor>& inputs) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph, inputs);
}

Tensor& Tensor::detach_() {
  auto* m = meta_if(*this);
  if (m) {
    EMBER_CHECK(!m->is_view(), "detach_", "Can't detach views in-place. Use detach() instead.");
    m->grad_fn.reset();
    m->requires_grad = false;
    m->output_nr = 0;
    m->retains_grad = false;
  }
  return *this;
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  autograd::register_tensor_hook(*this, std::move(hook));
}

}  // namespace ember
