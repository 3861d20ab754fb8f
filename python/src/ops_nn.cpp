// Bindings of the neural-network layer ops used by ember.nn.functional.
#include "bind.h"

namespace ember::py {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
Generator* gen_of(py::object g) { return g.is_none() ? nullptr : g.cast<Generator*>(); }
}  // namespace

EMBER_BINDINGS(nn_ops, 21) {
  m.def("batch_norm", [](const Tensor& x, std::optional<Tensor> w, std::optional<Tensor> b, std::optional<Tensor> rm,
                         std::optional<Tensor> rv, bool training, double momentum, double eps) {
        return batch_norm(x, opt(w), opt(b), opt(rm), opt(rv), training, momentum, eps);
      }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"), py::arg("running_var"),
      py::arg("training"), py::arg("momentum"), py::arg("eps"));
  m.def("instance_norm", [](const Tensor& x, std::optional<Tensor> w, std::optional<Tensor> b, std::optional<Tensor> rm,
                            std::optional<Tensor> rv, bool use_input_stats, double momentum, double eps) {
        return instance_norm(x, opt(w), opt(b), opt(rm), opt(rv), use_input_stats, momentum, eps);
      }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"), py::arg("running_var"),
      py::arg("use_input_stats"), py::arg("momentum"), py::arg("eps"));
  m.def("layer_norm", [](const Tensor& x, IntList shape, std::optional<Tensor> w, std::optional<Tensor> b, double eps) {
        return layer_norm(x, Shape(shape.begin(), shape.end()), opt(w), opt(b), eps);
      }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
      py::arg("eps") = 1e-5);
  m.def("group_norm", [](const Tensor& x, int64_t g, std::optional<Tensor> w, std::optional<Tensor> b, double eps) {
        return group_norm(x, g, opt(w), opt(b), eps);
      }, py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
      py::arg("eps") = 1e-5);

  m.def("nll_loss", [](const Tensor& x, const Tensor& t, std::optional<Tensor> w, const std::string& red, int64_t ii) {
        return nll_loss(x, t, opt(w), red, ii);
      }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
      py::arg("ignore_index") = -100);
  m.def("cross_entropy", [](const Tensor& x, const Tensor& t, std::optional<Tensor> w, const std::string& red, int64_t ii,
                            double ls) { return cross_entropy(x, t, opt(w), red, ii, ls); },
        py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
        py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0);
  m.def("mse_loss", [](const Tensor& x, const Tensor& t, const std::string& red) { return mse_loss(x, t, red); },
        py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  m.def("binary_cross_entropy", [](const Tensor& x, const Tensor& t, std::optional<Tensor> w, const std::string& red) {
        return binary_cross_entropy(x, t, opt(w), red);
      }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  m.def("binary_cross_entropy_with_logits", [](const Tensor& x, const Tensor& t, std::optional<Tensor> w,
                                               std::optional<Tensor> pw, const std::string& red) {
        return binary_cross_entropy_with_logits(x, t, opt(w), opt(pw), red);
      }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("pos_weight") = py::none(),
      py::arg("reduction") = "mean");
  m.def("ctc_loss", [](const Tensor& lp, const Tensor& targets, py::object il, py::object tl, int64_t blank,
                       const std::string& red, bool zero_inf) {
        auto lengths = [](py::object o) {
          if (is_tensor(o.ptr())) {
            Tensor t = contiguous(to_dtype(unwrap(o.ptr()).detach(), Dtype::Int64));
            Shape s(size_t(t.numel()));
            for (int64_t i = 0; i < t.numel(); ++i) s[i] = t.data_ptr<int64_t>()[i];
            return s;
          }
          if (PyLong_Check(o.ptr())) return Shape{o.cast<int64_t>()};
          return o.cast<Shape>();
        };
        return ctc_loss(lp, targets, lengths(il), lengths(tl), blank, red, zero_inf);
      }, py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"), py::arg("target_lengths"),
      py::arg("blank") = 0, py::arg("reduction") = "mean", py::arg("zero_infinity") = false);

  m.def("dropout", [](const Tensor& x, double p, bool train, py::object g) { return dropout(x, p, train, gen_of(g)); },
        py::arg("input"), py::arg("p"), py::arg("train"), py::arg("generator") = py::none());
  m.def("feature_dropout", [](const Tensor& x, double p, bool train) { return feature_dropout(x, p, train); },
        py::arg("input"), py::arg("p"), py::arg("train"));
  m.def("alpha_dropout", [](const Tensor& x, double p, bool train) { return alpha_dropout(x, p, train); },
        py::arg("input"), py::arg("p"), py::arg("train"));
  m.def("feature_alpha_dropout", [](const Tensor& x, double p, bool train) { return feature_alpha_dropout(x, p, train); },
        py::arg("input"), py::arg("p"), py::arg("train"));

  m.def("embedding", [](const Tensor& w, const Tensor& idx, int64_t padding_idx, bool scale, bool sparse) {
        if (sparse) throw py::value_error("embedding: sparse gradients are not supported yet");
        return embedding(w, idx, padding_idx, scale);
      }, py::arg("weight"), py::arg("indices"), py::arg("padding_idx") = -1, py::arg("scale_grad_by_freq") = false,
      py::arg("sparse") = false);
  m.def("embedding_bag", [](const Tensor& w, const Tensor& idx, const Tensor& off, const std::string& mode,
                            std::optional<Tensor> psw, bool include_last, int64_t padding_idx) {
        return embedding_bag(w, idx, off, mode, opt(psw), include_last, padding_idx);
      }, py::arg("weight"), py::arg("indices"), py::arg("offsets"), py::arg("mode") = "mean",
      py::arg("per_sample_weights") = py::none(), py::arg("include_last_offset") = false, py::arg("padding_idx") = -1);
  m.def("embedding_renorm_", [](Tensor& w, const Tensor& idx, double max_norm, double norm_type) {
        return embedding_renorm_(w, idx, max_norm, norm_type);
      }, py::arg("weight"), py::arg("indices"), py::arg("max_norm"), py::arg("norm_type"));
  m.def("_householder_qr", [](const Tensor& a) {
    auto [q, r] = householder_qr(a);
    return py::make_tuple(py::cast(q), py::cast(r));
  });
}

}  // namespace ember::py
