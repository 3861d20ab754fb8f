// Bindings of the convolution, pooling and resampling families, with
// torch.nn.functional's signatures (ember.conv2d(...) like torch.conv2d).
#include "bind.h"

namespace ember::py {

namespace {

using OptInts = std::optional<IntList>;
using OptTensor = std::optional<Tensor>;

Shape shape(const IntList& l) { return Shape(l.begin(), l.end()); }
Shape shape(const OptInts& l) { return l ? shape(*l) : Shape(); }
Tensor tensor_or_undefined(const OptTensor& t) { return t ? *t : Tensor(); }

// adaptive pools accept None entries meaning "keep the input's size there"
Shape adaptive_size(const pyb::object& o, const Tensor& input, int nd) {
  if (o.is_none()) throw pyb::type_error("output_size must be an int or a tuple of ints, not None");
  int64_t v;
  if (int_from_object(o.ptr(), v)) return Shape(size_t(nd), v);
  Shape out;
  pyb::sequence seq = o.cast<pyb::sequence>();
  for (size_t i = 0; i < seq.size(); ++i) {
    pyb::object item = seq[i];
    if (item.is_none()) {
      int64_t dim = input.dim() - int64_t(seq.size()) + int64_t(i);
      if (dim < 0 || dim >= input.dim()) throw pyb::value_error("output_size has more entries than the input has dims");
      out.push_back(input.size(dim));
    } else if (int_from_object(item.ptr(), v)) {
      out.push_back(v);
    } else {
      throw pyb::type_error("output_size must contain ints or None");
    }
  }
  return out;
}

std::optional<Shape> opt_size(const pyb::object& o) {
  if (o.is_none()) return std::nullopt;
  return shape(o.cast<IntList>());
}

std::optional<std::vector<double>> opt_scales(const pyb::object& o) {
  if (o.is_none()) return std::nullopt;
  if (PySequence_Check(o.ptr()) && !is_tensor(o.ptr())) {
    std::vector<double> v;
    for (auto item : o.cast<pyb::sequence>()) v.push_back(item.cast<double>());
    return v;
  }
  return std::vector<double>{o.cast<double>()};
}

pyb::object maybe_with_indices(std::pair<Tensor, Tensor> r, bool return_indices) {
  if (return_indices) return pyb::make_tuple(r.first, r.second);
  return pyb::cast(r.first);
}

}  // namespace

EMBER_BINDINGS(conv, 30) {
  // ---- convolution
#define EMBER_BIND_CONV(name)                                                                                       \
  m.def(#name, [](const Tensor& x, const Tensor& w, OptTensor b, IntList stride, IntList padding, IntList dilation, \
                  int64_t groups) {                                                                                 \
    return name(x, w, tensor_or_undefined(b), shape(stride), shape(padding), shape(dilation), groups);              \
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,                      \
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1, nogil());                          \
  m.def(#name, [](const Tensor& x, const Tensor& w, OptTensor b, IntList stride, const std::string& padding,        \
                  IntList dilation, int64_t groups) {                                                               \
    return name(x, w, tensor_or_undefined(b), shape(stride), PaddingMode(padding), shape(dilation), groups);                     \
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,                      \
        py::arg("padding") = "valid", py::arg("dilation") = 1, py::arg("groups") = 1, nogil());
  EMBER_BIND_CONV(conv1d)
  EMBER_BIND_CONV(conv2d)
  EMBER_BIND_CONV(conv3d)
#undef EMBER_BIND_CONV
#define EMBER_BIND_CONV_T(name)                                                                                       \
  m.def(#name, [](const Tensor& x, const Tensor& w, OptTensor b, IntList stride, IntList padding, IntList out_pad,    \
                  int64_t groups, IntList dilation) {                                                                 \
    return name(x, w, tensor_or_undefined(b), shape(stride), shape(padding), shape(out_pad), groups, shape(dilation)); \
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,                        \
        py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("dilation") = 1, nogil());
  EMBER_BIND_CONV_T(conv_transpose1d)
  EMBER_BIND_CONV_T(conv_transpose2d)
  EMBER_BIND_CONV_T(conv_transpose3d)
#undef EMBER_BIND_CONV_T
  m.def("convolution", [](const Tensor& x, const Tensor& w, OptTensor b, IntList stride, IntList padding,
                          IntList dilation, bool transposed, IntList output_padding, int64_t groups) {
    return convolution(x, w, tensor_or_undefined(b), shape(stride), shape(padding), shape(dilation), transposed,
                       shape(output_padding), groups);
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
        py::arg("transposed"), py::arg("output_padding"), py::arg("groups"), nogil());

  // ---- unfold / fold (torch._C._nn.im2col / col2im)
  m.def("im2col", [](const Tensor& x, IntList k, IntList dilation, IntList padding, IntList stride) {
    return im2col(x, shape(k), shape(dilation), shape(padding), shape(stride));
  }, py::arg("input"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0, py::arg("stride") = 1,
        nogil());
  m.def("col2im", [](const Tensor& x, IntList output_size, IntList k, IntList dilation, IntList padding, IntList stride) {
    return col2im(x, shape(output_size), shape(k), shape(dilation), shape(padding), shape(stride));
  }, py::arg("input"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0,
        py::arg("stride") = 1, nogil());

  // ---- max pooling: F.max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)
#define EMBER_BIND_MAXPOOL(nd)                                                                                      \
  m.def("max_pool" #nd "d", [](const Tensor& x, IntList k, OptInts stride, IntList padding, IntList dilation,      \
                               bool ceil_mode, bool return_indices) {                                               \
    std::pair<Tensor, Tensor> r;                                                                                    \
    {                                                                                                               \
      pyb::gil_scoped_release release;                                                                              \
      r = max_pool##nd##d_with_indices(x, shape(k), shape(stride), shape(padding), shape(dilation), ceil_mode);     \
    }                                                                                                               \
    return maybe_with_indices(r, return_indices);                                                                   \
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,              \
        py::arg("dilation") = 1, py::arg("ceil_mode") = false, py::arg("return_indices") = false);                  \
  m.def("max_pool" #nd "d_with_indices", [](const Tensor& x, IntList k, OptInts stride, IntList padding,            \
                                            IntList dilation, bool ceil_mode) {                                     \
    auto r = max_pool##nd##d_with_indices(x, shape(k), shape(stride), shape(padding), shape(dilation), ceil_mode);  \
    return std::make_tuple(r.first, r.second);                                                                      \
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,              \
        py::arg("dilation") = 1, py::arg("ceil_mode") = false, nogil());
  EMBER_BIND_MAXPOOL(1)
  EMBER_BIND_MAXPOOL(2)
  EMBER_BIND_MAXPOOL(3)
#undef EMBER_BIND_MAXPOOL

  // ---- average pooling
  m.def("avg_pool1d", [](const Tensor& x, IntList k, OptInts stride, IntList padding, bool ceil_mode, bool cip) {
    return avg_pool1d(x, shape(k), shape(stride), shape(padding), ceil_mode, cip);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
        py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, nogil());
  m.def("avg_pool2d", [](const Tensor& x, IntList k, OptInts stride, IntList padding, bool ceil_mode, bool cip,
                         std::optional<int64_t> div) {
    return avg_pool2d(x, shape(k), shape(stride), shape(padding), ceil_mode, cip, div);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
        py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none(),
        nogil());
  m.def("avg_pool3d", [](const Tensor& x, IntList k, OptInts stride, IntList padding, bool ceil_mode, bool cip,
                         std::optional<int64_t> div) {
    return avg_pool3d(x, shape(k), shape(stride), shape(padding), ceil_mode, cip, div);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
        py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none(),
        nogil());

  // ---- adaptive pooling (output_size entries may be None)
#define EMBER_BIND_ADAPTIVE(nd)                                                                                    \
  m.def("adaptive_avg_pool" #nd "d", [](const Tensor& x, const pyb::object& size) {                               \
    Shape s = adaptive_size(size, x, nd);                                                                          \
    pyb::gil_scoped_release release;                                                                               \
    return adaptive_avg_pool##nd##d(x, s);                                                                         \
  }, py::arg("input"), py::arg("output_size"));                                                                    \
  m.def("adaptive_max_pool" #nd "d", [](const Tensor& x, const pyb::object& size, bool return_indices) {           \
    Shape s = adaptive_size(size, x, nd);                                                                          \
    std::pair<Tensor, Tensor> r;                                                                                   \
    {                                                                                                              \
      pyb::gil_scoped_release release;                                                                             \
      r = adaptive_max_pool##nd##d(x, s);                                                                          \
    }                                                                                                              \
    return maybe_with_indices(r, return_indices);                                                                  \
  }, py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
  EMBER_BIND_ADAPTIVE(1)
  EMBER_BIND_ADAPTIVE(2)
  EMBER_BIND_ADAPTIVE(3)
#undef EMBER_BIND_ADAPTIVE

  // ---- max_unpool / lp_pool
#define EMBER_BIND_UNPOOL(nd)                                                                                     \
  m.def("max_unpool" #nd "d", [](const Tensor& x, const Tensor& idx, IntList k, OptInts stride, IntList padding,  \
                                 OptInts output_size) {                                                           \
    return max_unpool##nd##d(x, idx, shape(k), shape(stride), shape(padding), shape(output_size));               \
  }, py::arg("input"), py::arg("indices"), py::arg("kernel_size"), py::arg("stride") = py::none(),                \
        py::arg("padding") = 0, py::arg("output_size") = py::none(), nogil());
  EMBER_BIND_UNPOOL(1)
  EMBER_BIND_UNPOOL(2)
  EMBER_BIND_UNPOOL(3)
#undef EMBER_BIND_UNPOOL
  m.def("lp_pool1d", [](const Tensor& x, double p, IntList k, OptInts stride, bool ceil_mode) {
    return lp_pool1d(x, p, shape(k), shape(stride), ceil_mode);
  }, py::arg("input"), py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(),
        py::arg("ceil_mode") = false, nogil());
  m.def("lp_pool2d", [](const Tensor& x, double p, IntList k, OptInts stride, bool ceil_mode) {
    return lp_pool2d(x, p, shape(k), shape(stride), ceil_mode);
  }, py::arg("input"), py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(),
        py::arg("ceil_mode") = false, nogil());

  // ---- resampling
  m.def("interpolate", [](const Tensor& x, const pyb::object& size, const pyb::object& scale_factor,
                          const std::string& mode, std::optional<bool> align_corners,
                          std::optional<bool> recompute_scale_factor, bool antialias) {
    auto s = opt_size(size);
    auto f = opt_scales(scale_factor);
    pyb::gil_scoped_release release;
    return interpolate(x, s, f, mode, align_corners, recompute_scale_factor, antialias);
  }, py::arg("input"), py::arg("size") = py::none(), py::arg("scale_factor") = py::none(),
        py::arg("mode") = "nearest", py::arg("align_corners") = py::none(),
        py::arg("recompute_scale_factor") = py::none(), py::arg("antialias") = false);
  m.def("pixel_shuffle", [](const Tensor& x, int64_t r) { return pixel_shuffle(x, r); }, py::arg("input"),
        py::arg("upscale_factor"), nogil());
  m.def("pixel_unshuffle", [](const Tensor& x, int64_t r) { return pixel_unshuffle(x, r); }, py::arg("input"),
        py::arg("downscale_factor"), nogil());
}

}  // namespace ember::py
