// Bindings of the linear algebra family: matrix products, einsum, tensordot,
// linear, kron, cross, and the linalg_* entry points behind ember.linalg.
#include "bind.h"

namespace ember::py {

namespace {

// Tensors from `*operands`, where one list or tuple may stand for all of them.
TensorList tensor_list(const py::args& args, size_t first) {
  TensorList ops;
  if (args.size() == first + 1 && (PyList_Check(args[first].ptr()) || PyTuple_Check(args[first].ptr()))) {
    for (auto item : args[first]) ops.push_back(item.cast<Tensor>());
    return ops;
  }
  for (size_t i = first; i < args.size(); ++i) ops.push_back(args[i].cast<Tensor>());
  return ops;
}

// einsum(op0, sublist0, op1, sublist1, ..., [out_sublist]) -> an equation string.
std::string sublist_term(py::handle sub) {
  std::string s;
  for (auto item : sub) {
    if (item.is(py::ellipsis())) {
      s += "...";
      continue;
    }
    int64_t n;
    if (!int_from_object(item.ptr(), n)) throw py::type_error("einsum(): expected an int or Ellipsis in a subscript list");
    if (n < 0 || n >= 52) throw py::value_error("einsum(): subscript in subscript list is not within the valid range [0, 52)");
    s += n < 26 ? char('A' + n) : char('a' + (n - 26));
  }
  return s;
}

Tensor einsum_py(const py::args& args) {
  if (args.size() < 2 && !(args.size() == 1 && !py::isinstance<py::str>(args[0])))
    throw py::value_error("einsum(): must specify the equation string and at least one operand, or at least one "
                          "operand and its subscripts list");
  if (py::isinstance<py::str>(args[0])) {
    std::string eq = args[0].cast<std::string>();
    TensorList ops = tensor_list(args, 1);
    py::gil_scoped_release nogil;
    return einsum(eq, ops);
  }
  std::string eq;
  TensorList ops;
  size_t i = 0;
  for (; i + 1 < args.size(); i += 2) {
    ops.push_back(args[i].cast<Tensor>());
    eq += (i ? "," : "") + sublist_term(args[i + 1]);
  }
  if (i < args.size()) eq += "->" + sublist_term(args[i]);
  py::gil_scoped_release nogil;
  return einsum(eq, ops);
}

// tensordot's dims: n (last n of a with first n of b), ([a dims], [b dims]), (a dim, b dim), or a tensor of those.
std::pair<Dims, Dims> tensordot_dims(const Tensor& a, const Tensor& b, py::handle dims) {
  int64_t n;
  if (int_from_object(dims.ptr(), n)) {
    EMBER_CHECK(n >= 0, "tensordot", "tensordot expects dims >= 0, but got dims=", n);
    EMBER_CHECK(n <= a.dim() && n <= b.dim(), "tensordot", "dims=", n, " exceeds the dimensions of the inputs (shapes ",
                shape_str(a.sizes()), " and ", shape_str(b.sizes()), ")");
    Dims da, db;
    for (int64_t i = 0; i < n; ++i) da.push_back(a.dim() - n + i), db.push_back(i);
    return {da, db};
  }
  py::object seq = py::reinterpret_borrow<py::object>(dims);
  if (is_tensor(dims.ptr())) seq = seq.attr("tolist")();
  if (!PySequence_Check(seq.ptr()) || py::len(seq) != 2)
    throw py::type_error("tensordot expects dims to be an int or a pair of lists of dimensions");
  auto side = [](py::handle h) {  // a list of dims on each side, as torch requires
    if (!PySequence_Check(h.ptr()))
      throw py::type_error("tensordot(): dims must be an int or a pair of lists of ints, got an element of type " +
                           std::string(Py_TYPE(h.ptr())->tp_name));
    return h.cast<Dims>();
  };
  return {side(seq[py::int_(0)]), side(seq[py::int_(1)])};
}

Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim) {
  EMBER_CHECK(x.dtype() == y.dtype(), "linalg.vecdot", "Expected x and y to have the same dtype, but found x of type ",
              dtype_name(x.dtype()), " and y of type ", dtype_name(y.dtype()), " instead");
  return sum(mul(x, y), {dim});
}

Tensor inner(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0) return mul(a, b);
  EMBER_CHECK(a.size(-1) == b.size(-1), "inner", "the last dimension must match on both input tensors but got shapes ",
              shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  return tensordot(a, b, {-1}, {-1});
}

}  // namespace

