// Fused optimizer steps for ember.optim: one call updates every parameter of a group.
#include "bind.h"
#include "ember/optim/fused.h"

namespace ember::py {

namespace {
// A Python list of tensors (None allowed) -> TensorList.
TensorList tensor_list(py::handle seq) {
  TensorList out;
  if (seq.is_none()) return out;
  for (auto item : py::reinterpret_borrow<py::sequence>(seq)) out.push_back(item.is_none() ? Tensor() : unwrap(item.ptr()));
  return out;
}
std::vector<double> doubles(py::handle seq) { return seq.cast<std::vector<double>>(); }
}  // namespace

EMBER_BINDINGS(optim, 30) {
  using namespace optim::fused;
  m.def("_fused_sgd", [](py::list params, py::list grads, py::list bufs, double lr, double momentum, double dampening,
                         double weight_decay, bool nesterov, bool maximize) {
        TensorList p = tensor_list(params), g = tensor_list(grads), b = tensor_list(bufs);
        {
          py::gil_scoped_release nogil;
          sgd(p, g, b, {lr, momentum, dampening, weight_decay, nesterov, maximize});
        }
        for (size_t i = 0; i < b.size(); ++i) bufs[i] = py::cast(b[i]);  // buffers created on the first step
      }, py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::kw_only(), py::arg("lr"),
      py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"));
  m.def("_fused_adam", [](py::list params, py::list grads, py::list exp_avgs, py::list exp_avg_sqs,
                          py::list max_exp_avg_sqs, py::list steps, double lr, double beta1, double beta2, double eps,
                          double weight_decay, bool amsgrad, bool maximize, bool decoupled) {
        TensorList p = tensor_list(params), g = tensor_list(grads), m1 = tensor_list(exp_avgs),
                   m2 = tensor_list(exp_avg_sqs), mx = tensor_list(max_exp_avg_sqs);
        std::vector<double> st = doubles(steps);
        py::gil_scoped_release nogil;
        adam(p, g, m1, m2, mx, st, {lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled});
      }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
      py::arg("steps"), py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
      py::arg("weight_decay"), py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"));
  m.def("_fused_rmsprop", [](py::list params, py::list grads, py::list square_avgs, py::list grad_avgs,
                             py::list momentum_buffers, double lr, double alpha, double eps, double weight_decay,
                             double momentum, bool centered, bool maximize) {
        TensorList p = tensor_list(params), g = tensor_list(grads), s = tensor_list(square_avgs),
                   a = tensor_list(grad_avgs), b = tensor_list(momentum_buffers);
        py::gil_scoped_release nogil;
        rmsprop(p, g, s, a, b, {lr, alpha, eps, weight_decay, momentum, centered, maximize});
      }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("grad_avgs"), py::arg("momentum_buffers"),
      py::kw_only(), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"),
      py::arg("centered"), py::arg("maximize"));
  m.def("_fused_adagrad", [](py::list params, py::list grads, py::list sums, py::list steps, double lr, double lr_decay,
                             double weight_decay, double eps, bool maximize) {
        TensorList p = tensor_list(params), g = tensor_list(grads), s = tensor_list(sums);
        std::vector<double> st = doubles(steps);
        py::gil_scoped_release nogil;
        adagrad(p, g, s, st, {lr, lr_decay, weight_decay, eps, maximize});
      }, py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("steps"), py::kw_only(), py::arg("lr"),
      py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"), py::arg("maximize"));
  m.def("_fused_adadelta", [](py::list params, py::list grads, py::list square_avgs, py::list acc_deltas, double lr,
                              double rho, double eps, double weight_decay, bool maximize) {
        TensorList p = tensor_list(params), g = tensor_list(grads), s = tensor_list(square_avgs), a = tensor_list(acc_deltas);
        py::gil_scoped_release nogil;
        adadelta(p, g, s, a, {lr, rho, eps, weight_decay, maximize});
      }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::kw_only(), py::arg("lr"),
      py::arg("rho"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"));
  m.def("_fused_adamax", [](py::list params, py::list grads, py::list exp_avgs, py::list exp_infs, py::list steps,
                            double lr, double beta1, double beta2, double eps, double weight_decay, bool maximize) {
        TensorList p = tensor_list(params), g = tensor_list(grads), m1 = tensor_list(exp_avgs), u = tensor_list(exp_infs);
        std::vector<double> st = doubles(steps);
        py::gil_scoped_release nogil;
        adamax(p, g, m1, u, st, {lr, beta1, beta2, eps, weight_decay, maximize});
      }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_infs"), py::arg("steps"), py::kw_only(),
      py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"));
  m.def("_fused_nadam", [](py::list params, py::list grads, py::list exp_avgs, py::list exp_avg_sqs, py::list mu_products,
                           py::list steps, double lr, double beta1, double beta2, double eps, double weight_decay,
                           double momentum_decay) {
        TensorList p = tensor_list(params), g = tensor_list(grads), m1 = tensor_list(exp_avgs), m2 = tensor_list(exp_avg_sqs);
        std::vector<double> mu = doubles(mu_products), st = doubles(steps);
        {
          py::gil_scoped_release nogil;
          nadam(p, g, m1, m2, mu, st, {lr, beta1, beta2, eps, weight_decay, momentum_decay});
        }
        for (size_t i = 0; i < mu.size(); ++i) mu_products[i] = mu[i];
      }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("mu_products"),
      py::arg("steps"), py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
      py::arg("weight_decay"), py::arg("momentum_decay"));
  m.def("_fused_radam", [](py::list params, py::list grads, py::list exp_avgs, py::list exp_avg_sqs, py::list steps,
                           double lr, double beta1, double beta2, double eps, double weight_decay) {
        TensorList p = tensor_list(params), g = tensor_list(grads), m1 = tensor_list(exp_avgs), m2 = tensor_list(exp_avg_sqs);
        std::vector<double> st = doubles(steps);
        py::gil_scoped_release nogil;
        radam(p, g, m1, m2, st, {lr, beta1, beta2, eps, weight_decay});
      }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("steps"), py::kw_only(),
      py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"));
}

}  // namespace ember::py
