// Bindings of more of torch's surface (ops/misc_api.cpp and friends): fill, fill_diagonal_,
// angle and the real-tensor identities (real, conj, conj_physical), nanquantile, gradient,
// as_strided_, new_empty_strided, unsafe_chunk/unsafe_split, torch.index_put_.
#include "bind.h"
#include "ember/ops/tensorapi.h"

namespace ember::py {

namespace {

Shape shape_of(const IntList& l) { return Shape(l.begin(), l.end()); }

py::tuple as_tuple(const TensorList& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = py::cast(ts[i]);
  return out;
}

// gradient's dim: None, an int or a sequence of ints
Dims dims_of(const py::object& dim) {
  if (dim.is_none()) return {};
  if (py::isinstance<py::int_>(dim)) return {dim.cast<int64_t>()};
  IntList l = dim.cast<IntList>();
  EMBER_CHECK(!l.empty(), "", "torch.gradient expected dim to be a non-empty list");
  return Dims(l.begin(), l.end());
}

}  // namespace

EMBER_BINDINGS(tensorapi_misc, 50) {
  m.def("fill", [](const Tensor& t, TensorLike value) { return fill(t, value); }, py::arg("input"), py::arg("value"));
  def_method("fill_diagonal_", [](Tensor& t, const Scalar& value, bool wrap) { return fill_diagonal_(t, value, wrap); },
             py::arg("fill_value"), py::arg("wrap") = false);

  // ---- complex-number views of real tensors: the tensor itself (torch returns self too)
  def_both(m, "angle", [](const Tensor& t) { return angle(t); });
  def_both(m, "real", [](const Tensor& t) { return t; });
  def_both(m, "imag", [](const Tensor& t) -> Tensor {
    EMBER_FAIL("", "imag is not implemented for tensors with non-complex dtypes.");
  });
  def_both(m, "conj", [](const Tensor& t) { return t; });
  def_both(m, "conj_physical", [](const Tensor& t) { return t; });
  def_both(m, "conj_physical_", [](Tensor& t) -> Tensor& { return t; });

  def_both(m, "nanquantile", [](const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                                const std::string& interpolation) {
    return nanquantile(t, q, dim, keepdim, interpolation);
  }, py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("interpolation") = "linear");
  def_both(m, "nanquantile", [](const Tensor& t, double q, std::optional<int64_t> dim, bool keepdim,
                                const std::string& interpolation) {
    EMBER_CHECK(q >= 0 && q <= 1, "", "quantile() q must be in the range [0, 1] but got ", q);
    return nanquantile(t, scalar_tensor(q, t.dtype()), dim, keepdim, interpolation);
  }, py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("interpolation") = "linear");

  // gradient(input, *, spacing=1, dim=None, edge_order=1): spacing is a number, numbers or coordinate tensors
  m.def("gradient", [](const Tensor& t, py::object spacing, py::object dim, int64_t edge_order) {
    Dims dims = dims_of(dim);
    if (spacing.is_none()) return as_tuple(gradient(t, std::vector<Scalar>{}, dims, edge_order));
    if (py::isinstance<py::list>(spacing) || py::isinstance<py::tuple>(spacing)) {
      py::sequence seq = spacing;
      bool tensors = seq.size() > 0 && is_tensor(py::object(seq[0]).ptr());
      if (tensors) return as_tuple(gradient(t, spacing.cast<TensorList>(), dims, edge_order));
      return as_tuple(gradient(t, spacing.cast<std::vector<Scalar>>(), dims, edge_order));
    }
    return as_tuple(gradient(t, spacing.cast<Scalar>(), dims, edge_order));
  }, py::arg("input"), py::kw_only(), py::arg("spacing") = py::none(), py::arg("dim") = py::none(),
     py::arg("edge_order") = 1);

  def_both(m, "as_strided_", [](Tensor& t, IntList size, IntList stride, std::optional<int64_t> offset) -> Tensor {
    return as_strided_(t, shape_of(size), shape_of(stride), offset);
  }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  def_method("new_empty_strided", [](const Tensor& t, IntList size, IntList stride, std::optional<Dtype> dtype,
                                     std::optional<Device> device, bool requires_grad, py::object, py::object) {
    if (device) check_device_available(*device, "new_empty_strided");
    Tensor out = empty_strided(shape_of(size), shape_of(stride), dtype.value_or(t.dtype()));
    if (requires_grad) out.requires_grad_(true);
    return out;
  }, py::arg("size"), py::arg("stride"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false, py::arg("layout") = py::none(), py::arg("pin_memory") = py::none());

  // unsafe_*: the same splits (ember's views have no separate "unsafe" form)
  def_both(m, "unsafe_chunk", [](const Tensor& t, int64_t chunks, int64_t dim) { return as_tuple(chunk(t, chunks, dim)); },
           py::arg("chunks"), py::arg("dim") = 0);
  def_both(m, "unsafe_split", [](const Tensor& t, int64_t size, int64_t dim) { return as_tuple(split(t, size, dim)); },
           py::arg("split_size"), py::arg("dim") = 0);
  def_both(m, "unsafe_split_with_sizes", [](const Tensor& t, IntList sizes, int64_t dim) {
    return as_tuple(split_with_sizes(t, shape_of(sizes), dim));
  }, py::arg("split_sizes"), py::arg("dim") = 0);
  m.def("index_put_", [](Tensor& t, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                         bool accumulate) { return index_put_(t, indices, values, accumulate); },
        py::arg("input"), py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
}

}  // namespace ember::py