EMBER_BINDINGS(linalg, 30) {
  // ---- products: ember.f(input, other) and Tensor.f(other)
  def_both(m, "matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, py::arg("other"), nogil());
  def_both(m, "mm", [](const Tensor& a, const Tensor& b) { return mm(a, b); }, py::arg("mat2"), nogil());
  def_both(m, "bmm", [](const Tensor& a, const Tensor& b) { return bmm(a, b); }, py::arg("mat2"), nogil());
  def_both(m, "mv", [](const Tensor& a, const Tensor& v) { return mv(a, v); }, py::arg("vec"), nogil());
  def_both(m, "dot", [](const Tensor& a, const Tensor& b) { return dot(a, b); }, py::arg("other"), nogil());
  def_both(m, "vdot", [](const Tensor& a, const Tensor& b) { return vdot(a, b); }, py::arg("other"), nogil());
  def_both(m, "inner", [](const Tensor& a, const Tensor& b) { return inner(a, b); }, py::arg("other"), nogil());
  for (const char* name : {"outer", "ger"})
    def_both(m, name, [](const Tensor& a, const Tensor& b) { return outer(a, b); }, py::arg("vec2"), nogil());
  def_both(m, "kron", [](const Tensor& a, const Tensor& b) { return kron(a, b); }, py::arg("other"), nogil());
  def_both(m, "cross", [](const Tensor& a, const Tensor& b, std::optional<int64_t> dim) { return cross(a, b, dim); },
           py::arg("other"), py::arg("dim") = py::none(), nogil());

  // ---- beta * input + alpha * product, and their in-place methods
#define EMBER_BIND_ADD_PRODUCT(name, arg1, arg2)                                                                       \
  def_both(m, #name, [](const Tensor& s, const Tensor& x, const Tensor& y, const Scalar& beta, const Scalar& alpha) { \
    return name(s, x, y, beta, alpha);                                                                                 \
  }, py::arg(arg1), py::arg(arg2), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1, nogil());                \
  def_method(#name "_", [](Tensor& s, const Tensor& x, const Tensor& y, const Scalar& beta, const Scalar& alpha) {    \
    Tensor r = name(s, x, y, beta, alpha);                                                                             \
    return copy_(s, r);                                                                                                \
  }, py::arg(arg1), py::arg(arg2), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1, nogil());
  EMBER_BIND_ADD_PRODUCT(addmm, "mat1", "mat2")
  EMBER_BIND_ADD_PRODUCT(addmv, "mat", "vec")
  EMBER_BIND_ADD_PRODUCT(baddbmm, "batch1", "batch2")
  EMBER_BIND_ADD_PRODUCT(addbmm, "batch1", "batch2")
#undef EMBER_BIND_ADD_PRODUCT

  // ---- contractions
  m.def("einsum", &einsum_py);
  m.def("tensordot", [](const Tensor& a, const Tensor& b, py::object dims, py::object out) {
    if (!out.is_none()) throw py::type_error("tensordot(): out= is not supported");
    auto [da, db] = tensordot_dims(a, b, dims);
    py::gil_scoped_release nogil;
    return tensordot(a, b, da, db);
  }, py::arg("a"), py::arg("b"), py::arg("dims") = 2, py::arg("out") = py::none());

  // ---- nn.functional.linear's entry point
  m.def("linear", [](const Tensor& x, const Tensor& w, std::optional<Tensor> b) { return linear(x, w, b.value_or(Tensor())); },
        py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), nogil());

  // ---- behind ember.linalg (torch.linalg's defaults differ from the ember.* ones)
  m.def("linalg_cross", [](const Tensor& a, const Tensor& b, int64_t dim) { return cross(a, b, dim); }, py::arg("input"),
        py::arg("other"), py::kw_only(), py::arg("dim") = -1, nogil());
  m.def("linalg_vecdot", &vecdot, py::arg("x"), py::arg("y"), py::kw_only(), py::arg("dim") = -1, nogil());
}

}  // namespace ember::py
