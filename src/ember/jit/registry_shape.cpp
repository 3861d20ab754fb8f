// Registry entries of the shape-and-views family (python/src/ops_shape.cpp),
// the basic-indexing views the tracer records for t[...] (select, slice,
// unsqueeze) and advanced indexing (index, index_put_).
#include "ember/jit/op_registry.h"

namespace ember::jit {

namespace {

using T = TensorList;
using A = const Args&;

// Methods bound with (*args, **kwargs) record both; the shape is whichever is given.
const IValue& varargs(A a) {
  for (size_t i = 1; i < a.size(); ++i)
    if (!a[i].is_none() && !a[i].is_bool()) return a[i];
  a.bad("missing the size argument");
}

Dims reversed_dims(int64_t n) {
  Dims rev;
  for (int64_t d = n - 1; d >= 0; --d) rev.push_back(d);
  return rev;
}

}  // namespace

void register_shape_ops(Registry& r) {
  // ---- views
  r.add("view", [](A a) -> T {
    const IValue& v = varargs(a);
    if (v.is_dtype()) return {view_dtype(a.tensor(0), v.to_dtype())};
    return {view(a.tensor(0), v.to_int_list())};
  });
  r.add("view_as", [](A a) -> T { return {view(a.tensor(0), a.tensor(1).sizes())}; });
  r.add("reshape", [](A a) -> T { return {reshape(a.tensor(0), varargs(a).to_int_list())}; });
  r.add("reshape_as", [](A a) -> T { return {reshape(a.tensor(0), a.tensor(1).sizes())}; });
  r.add("flatten", [](A a) -> T { return {flatten(a.tensor(0), a.i(1, 0), a.i(2, -1))}; });
  r.add("unflatten", [](A a) -> T { return {unflatten(a.tensor(0), a.i(1), a.shape(2))}; });
  r.add("ravel", [](A a) -> T { return {view(contiguous(a.tensor(0)), {-1})}; });
  r.add("squeeze", [](A a) -> T { return {a.has(1) ? squeeze(a.tensor(0), a.dims(1)) : squeeze(a.tensor(0))}; });
  r.add("unsqueeze", [](A a) -> T { return {unsqueeze(a.tensor(0), a.i(1))}; });
  r.add("transpose", [](A a) -> T { return {transpose(a.tensor(0), a.i(1), a.i(2))}; });
  r.alias("swapdims", "transpose");
  r.alias("swapaxes", "transpose");
  r.add("t", [](A a) -> T { return {t(a.tensor(0))}; });
  r.add("T", [](A a) -> T { Tensor x = a.tensor(0); return {permute(x, reversed_dims(x.dim()))}; });
  r.add("mT", [](A a) -> T { return {mT(a.tensor(0))}; });
  r.alias("mH", "mT");
  r.alias("adjoint", "mT");
  r.add("H", [](A a) -> T {
    Tensor x = a.tensor(0);
    EMBER_CHECK(x.dim() == 2 || x.dim() == 0, "H", "tensor.H is only supported on matrices (2-D tensors). Got ", x.dim(), "-D tensor.");
    return {x.dim() == 2 ? transpose(x, 0, 1) : x};
  });
  r.add("permute", [](A a) -> T { return {permute(a.tensor(0), varargs(a).to_int_list())}; });
  r.add("movedim", [](A a) -> T { return {movedim(a.tensor(0), a.dims(1), a.dims(2))}; });
  r.alias("moveaxis", "movedim");
  r.add("expand", [](A a) -> T { return {expand(a.tensor(0), varargs(a).to_int_list())}; });
  r.add("expand_as", [](A a) -> T { return {expand_as(a.tensor(0), a.tensor(1))}; });
  r.add("broadcast_to", [](A a) -> T { return {broadcast_to(a.tensor(0), a.shape(1))}; });
  r.add("broadcast_tensors", [](A a) -> T {
    if (a.is_tensor(0)) return broadcast_tensors({a.tensor(0)});
    return broadcast_tensors(a.tensors(0));
  });
  r.add("as_strided", [](A a) -> T { return {as_strided(a.tensor(0), a.shape(1), a.shape(2), a.opt_i(3))}; });

  // ---- sub-ranges (select, slice and unsqueeze also carry t[...] basic indexing)
  r.add("narrow", [](A a) -> T { return {narrow(a.tensor(0), a.i(1), a.i(2), a.i(3))}; });
  r.add("select", [](A a) -> T { return {select(a.tensor(0), a.i(1), a.i(2))}; });
  r.add("slice", [](A a) -> T { return {slice(a.tensor(0), a.i(1), a.opt_i(2), a.opt_i(3), a.i(4, 1))}; });
  r.add("diagonal", [](A a) -> T { return {diagonal(a.tensor(0), a.i(1, 0), a.i(2, 0), a.i(3, 1))}; });
  r.add("unfold", [](A a) -> T { return {unfold(a.tensor(0), a.i(1), a.i(2), a.i(3))}; });

  // ---- splitting (several outputs)
  r.add("split", [](A a) -> T {
    if (a[1].is_int_list()) return split_with_sizes(a.tensor(0), a.shape(1), a.i(2, 0));
    return split(a.tensor(0), a.i(1), a.i(2, 0));
  });
  r.add("split_with_sizes", [](A a) -> T { return split_with_sizes(a.tensor(0), a.shape(1), a.i(2, 0)); });
  r.add("tensor_split", [](A a) -> T {
    const IValue& ios = a[1];
    int64_t dim = a.i(2, 0);
    if (ios.is_int()) return tensor_split(a.tensor(0), ios.to_int(), dim);
    if (ios.is_int_list()) return tensor_split(a.tensor(0), ios.to_int_list(), dim);
    Tensor s = contiguous(to_dtype(a.tensor(1), Dtype::Int64));
    EMBER_CHECK(s.dim() <= 1, "tensor_split", "tensor_indices_or_sections must be 0-d or 1-d");
    if (s.dim() == 0) return tensor_split(a.tensor(0), s.item().to_int(), dim);
    const int64_t* p = s.data_ptr<int64_t>();
    return tensor_split(a.tensor(0), Shape(p, p + s.numel()), dim);
  });
  r.add("chunk", [](A a) -> T { return chunk(a.tensor(0), a.i(1), a.i(2, 0)); });
  r.add("unbind", [](A a) -> T { return unbind(a.tensor(0), a.i(1, 0)); });
  for (auto [name, fn] : {std::pair<const char*, OpFn>{"atleast_1d", [](A a) -> T {
                            if (a.is_tensor(0)) return {atleast_1d(a.tensor(0))};
                            TensorList out;
                            for (auto& t : a.tensors(0)) out.push_back(atleast_1d(t));
                            return out;
                          }},
                          {"atleast_2d", [](A a) -> T {
                            if (a.is_tensor(0)) return {atleast_2d(a.tensor(0))};
                            TensorList out;
                            for (auto& t : a.tensors(0)) out.push_back(atleast_2d(t));
                            return out;
                          }},
                          {"atleast_3d", [](A a) -> T {
                            if (a.is_tensor(0)) return {atleast_3d(a.tensor(0))};
                            TensorList out;
                            for (auto& t : a.tensors(0)) out.push_back(atleast_3d(t));
                            return out;
                          }}})
    r.add(name, fn);
  r.add("meshgrid", [](A a) -> T {
    TensorList ts = a.is_tensor(0) ? TensorList{a.tensor(0)} : a.tensors(0);
    return meshgrid(ts, a.s(1, "ij"));
  });

  // ---- joining
  r.add("cat", [](A a) -> T { return {cat(a.tensors(0), a.i(1, 0))}; });
  r.alias("concat", "cat");
  r.alias("concatenate", "cat");
  r.add("stack", [](A a) -> T { return {stack(a.tensors(0), a.i(1, 0))}; });
  r.add("hstack", [](A a) -> T { return {hstack(a.tensors(0))}; });
  r.add("vstack", [](A a) -> T { return {vstack(a.tensors(0))}; });
  r.alias("row_stack", "vstack");
  r.add("dstack", [](A a) -> T { return {dstack(a.tensors(0))}; });
  r.add("column_stack", [](A a) -> T {
    TensorList cols;
    for (auto& t : a.tensors(0)) cols.push_back(t.dim() <= 1 ? reshape(t, {t.numel(), 1}) : t);
    return {hstack(cols)};
  });

  // ---- copies
  r.add("repeat", [](A a) -> T { return {repeat(a.tensor(0), varargs(a).to_int_list())}; });
  r.add("tile", [](A a) -> T { return {tile(a.tensor(0), varargs(a).to_int_list())}; });
  r.add("repeat_interleave", [](A a) -> T {
    if (a.size() <= 2 && !a.has(1)) {  // repeat_interleave(repeats)
      Tensor rep = a.tensor(0);
      EMBER_CHECK(rep.dim() == 1, "repeat_interleave", "repeats must be 1-dim, but got a ", rep.dim(), "-dim tensor");
      return {repeat_interleave(arange(0, rep.numel(), 1, rep.dtype()), rep, 0)};
    }
    if (a.is_tensor(1)) return {repeat_interleave(a.tensor(0), a.tensor(1), a.opt_i(2))};
    return {repeat_interleave(a.tensor(0), a.i(1), a.opt_i(2))};
  });
  r.add("flip", [](A a) -> T { return {flip(a.tensor(0), varargs(a).to_int_list())}; });
  r.add("fliplr", [](A a) -> T { return {fliplr(a.tensor(0))}; });
  r.add("flipud", [](A a) -> T { return {flipud(a.tensor(0))}; });
  r.add("roll", [](A a) -> T { return {roll(a.tensor(0), a.shape(1), a.dims(2))}; });
  r.add("rot90", [](A a) -> T { return {rot90(a.tensor(0), a.i(1, 1), a.has(2) ? a.dims(2) : Dims{0, 1})}; });
  r.add("tril", [](A a) -> T { return {tril(a.tensor(0), a.i(1, 0))}; });
  r.add("triu", [](A a) -> T { return {triu(a.tensor(0), a.i(1, 0))}; });
  r.add("tril_", [](A a) -> T { Tensor t = inplace_target(a); return {tril_(t, a.i(1, 0))}; }, kInplace);
  r.add("triu_", [](A a) -> T { Tensor t = inplace_target(a); return {triu_(t, a.i(1, 0))}; }, kInplace);
  r.add("diag", [](A a) -> T { return {diag(a.tensor(0), a.i(1, 0))}; });
  r.add("diag_embed", [](A a) -> T { return {diag_embed(a.tensor(0), a.i(1, 0), a.i(2, -2), a.i(3, -1))}; });
  r.add("trace", [](A a) -> T { return {trace(a.tensor(0))}; });
  r.add("_pad", [](A a) -> T { return {pad(a.tensor(0), a.shape(1), a.s(2, "constant"), a.d(3, 0.0))}; });

  // ---- indexing (ops/index.cpp)
  r.add("index", [](A a) -> T {
    std::vector<std::optional<Tensor>> idx;
    for (auto& t : a.tensors(1)) idx.push_back(t.defined() ? std::optional<Tensor>(t) : std::nullopt);
    return {index(a.tensor(0), idx)};
  });
  r.add("index_put_", [](A a) -> T {
    Tensor t = inplace_target(a);
    std::vector<std::optional<Tensor>> idx;
    for (auto& i : a.tensors(1)) idx.push_back(i.defined() ? std::optional<Tensor>(i) : std::nullopt);
    return {index_put_(t, idx, a.tensor(2), a.b(3, false))};
  }, kInplace);
  r.add("index_put", [](A a) -> T {
    std::vector<std::optional<Tensor>> idx;
    for (auto& i : a.tensors(1)) idx.push_back(i.defined() ? std::optional<Tensor>(i) : std::nullopt);
    return {index_put(a.tensor(0), idx, a.tensor(2), a.b(3, false))};
  });
  r.add("gather", [](A a) -> T { return {gather(a.tensor(0), a.i(1), a.tensor(2))}; });
  r.add("take_along_dim", [](A a) -> T { return {take_along_dim(a.tensor(0), a.tensor(1), a.opt_i(2))}; });
  r.add("scatter", [](A a) -> T {
    if (a.is_number(3)) return {scatter(a.tensor(0), a.i(1), a.tensor(2), a.scalar(3), a.opt_s(4))};
    return {scatter(a.tensor(0), a.i(1), a.tensor(2), a.tensor(3), a.opt_s(4))};
  });
  r.add("scatter_", [](A a) -> T {
    Tensor t = inplace_target(a);
    if (a.is_number(3)) return {scatter_(t, a.i(1), a.tensor(2), a.scalar(3), a.opt_s(4))};
    return {scatter_(t, a.i(1), a.tensor(2), a.tensor(3), a.opt_s(4))};
  }, kInplace);
  r.add("scatter_add", [](A a) -> T { return {scatter_add(a.tensor(0), a.i(1), a.tensor(2), a.tensor(3))}; });
  r.add("scatter_add_", [](A a) -> T { Tensor t = inplace_target(a); return {scatter_add_(t, a.i(1), a.tensor(2), a.tensor(3))}; }, kInplace);
  r.add("scatter_reduce", [](A a) -> T {
    return {scatter_reduce(a.tensor(0), a.i(1), a.tensor(2), a.tensor(3), a.s(4), a.b(5, true))};
  });
  r.add("index_select", [](A a) -> T { return {index_select(a.tensor(0), a.i(1), a.tensor(2))}; });
  r.add("index_add", [](A a) -> T {
    return {index_add(a.tensor(0), a.i(1), a.tensor(2), a.tensor(3), a.has(4) ? a.scalar(4) : Scalar(int64_t(1)))};
  });
  r.add("index_add_", [](A a) -> T {
    Tensor t = inplace_target(a);
    return {index_add_(t, a.i(1), a.tensor(2), a.tensor(3), a.has(4) ? a.scalar(4) : Scalar(int64_t(1)))};
  }, kInplace);
  r.add("index_copy", [](A a) -> T { return {index_copy(a.tensor(0), a.i(1), a.tensor(2), a.tensor(3))}; });
  r.add("index_fill", [](A a) -> T { return {index_fill(a.tensor(0), a.i(1), a.tensor(2), a.scalar(3))}; });
  r.add("take", [](A a) -> T { return {take(a.tensor(0), a.tensor(1))}; });
  r.add("masked_fill", [](A a) -> T { return {masked_fill(a.tensor(0), a.tensor(1), a.tensor(2))}; });
  r.add("masked_fill_", [](A a) -> T { Tensor t = inplace_target(a); return {masked_fill_(t, a.tensor(1), a.tensor(2))}; }, kInplace);
  r.add("masked_select", [](A a) -> T { return {masked_select(a.tensor(0), a.tensor(1))}; });
  r.add("masked_scatter", [](A a) -> T { return {masked_scatter(a.tensor(0), a.tensor(1), a.tensor(2))}; });
  r.add("nonzero", [](A a) -> T {
    if (a.b(1, false)) return nonzero_tuple(a.tensor(0));
    return {nonzero(a.tensor(0))};
  });
  r.add("argwhere", [](A a) -> T { return {argwhere(a.tensor(0))}; });
  r.add("sort", [](A a) -> T {
    auto [v, i] = sort(a.tensor(0), a.i(1, -1), a.b(2, false), a.b(3, false));
    return {v, i};
  });
  r.add("argsort", [](A a) -> T { return {argsort(a.tensor(0), a.i(1, -1), a.b(2, false), a.b(3, false))}; });
  r.add("msort", [](A a) -> T { return {msort(a.tensor(0))}; });
  r.add("topk", [](A a) -> T {
    auto [v, i] = topk(a.tensor(0), a.i(1), a.i(2, -1), a.b(3, true), a.b(4, true));
    return {v, i};
  });
  r.add("kthvalue", [](A a) -> T {
    auto [v, i] = kthvalue(a.tensor(0), a.i(1), a.i(2, -1), a.b(3, false));
    return {v, i};
  });
  r.add("one_hot", [](A a) -> T { return {one_hot(a.tensor(0), a.i(1, -1))}; });

  r.add("diff", [](A a) -> T {
    return {diff(a.tensor(0), a.i(1, 1), a.i(2, -1), a.has(3) ? a.tensor(3) : Tensor(), a.has(4) ? a.tensor(4) : Tensor())};
  });
  r.add("hsplit", [](A a) -> T { return a[1].is_int() ? hsplit(a.tensor(0), a.i(1)) : hsplit(a.tensor(0), a.shape(1)); });
  r.add("vsplit", [](A a) -> T { return a[1].is_int() ? vsplit(a.tensor(0), a.i(1)) : vsplit(a.tensor(0), a.shape(1)); });
  r.add("dsplit", [](A a) -> T { return a[1].is_int() ? dsplit(a.tensor(0), a.i(1)) : dsplit(a.tensor(0), a.shape(1)); });

  // In-place metadata changes: the graph's value for `self` becomes the result.
  r.add("squeeze_", [](A a) -> T {
    Tensor t = inplace_target(a);
    return {a.has(1) ? squeeze_(t, a.dims(1)) : squeeze_(t)};
  }, kInplace);
  r.add("unsqueeze_", [](A a) -> T { Tensor t = inplace_target(a); return {unsqueeze_(t, a.i(1))}; }, kInplace);
  r.add("transpose_", [](A a) -> T { Tensor t = inplace_target(a); return {transpose_(t, a.i(1), a.i(2))}; }, kInplace);
  r.alias("swapdims_", "transpose_");
  r.alias("swapaxes_", "transpose_");
  r.add("t_", [](A a) -> T { Tensor t = inplace_target(a); return {t_(t)}; }, kInplace);
  r.add("resize_", [](A a) -> T { Tensor t = inplace_target(a); return {resize_(t, varargs(a).to_int_list())}; }, kInplace);
  r.add("resize_as_", [](A a) -> T { Tensor t = inplace_target(a); return {resize_(t, a.tensor(1).sizes())}; }, kInplace);
}

}  // namespace ember::jit
