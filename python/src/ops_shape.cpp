// Bindings of the shape-and-views family with torch's signatures: varargs
// shapes (x.view(2, 3) and x.view((2, 3))), tuples of tensors where torch
// returns tuples, and `_C._pad` for nn.functional.pad.
#include "bind.h"

namespace ember::py {

namespace {

Shape to_shape(const IntList& l) { return Shape(l.begin(), l.end()); }

py::tuple to_tuple(const TensorList& ts) {
  py::tuple t(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) t[i] = py::reinterpret_steal<py::object>(wrap(ts[i]));
  return t;
}

// A shape given as varargs, one sequence, or the keyword `kw_name`.
Shape varargs_shape(const py::args& args, const py::kwargs& kwargs, const char* kw_name, const char* op) {
  if (args.size() == 0 && kwargs.contains(kw_name)) {
    py::tuple one = py::make_tuple(kwargs[kw_name]);
    return shape_from_args(py::reinterpret_borrow<py::args>(one), op);
  }
  for (auto item : kwargs) {
    std::string key = py::str(item.first);
    if (key != kw_name) throw py::type_error(std::string(op) + "() got an unexpected keyword argument '" + key + "'");
  }
  if (args.size() == 0)
    throw py::type_error(std::string(op) + "() missing 1 required positional arguments: \"" + kw_name + "\"");
  return shape_from_args(args, op);
}

// Tensors given as varargs or as one sequence: f(a, b) and f([a, b]).
TensorList tensors_from_args(const py::args& args, const char* op) {
  py::sequence seq = args;
  if (args.size() == 1 && !is_tensor(args[0].ptr())) {
    if (!PySequence_Check(args[0].ptr())) throw py::type_error(std::string(op) + "(): expected Tensors");
    seq = py::reinterpret_borrow<py::sequence>(args[0]);
  }
  TensorList ts;
  for (auto item : seq) {
    if (!is_tensor(item.ptr()))
      throw py::type_error(std::string(op) + "(): expected Tensor as element " + std::to_string(ts.size()) +
                           " in argument 0, but got " + Py_TYPE(item.ptr())->tp_name);
    ts.push_back(unwrap(item.ptr()));
  }
  return ts;
}

// atleast_nd(*tensors): one tensor -> a tensor, several (or a sequence) -> a tuple.
template <class F> py::object atleast(const py::args& args, const char* op, F f) {
  if (args.size() == 1 && is_tensor(args[0].ptr())) return py::reinterpret_steal<py::object>(wrap(f(unwrap(args[0].ptr()))));
  TensorList out;
  for (auto& t : tensors_from_args(args, op)) out.push_back(f(t));
  return to_tuple(out);
}

Tensor column_stack(const TensorList& ts) {
  EMBER_CHECK(!ts.empty(), "column_stack", "column_stack expects a non-empty TensorList");
  TensorList cols;
  for (auto& t : ts) cols.push_back(t.dim() <= 1 ? reshape(t, {t.numel(), 1}) : t);
  return hstack(cols);
}

TensorList tensor_split_obj(const Tensor& t, py::handle ios, int64_t dim) {
  if (is_tensor(ios.ptr())) {
    const Tensor& s = unwrap(ios.ptr());
    EMBER_CHECK(s.dtype() == Dtype::Int64, "tensor_split",
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got ", dtype_name(s.dtype()));
    EMBER_CHECK(s.dim() <= 1, "tensor_split", "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with ",
                s.dim(), " dims");
    if (s.dim() == 0) return tensor_split(t, s.item().to_int(), dim);
    Tensor c = s.contiguous();
    const int64_t* p = c.data_ptr<int64_t>();
    return tensor_split(t, Shape(p, p + c.numel()), dim);
  }
  int64_t sections;
  if (int_from_object(ios.ptr(), sections)) return tensor_split(t, sections, dim);
  return tensor_split(t, to_shape(ios.cast<IntList>()), dim);
}

}  // namespace

EMBER_BINDINGS(shape, 20) {
  // ---------------------------------------------------------------- views
  def_method("view", [](const Tensor& t, py::args args, py::kwargs kwargs) -> Tensor {
    Dtype d;
    if (args.size() == 1 && dtype_from_object(args[0].ptr(), d)) return view_dtype(t, d);
    if (args.size() == 0 && kwargs.contains("dtype")) {
      if (!dtype_from_object(py::object(kwargs["dtype"]).ptr(), d)) throw py::type_error("view(): argument 'dtype' must be a dtype");
      return view_dtype(t, d);
    }
    return view(t, varargs_shape(args, kwargs, "size", "view"));
  });
  def_method("view_as", [](const Tensor& t, const Tensor& other) { return view(t, other.sizes()); }, py::arg("other"));
  m.def("reshape", [](const Tensor& t, IntList shape) { return reshape(t, to_shape(shape)); }, py::arg("input"), py::arg("shape"));
  def_method("reshape", [](const Tensor& t, py::args args, py::kwargs kwargs) {
    return reshape(t, varargs_shape(args, kwargs, "shape", "reshape"));
  });
  def_method("reshape_as", [](const Tensor& t, const Tensor& other) { return reshape(t, other.sizes()); }, py::arg("other"));
  def_both(m, "flatten", [](const Tensor& t, int64_t s, int64_t e) { return flatten(t, s, e); }, py::arg("start_dim") = 0,
           py::arg("end_dim") = -1);
  def_both(m, "unflatten", [](const Tensor& t, int64_t dim, IntList sizes) { return unflatten(t, dim, to_shape(sizes)); },
           py::arg("dim"), py::arg("sizes"));
  // torch: contiguous().view(-1), so a non-contiguous input is copied
  def_both(m, "ravel", [](const Tensor& t) { return view(contiguous(t), {-1}); });
  def_both(m, "squeeze", [](const Tensor& t, std::optional<IntList> dim) {
    return dim ? squeeze(t, Dims(dim->begin(), dim->end())) : squeeze(t);
  }, py::arg("dim") = py::none());
  def_both(m, "unsqueeze", [](const Tensor& t, int64_t dim) { return unsqueeze(t, dim); }, py::arg("dim"));
  def_both(m, "transpose", [](const Tensor& t, int64_t a, int64_t b) { return transpose(t, a, b); }, py::arg("dim0"), py::arg("dim1"));
  def_both(m, "swapdims", [](const Tensor& t, int64_t a, int64_t b) { return transpose(t, a, b); }, py::arg("dim0"), py::arg("dim1"));
  def_both(m, "swapaxes", [](const Tensor& t, int64_t a, int64_t b) { return transpose(t, a, b); }, py::arg("axis0"), py::arg("axis1"));
  def_both(m, "t", [](const Tensor& x) { return t(x); });
  def_method("squeeze_", [](Tensor& t, std::optional<IntList> dim) -> Tensor {
    return dim ? squeeze_(t, Dims(dim->begin(), dim->end())) : squeeze_(t);
  }, py::arg("dim") = py::none());
  def_method("unsqueeze_", [](Tensor& t, int64_t dim) -> Tensor { return unsqueeze_(t, dim); }, py::arg("dim"));
  def_method("transpose_", [](Tensor& t, int64_t a, int64_t b) -> Tensor { return transpose_(t, a, b); }, py::arg("dim0"), py::arg("dim1"));
  def_method("swapdims_", [](Tensor& t, int64_t a, int64_t b) -> Tensor { return transpose_(t, a, b); }, py::arg("dim0"), py::arg("dim1"));
  def_method("swapaxes_", [](Tensor& t, int64_t a, int64_t b) -> Tensor { return transpose_(t, a, b); }, py::arg("axis0"), py::arg("axis1"));
  def_method("t_", [](Tensor& x) -> Tensor { return t_(x); });
  def_method("resize_", [](Tensor& t, py::args args, py::kwargs kwargs) -> Tensor {
    if (kwargs.contains("memory_format")) kwargs.attr("pop")("memory_format");
    return resize_(t, varargs_shape(args, kwargs, "size", "resize_"));
  });
  def_method("resize_as_", [](Tensor& t, const Tensor& other, py::object) -> Tensor { return resize_(t, other.sizes()); },
             py::arg("the_template"), py::kw_only(), py::arg("memory_format") = py::none());
  def_property("T", [](const Tensor& x) {
    Dims rev;
    for (int64_t d = x.dim() - 1; d >= 0; --d) rev.push_back(d);
    return permute(x, rev);
  });
  def_property("mT", [](const Tensor& x) { return mT(x); });
  def_property("mH", [](const Tensor& x) { return mT(x); });  // real dtypes only: the adjoint is the transpose
  def_property("H", [](const Tensor& x) {
    EMBER_CHECK(x.dim() == 2 || x.dim() == 0, "H", "tensor.H is only supported on matrices (2-D tensors). Got ", x.dim(),
                "-D tensor.", x.dim() > 2 ? " For batches of matrices, consider using tensor.mH" : "");
    return x.dim() == 2 ? transpose(x, 0, 1) : x;
  });
  def_method("adjoint", [](const Tensor& x) { return mT(x); });
  m.def("adjoint", [](const Tensor& x) { return mT(x); }, py::arg("input"));
  m.def("permute", [](const Tensor& t, IntList dims) { return permute(t, Dims(dims.begin(), dims.end())); }, py::arg("input"),
        py::arg("dims"));
  def_method("permute", [](const Tensor& t, py::args args, py::kwargs kwargs) {
    return permute(t, varargs_shape(args, kwargs, "dims", "permute"));
  });
  for (const char* name : {"movedim", "moveaxis"}) {
    def_both(m, name, [](const Tensor& t, IntList src, IntList dst) {
      return movedim(t, Dims(src.begin(), src.end()), Dims(dst.begin(), dst.end()));
    }, py::arg("source"), py::arg("destination"));
  }
  def_method("expand", [](const Tensor& t, py::args args, py::kwargs kwargs) {
    py::kwargs rest;
    for (auto item : kwargs)
      if (std::string(py::str(item.first)) != "implicit") rest[item.first] = item.second;
    return expand(t, varargs_shape(args, rest, "size", "expand"));
  });
  def_method("expand_as", [](const Tensor& t, const Tensor& other) { return expand_as(t, other); }, py::arg("other"));
  def_both(m, "broadcast_to", [](const Tensor& t, IntList size) { return broadcast_to(t, to_shape(size)); }, py::arg("size"));
  m.def("broadcast_tensors", [](py::args args) { return to_tuple(broadcast_tensors(tensors_from_args(args, "broadcast_tensors"))); });
  m.def("broadcast_shapes", [](py::args shapes) {
    Shape out;
    for (size_t i = 0; i < shapes.size(); ++i) {
      IntList s = shapes[i].cast<IntList>();
      for (auto v : s)
        EMBER_CHECK(v >= 0, "broadcast_shapes", "Trying to create tensor with negative dimension ", v, ": ", shape_str(to_shape(s)));
      try {
        out = broadcast_shapes(out, to_shape(s), "broadcast_shapes");
      } catch (const Error&) {
        EMBER_FAIL("broadcast_shapes", "shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between ",
                   shape_str(out), " and arg ", i, " (", shape_str(to_shape(s)), ")");
      }
    }
    return py::reinterpret_steal<py::object>(size_object(out));
  });
  def_both(m, "as_strided", [](const Tensor& t, IntList size, IntList stride, std::optional<int64_t> offset) {
    return as_strided(t, to_shape(size), to_shape(stride), offset);
  }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());

  // ---------------------------------------------------------------- sub-ranges
  def_both(m, "narrow", [](const Tensor& t, int64_t dim, int64_t start, int64_t length) { return narrow(t, dim, start, length); },
           py::arg("dim"), py::arg("start"), py::arg("length"));
  def_both(m, "select", [](const Tensor& t, int64_t dim, int64_t index) { return select(t, dim, index); }, py::arg("dim"),
           py::arg("index"));
  def_both(m, "diagonal", [](const Tensor& t, int64_t offset, int64_t d1, int64_t d2) { return diagonal(t, offset, d1, d2); },
           py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_method("unfold", [](const Tensor& t, int64_t dim, int64_t size, int64_t step) { return unfold(t, dim, size, step); },
             py::arg("dimension"), py::arg("size"), py::arg("step"));

  // ---------------------------------------------------------------- splitting
  m.def("split", [](const Tensor& t, int64_t size, int64_t dim) { return to_tuple(split(t, size, dim)); }, py::arg("tensor"),
        py::arg("split_size_or_sections"), py::arg("dim") = 0);
  m.def("split", [](const Tensor& t, IntList sizes, int64_t dim) { return to_tuple(split_with_sizes(t, to_shape(sizes), dim)); },
        py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  def_method("split", [](const Tensor& t, int64_t size, int64_t dim) { return to_tuple(split(t, size, dim)); },
             py::arg("split_size"), py::arg("dim") = 0);
  def_method("split", [](const Tensor& t, IntList sizes, int64_t dim) { return to_tuple(split_with_sizes(t, to_shape(sizes), dim)); },
             py::arg("split_size"), py::arg("dim") = 0);
  def_both(m, "split_with_sizes", [](const Tensor& t, IntList sizes, int64_t dim) {
    return to_tuple(split_with_sizes(t, to_shape(sizes), dim));
  }, py::arg("split_sizes"), py::arg("dim") = 0);
  def_both(m, "tensor_split", [](const Tensor& t, py::object ios, int64_t dim) { return to_tuple(tensor_split_obj(t, ios, dim)); },
           py::arg("indices_or_sections"), py::arg("dim") = 0);
  using SplitN = TensorList (*)(const Tensor&, int64_t);
  using SplitAt = TensorList (*)(const Tensor&, const Shape&);
  for (auto [name, by_n, at] : {std::tuple<const char*, SplitN, SplitAt>{"hsplit", &hsplit, &hsplit},
                                {"vsplit", &vsplit, &vsplit}, {"dsplit", &dsplit, &dsplit}}) {
    def_both(m, name, [by_n, at](const Tensor& t, py::object ios) {
      int64_t sections;
      if (int_from_object(ios.ptr(), sections)) return to_tuple(by_n(t, sections));
      return to_tuple(at(t, to_shape(ios.cast<IntList>())));
    }, py::arg("indices_or_sections"));
  }
  def_both(m, "diff", [](const Tensor& t, int64_t n, int64_t dim, std::optional<Tensor> prepend, std::optional<Tensor> append) {
    return diff(t, n, dim, prepend.value_or(Tensor()), append.value_or(Tensor()));
  }, py::arg("n") = 1, py::arg("dim") = -1, py::arg("prepend") = py::none(), py::arg("append") = py::none());
  def_both(m, "chunk", [](const Tensor& t, int64_t chunks, int64_t dim) { return to_tuple(chunk(t, chunks, dim)); },
           py::arg("chunks"), py::arg("dim") = 0);
  def_both(m, "unbind", [](const Tensor& t, int64_t dim) { return to_tuple(unbind(t, dim)); }, py::arg("dim") = 0);
  for (auto [name, fn] : {std::pair<const char*, Tensor (*)(const Tensor&)>{"atleast_1d", &atleast_1d},
                          {"atleast_2d", &atleast_2d}, {"atleast_3d", &atleast_3d}}) {
    std::string op = name;
    m.def(name, [op, fn](py::args args) { return atleast(args, op.c_str(), fn); });
  }
  m.def("meshgrid", [](py::args args, std::optional<std::string> indexing) {
    if (!indexing) {
      if (PyErr_WarnEx(PyExc_UserWarning,
                       "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.", 1) < 0)
        throw py::error_already_set();
    }
    return to_tuple(meshgrid(tensors_from_args(args, "meshgrid"), indexing.value_or("ij")));
  }, py::kw_only(), py::arg("indexing") = py::none());

  // ---------------------------------------------------------------- joining
  for (const char* name : {"cat", "concat", "concatenate"}) {
    m.def(name, [](const TensorList& ts, int64_t dim) { return cat(ts, dim); }, py::arg("tensors"), py::arg("dim") = 0);
  }
  m.def("stack", [](const TensorList& ts, int64_t dim) { return stack(ts, dim); }, py::arg("tensors"), py::arg("dim") = 0);
  m.def("hstack", [](const TensorList& ts) { return hstack(ts); }, py::arg("tensors"));
  m.def("vstack", [](const TensorList& ts) { return vstack(ts); }, py::arg("tensors"));
  m.def("row_stack", [](const TensorList& ts) { return vstack(ts); }, py::arg("tensors"));
  m.def("dstack", [](const TensorList& ts) { return dstack(ts); }, py::arg("tensors"));
  m.def("column_stack", [](const TensorList& ts) { return column_stack(ts); }, py::arg("tensors"));

  // ---------------------------------------------------------------- copies
  def_method("repeat", [](const Tensor& t, py::args args, py::kwargs kwargs) {
    return repeat(t, varargs_shape(args, kwargs, "repeats", "repeat"));
  });
  m.def("tile", [](const Tensor& t, IntList dims) { return tile(t, to_shape(dims)); }, py::arg("input"), py::arg("dims"));
  def_method("tile", [](const Tensor& t, py::args args, py::kwargs kwargs) {
    return tile(t, varargs_shape(args, kwargs, "dims", "tile"));
  });
  def_both(m, "repeat_interleave", [](const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim, py::object) {
    return repeat_interleave(t, repeats, dim);
  }, py::arg("repeats"), py::arg("dim") = py::none(), py::kw_only(), py::arg("output_size") = py::none());
  def_both(m, "repeat_interleave", [](const Tensor& t, int64_t repeats, std::optional<int64_t> dim, py::object) {
    return repeat_interleave(t, repeats, dim);
  }, py::arg("repeats"), py::arg("dim") = py::none(), py::kw_only(), py::arg("output_size") = py::none());
  // torch.repeat_interleave(repeats): each index i repeated repeats[i] times
  m.def("repeat_interleave", [](const Tensor& repeats, py::object) {
    EMBER_CHECK(repeats.dim() == 1, "repeat_interleave", "repeats must be 1-dim, but got a ", repeats.dim(), "-dim tensor");
    return repeat_interleave(arange(0, repeats.numel(), 1, repeats.dtype()), repeats, 0);
  }, py::arg("repeats"), py::kw_only(), py::arg("output_size") = py::none());
  m.def("flip", [](const Tensor& t, IntList dims) { return flip(t, Dims(dims.begin(), dims.end())); }, py::arg("input"), py::arg("dims"));
  def_method("flip", [](const Tensor& t, py::args args, py::kwargs kwargs) {
    return flip(t, varargs_shape(args, kwargs, "dims", "flip"));
  });
  def_both(m, "fliplr", [](const Tensor& t) { return fliplr(t); });
  def_both(m, "flipud", [](const Tensor& t) { return flipud(t); });
  def_both(m, "roll", [](const Tensor& t, IntList shifts, std::optional<IntList> dims) {
    return roll(t, to_shape(shifts), dims ? Dims(dims->begin(), dims->end()) : Dims{});
  }, py::arg("shifts"), py::arg("dims") = py::none());
  def_both(m, "rot90", [](const Tensor& t, int64_t k, IntList dims) { return rot90(t, k, Dims(dims.begin(), dims.end())); },
           py::arg("k") = 1, py::arg("dims") = py::make_tuple(0, 1));
  def_both(m, "tril", [](const Tensor& t, int64_t k) { return tril(t, k); }, py::arg("diagonal") = 0);
  def_both(m, "triu", [](const Tensor& t, int64_t k) { return triu(t, k); }, py::arg("diagonal") = 0);
  def_method("tril_", [](Tensor& t, int64_t k) { return tril_(t, k); }, py::arg("diagonal") = 0);
  def_method("triu_", [](Tensor& t, int64_t k) { return triu_(t, k); }, py::arg("diagonal") = 0);
  def_both(m, "diag", [](const Tensor& t, int64_t k) { return diag(t, k); }, py::arg("diagonal") = 0);
  def_both(m, "diag_embed", [](const Tensor& t, int64_t offset, int64_t d1, int64_t d2) { return diag_embed(t, offset, d1, d2); },
           py::arg("offset") = 0, py::arg("dim1") = -2, py::arg("dim2") = -1);
  def_both(m, "trace", [](const Tensor& t) { return trace(t); });

  // nn.functional.pad: value None means 0 (and is the only value non-constant modes accept)
  m.def("_pad", [](const Tensor& t, IntList pad, const std::string& mode, std::optional<double> value) {
    return ember::pad(t, to_shape(pad), mode, value.value_or(0.0));
  }, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = py::none());
}

}  // namespace ember::py
