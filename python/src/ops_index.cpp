// Bindings of the indexing family: gather/scatter, index_*, masked_*, take,
// nonzero, sort/topk/kthvalue, unique, bincount, searchsorted, histc, isin.
#include "bind.h"

namespace ember::py {

namespace {

using OptTensors = std::vector<std::optional<Tensor>>;

// torch.return_types.<name>: a named tuple (values, indices). The shared
// ember.return_types module defines them; a local named tuple stands in
// where that module is absent.
py::object return_type(const char* name) {
  try {
    return py::module_::import("ember.return_types").attr(name);
  } catch (py::error_already_set&) {
    py::object nt = py::module_::import("collections").attr("namedtuple")(name, py::make_tuple("values", "indices"));
    nt.attr("__module__") = "ember.return_types";
    return nt;
  }
}

struct ReturnTypes {
  py::object sort, topk, kthvalue;
};
ReturnTypes& return_types() {
  static ReturnTypes* r = new ReturnTypes{return_type("sort"), return_type("topk"), return_type("kthvalue")};
  return *r;
}

py::object pair_result(const py::object& cls, const std::pair<Tensor, Tensor>& p) { return cls(p.first, p.second); }

// unique returns a tensor, or a tuple with the inverse and/or counts asked for.
py::object unique_result(const std::tuple<Tensor, Tensor, Tensor>& r, bool inverse, bool counts) {
  if (!inverse && !counts) return py::cast(std::get<0>(r));
  py::list out;
  out.append(std::get<0>(r));
  if (inverse) out.append(std::get<1>(r));
  if (counts) out.append(std::get<2>(r));
  return py::tuple(out);
}

// `side` is torch's newer spelling of `right`.
bool resolve_side(bool right, const std::optional<std::string>& side) {
  if (!side) return right;
  EMBER_CHECK(*side == "left" || *side == "right", "torch.searchsorted()", "side can only be 'left' or 'right' but got ",
              *side);
  EMBER_CHECK(!(right && *side == "left"), "torch.searchsorted()",
              "side and right can't be set to opposites, got side of left while right was True");
  return *side == "right";
}

Tensor searchsorted_impl(const Tensor& sorted, const Tensor& values, bool out_int32, bool right,
                         const std::optional<std::string>& side, const std::optional<Tensor>& sorter) {
  Tensor s = sorted;
  if (sorter) {
    EMBER_CHECK(sorter->sizes() == sorted.sizes(), "torch.searchsorted()",
                "boundary and sorter must have the same size, but got boundary tensor ", shape_str(sorted.sizes()),
                " and got sorter tensor ", shape_str(sorter->sizes()));
    s = gather(sorted, -1, *sorter);
  }
  return searchsorted(s, values, resolve_side(right, side), out_int32);
}

// index_fill/masked_fill values: a number or a 0-d tensor.
Scalar fill_scalar(const TensorLike& v, const char* op) {
  EMBER_CHECK(v.t.dim() == 0, op, "only supports a 0-dimensional value tensor, but got tensor with ", v.t.dim(),
              " dimension(s).");
  return v.t.item();
}

}  // namespace

EMBER_BINDINGS(ops_index, 20) {
  // ---- gather / scatter
  def_both(m, "gather", [](const Tensor& t, int64_t dim, const Tensor& index, bool) { return gather(t, dim, index); },
           py::arg("dim"), py::arg("index"), py::kw_only(), py::arg("sparse_grad") = false);
  def_both(m, "take_along_dim", [](const Tensor& t, const Tensor& indices, std::optional<int64_t> dim) {
    return take_along_dim(t, indices, dim);
  }, py::arg("indices"), py::arg("dim") = py::none());
  for (bool inplace : {false, true}) {
    const char* name = inplace ? "scatter_" : "scatter";
    auto with_src = [inplace](Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                              std::optional<std::string> reduce) -> Tensor {
      return inplace ? scatter_(t, dim, index, src, reduce) : scatter(t, dim, index, src, reduce);
    };
    auto with_value = [inplace](Tensor& t, int64_t dim, const Tensor& index, const Scalar& value,
                                std::optional<std::string> reduce) -> Tensor {
      return inplace ? scatter_(t, dim, index, value, reduce) : scatter(t, dim, index, value, reduce);
    };
    if (inplace) {
      def_method(name, with_src, py::arg("dim"), py::arg("index"), py::arg("src"), py::kw_only(), py::arg("reduce") = py::none());
      def_method(name, with_value, py::arg("dim"), py::arg("index"), py::arg("value"), py::kw_only(), py::arg("reduce") = py::none());
    } else {
      def_both(m, name, with_src, py::arg("dim"), py::arg("index"), py::arg("src"), py::kw_only(), py::arg("reduce") = py::none());
      def_both(m, name, with_value, py::arg("dim"), py::arg("index"), py::arg("value"), py::kw_only(), py::arg("reduce") = py::none());
    }
  }
  def_both(m, "scatter_add", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
    return scatter_add(t, dim, index, src);
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_method("scatter_add_", [](Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
    return scatter_add_(t, dim, index, src);
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_both(m, "scatter_reduce", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                                   const std::string& reduce, bool include_self) {
    return scatter_reduce(t, dim, index, src, reduce, include_self);
  }, py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("reduce"), py::kw_only(), py::arg("include_self") = true);
  def_method("scatter_reduce_", [](Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                                   const std::string& reduce, bool include_self) {
    return scatter_reduce_(t, dim, index, src, reduce, include_self);
  }, py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("reduce"), py::kw_only(), py::arg("include_self") = true);

  // ---- index_*
  def_both(m, "index_select", [](const Tensor& t, int64_t dim, const Tensor& index) { return index_select(t, dim, index); },
           py::arg("dim"), py::arg("index"));
  def_both(m, "index_add", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
    return index_add(t, dim, index, source, alpha);
  }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  def_method("index_add_", [](Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
    return index_add_(t, dim, index, source, alpha);
  }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  def_both(m, "index_copy", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
    return index_copy(t, dim, index, source);
  }, py::arg("dim"), py::arg("index"), py::arg("source"));
  def_method("index_copy_", [](Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
    return index_copy_(t, dim, index, source);
  }, py::arg("dim"), py::arg("index"), py::arg("source"));
  def_both(m, "index_fill", [](const Tensor& t, int64_t dim, const Tensor& index, TensorLike value) {
    return index_fill(t, dim, index, fill_scalar(value, "index_fill_"));
  }, py::arg("dim"), py::arg("index"), py::arg("value"));
  def_method("index_fill_", [](Tensor& t, int64_t dim, const Tensor& index, TensorLike value) {
    return index_fill_(t, dim, index, fill_scalar(value, "index_fill_"));
  }, py::arg("dim"), py::arg("index"), py::arg("value"));
  def_both(m, "index_put", [](const Tensor& t, const OptTensors& indices, const Tensor& values, bool accumulate) {
    return index_put(t, indices, values, accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  def_method("index_put_", [](Tensor& t, const OptTensors& indices, const Tensor& values, bool accumulate) {
    return index_put_(t, indices, values, accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  def_both(m, "take", [](const Tensor& t, const Tensor& index) { return take(t, index); }, py::arg("index"));

  // ---- masks
  def_both(m, "masked_fill", [](const Tensor& t, const Tensor& mask, TensorLike value) {
    return masked_fill(t, mask, value.t);
  }, py::arg("mask"), py::arg("value"));
  def_method("masked_fill_", [](Tensor& t, const Tensor& mask, TensorLike value) { return masked_fill_(t, mask, value.t); },
             py::arg("mask"), py::arg("value"));
  def_both(m, "masked_select", [](const Tensor& t, const Tensor& mask) { return masked_select(t, mask); }, py::arg("mask"));
  def_both(m, "masked_scatter", [](const Tensor& t, const Tensor& mask, const Tensor& source) {
    return masked_scatter(t, mask, source);
  }, py::arg("mask"), py::arg("source"));
  def_method("masked_scatter_", [](Tensor& t, const Tensor& mask, const Tensor& source) {
    return masked_scatter_(t, mask, source);
  }, py::arg("mask"), py::arg("source"));
  def_both(m, "nonzero", [](const Tensor& t, bool as_tuple) -> py::object {
    if (as_tuple) return py::tuple(py::cast(nonzero_tuple(t)));
    return py::cast(nonzero(t));
  }, py::kw_only(), py::arg("as_tuple") = false);
  def_both(m, "argwhere", [](const Tensor& t) { return argwhere(t); });

  // ---- ordering
  def_both(m, "sort", [](const Tensor& t, int64_t dim, bool descending, bool stable) {
    return pair_result(return_types().sort, sort(t, dim, descending, stable));
  }, py::arg("dim") = -1, py::arg("descending") = false, py::arg("stable") = false);
  def_both(m, "argsort", [](const Tensor& t, int64_t dim, bool descending, bool stable) {
    return argsort(t, dim, descending, stable);
  }, py::arg("dim") = -1, py::arg("descending") = false, py::arg("stable") = false);
  def_both(m, "msort", [](const Tensor& t) { return msort(t); });
  def_both(m, "topk", [](const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
    return pair_result(return_types().topk, topk(t, k, dim, largest, sorted));
  }, py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  def_both(m, "kthvalue", [](const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
    return pair_result(return_types().kthvalue, kthvalue(t, k, dim, keepdim));
  }, py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);

  // ---- values
  def_both(m, "unique", [](const Tensor& t, bool sorted, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
    return unique_result(unique(t, sorted, return_inverse, return_counts, dim), return_inverse, return_counts);
  }, py::arg("sorted") = true, py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("dim") = py::none());
  def_both(m, "unique_consecutive", [](const Tensor& t, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
    return unique_result(unique_consecutive(t, return_inverse, return_counts, dim), return_inverse, return_counts);
  }, py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("dim") = py::none());
  def_both(m, "bincount", [](const Tensor& t, std::optional<Tensor> weights, int64_t minlength) {
    return bincount(t, weights.value_or(Tensor()), minlength);
  }, py::arg("weights") = py::none(), py::arg("minlength") = 0);
  m.def("searchsorted", [](const Tensor& sorted, TensorLike values, bool out_int32, bool right,
                           std::optional<std::string> side, std::optional<Tensor> sorter) {
    return searchsorted_impl(sorted, values.t, out_int32, right, side, sorter);
  }, py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false, py::arg("right") = false,
     py::arg("side") = py::none(), py::arg("sorter") = py::none());
  m.def("bucketize", [](TensorLike values, const Tensor& boundaries, bool out_int32, bool right) {
    return bucketize(values.t, boundaries, right, out_int32);
  }, py::arg("input"), py::arg("boundaries"), py::kw_only(), py::arg("out_int32") = false, py::arg("right") = false);
  def_both(m, "histc", [](const Tensor& t, int64_t bins, const Scalar& min, const Scalar& max) {
    return histc(t, bins, min.to_double(), max.to_double());
  }, py::arg("bins") = 100, py::arg("min") = 0, py::arg("max") = 0);
  m.def("one_hot", [](const Tensor& t, int64_t num_classes) { return one_hot(t, num_classes); }, py::arg("tensor"),
        py::arg("num_classes") = -1);
  m.def("isin", [](TensorLike elements, TensorLike test_elements, bool, bool invert) {
    return isin(elements.t, test_elements.t, invert);
  }, py::arg("elements"), py::arg("test_elements"), py::kw_only(), py::arg("assume_unique") = false, py::arg("invert") = false);
}

}  // namespace ember::py
