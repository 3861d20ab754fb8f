// Bindings of the scatter-style ops and the *_copy forms of views (ops/scatter_api.cpp).
#include "bind.h"
#include "ember/ops/tensorapi.h"

namespace ember::py {

namespace {
Shape shape_of(const IntList& l) { return Shape(l.begin(), l.end()); }
py::tuple copies(const TensorList& views) {
  py::tuple out(views.size());
  for (size_t i = 0; i < views.size(); ++i) out[i] = py::cast(copy_of_view(views[i]));
  return out;
}
}  // namespace

EMBER_BINDINGS(tensorapi_scatter, 50) {
  def_both(m, "select_scatter", [](const Tensor& t, const Tensor& src, int64_t dim, int64_t index) {
    return select_scatter(t, src, dim, index);
  }, py::arg("src"), py::arg("dim"), py::arg("index"));
  def_both(m, "slice_scatter", [](const Tensor& t, const Tensor& src, int64_t dim, std::optional<int64_t> start,
                                  std::optional<int64_t> end, int64_t step) {
    return slice_scatter(t, src, dim, start, end, step);
  }, py::arg("src"), py::arg("dim") = 0, py::arg("start") = py::none(), py::arg("end") = py::none(), py::arg("step") = 1);
  def_both(m, "diagonal_scatter", [](const Tensor& t, const Tensor& src, int64_t offset, int64_t d1, int64_t d2) {
    return diagonal_scatter(t, src, offset, d1, d2);
  }, py::arg("src"), py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_both(m, "as_strided_scatter", [](const Tensor& t, const Tensor& src, IntList size, IntList stride,
                                       std::optional<int64_t> offset) {
    return as_strided_scatter(t, src, shape_of(size), shape_of(stride), offset);
  }, py::arg("src"), py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  def_both(m, "index_reduce", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                                 const std::string& reduce, bool include_self) {
    return index_reduce(t, dim, index, source, reduce, include_self);
  }, py::arg("dim"), py::arg("index"), py::arg("source"), py::arg("reduce"), py::kw_only(), py::arg("include_self") = true);
  def_method("index_reduce_", [](Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                                 const std::string& reduce, bool include_self) {
    return index_reduce_(t, dim, index, source, reduce, include_self);
  }, py::arg("dim"), py::arg("index"), py::arg("source"), py::arg("reduce"), py::kw_only(), py::arg("include_self") = true);
  def_both(m, "put", [](const Tensor& t, const Tensor& index, const Tensor& source, bool accumulate) {
    return put(t, index, source, accumulate);
  }, py::arg("index"), py::arg("source"), py::arg("accumulate") = false);
  def_method("put_", [](Tensor& t, const Tensor& index, const Tensor& source, bool accumulate) {
    return put_(t, index, source, accumulate);
  }, py::arg("index"), py::arg("source"), py::arg("accumulate") = false);
  // Tensor.sum_to_size(*size) or (size)
  def_method("sum_to_size", [](const Tensor& t, py::args args) {
    if (args.size() == 0) throw py::type_error("sum_to_size() missing 1 required positional arguments: \"size\"");
    IntList size = args.size() == 1 && !py::isinstance<py::int_>(args[0]) ? args[0].cast<IntList>() : args.cast<IntList>();
    return sum_to_size(t, shape_of(size));
  });
  def_both(m, "diagflat", [](const Tensor& t, int64_t offset) { return diagflat(t, offset); }, py::arg("offset") = 0);
  def_both(m, "narrow_copy", [](const Tensor& t, int64_t dim, int64_t start, int64_t length) {
    return narrow_copy(t, dim, start, length);
  }, py::arg("dim"), py::arg("start"), py::arg("length"));

  // ---- torch.<view>_copy: the view's values in new memory, differentiable like the view
  m.def("view_copy", [](const Tensor& t, Dtype d) { return copy_of_view(view_dtype(t, d)); }, py::arg("input"),
        py::arg("dtype"));
  m.def("view_copy", [](const Tensor& t, IntList size) { return copy_of_view(view(t, shape_of(size))); },
        py::arg("input"), py::arg("size"));
  m.def("permute_copy", [](const Tensor& t, IntList dims) { return copy_of_view(permute(t, Dims(dims.begin(), dims.end()))); },
        py::arg("input"), py::arg("dims"));
  m.def("transpose_copy", [](const Tensor& t, int64_t a, int64_t b) { return copy_of_view(transpose(t, a, b)); },
        py::arg("input"), py::arg("dim0"), py::arg("dim1"));
  m.def("t_copy", [](const Tensor& x) { return copy_of_view(t(x)); }, py::arg("input"));
  m.def("squeeze_copy", [](const Tensor& t) { return copy_of_view(squeeze(t)); }, py::arg("input"));
  m.def("squeeze_copy", [](const Tensor& t, int64_t dim) { return copy_of_view(squeeze(t, Dims{dim})); }, py::arg("input"),
        py::arg("dim"));
  m.def("unsqueeze_copy", [](const Tensor& t, int64_t dim) { return copy_of_view(unsqueeze(t, dim)); }, py::arg("input"),
        py::arg("dim"));
  m.def("expand_copy", [](const Tensor& t, IntList size, bool) { return copy_of_view(expand(t, shape_of(size))); },
        py::arg("input"), py::arg("size"), py::kw_only(), py::arg("implicit") = false);
  m.def("select_copy", [](const Tensor& t, int64_t dim, int64_t index) { return copy_of_view(select(t, dim, index)); },
        py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def("slice_copy", [](const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
                         int64_t step) { return copy_of_view(slice(t, dim, start, end, step)); },
        py::arg("input"), py::arg("dim") = 0, py::arg("start") = py::none(), py::arg("end") = py::none(), py::arg("step") = 1);
  m.def("diagonal_copy", [](const Tensor& t, int64_t offset, int64_t d1, int64_t d2) {
    return copy_of_view(diagonal(t, offset, d1, d2));
  }, py::arg("input"), py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  m.def("as_strided_copy", [](const Tensor& t, IntList size, IntList stride, std::optional<int64_t> offset) {
    return copy_of_view(as_strided(t, shape_of(size), shape_of(stride), offset));
  }, py::arg("input"), py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  m.def("unfold_copy", [](const Tensor& t, int64_t dim, int64_t size, int64_t step) {
    return copy_of_view(unfold(t, dim, size, step));
  }, py::arg("input"), py::arg("dimension"), py::arg("size"), py::arg("step"));
  m.def("unbind_copy", [](const Tensor& t, int64_t dim) { return copies(unbind(t, dim)); }, py::arg("input"),
        py::arg("dim") = 0);
  m.def("split_copy", [](const Tensor& t, int64_t size, int64_t dim) { return copies(split(t, size, dim)); },
        py::arg("input"), py::arg("split_size"), py::arg("dim") = 0);
  m.def("split_with_sizes_copy", [](const Tensor& t, IntList sizes, int64_t dim) {
    return copies(split_with_sizes(t, shape_of(sizes), dim));
  }, py::arg("input"), py::arg("split_sizes"), py::arg("dim") = 0);
  m.def("detach_copy", [](const Tensor& t) { return copy_of_view(detach(t)); }, py::arg("input"));
  m.def("alias_copy", [](const Tensor& t) { return copy_of_view(t); }, py::arg("input"));
}

}  // namespace ember::py
