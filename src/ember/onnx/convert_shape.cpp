// ONNX converters of shape ops and views (reshape, transpose, slicing, cat,
// split ...), copies and dtype conversions, and the converter table.
#include <algorithm>
#include <climits>

#include "ember/onnx/convert.h"
#include "ember/ops/ops.h"

namespace ember::onnx {

namespace {

using N = NodeIn&;

const jit::IValue& shape_arg(N a) {  // view/reshape/permute record (*args) or a list: the first list-like literal
  for (size_t i = 1; i < a.size(); ++i)
    if (!a.is_value(i) && !a.lit(i).is_none() && !a.lit(i).is_bool()) return a.lit(i);
  a.fail("missing the size argument");
}

// Reshape `x` (value arg 0) to the node's output shape. A dim that is symbolic
// in the input and keeps its size at the same position is written 0 (copy);
// `minus_one` (if >= 0) is written -1 when the output needs a symbolic size there.
void reshape_to(N a, int64_t minus_one) {
  const jit::Value* x = a.value(0);
  const jit::Value* out = a.n.outputs[0];
  const auto& in_sizes = x->meta.sizes;
  const auto& out_sizes = a.out_meta().sizes;
  std::vector<bool>& din = a.c.dyn(x);
  std::vector<int64_t> target(out_sizes.begin(), out_sizes.end());
  std::vector<bool> dout(target.size(), false);
  bool any_dyn_left = false;
  for (size_t i = 0; i < din.size(); ++i) {
    if (!din[i]) continue;
    if (i < target.size() && out_sizes[i] == in_sizes[i] && int64_t(i) != minus_one) {
      target[i] = 0;
      dout[i] = true;
    } else {
      any_dyn_left = true;
    }
  }
  if (minus_one >= 0 && minus_one < int64_t(target.size())) {
    target[size_t(minus_one)] = -1;
    dout[size_t(minus_one)] = any_dyn_left;
  }
  a.c.op("Reshape", {a.c.name(x), a.c.ints(target)}, {}, {a.out()});
  a.c.dyn(out) = dout;
}

void transpose(N a, std::vector<int64_t> perm) {
  int64_t rank = a.rank(0);
  for (auto& p : perm) p = wrap_dim(p, rank);
  a.c.op("Transpose", {a.in(0)}, {attr("perm", perm)}, {a.out()});
  const std::vector<bool> din = a.c.dyn(a.value(0));
  std::vector<bool>& d = a.c.dyn(a.n.outputs[0]);
  for (size_t k = 0; k < perm.size(); ++k) d[k] = din[size_t(perm[k])];
}

std::vector<int64_t> swap_perm(int64_t rank, int64_t i, int64_t j) {
  std::vector<int64_t> p;
  for (int64_t k = 0; k < rank; ++k) p.push_back(k);
  if (rank > 0) std::swap(p[size_t(wrap_dim(i, rank))], p[size_t(wrap_dim(j, rank))]);
  return p;
}

// Split x (arg 0) along `dim` into the node's outputs, by their traced sizes.
void split_outputs(N a, int64_t dim) {
  dim = wrap_dim(dim, a.rank(0));
  std::vector<int64_t> sizes;
  std::vector<std::string> outs;
  for (size_t k = 0; k < a.n.outputs.size(); ++k) {
    sizes.push_back(a.out_meta(k).sizes.at(size_t(dim)));
    outs.push_back(a.out(k));
  }
  a.c.op("Split", {a.in(0), a.c.ints(sizes)}, {attr("axis", dim)}, outs);
}

void remove_dim_dyn(N a, int64_t dim) {
  std::vector<bool> d = a.c.dyn(a.value(0));
  if (dim < int64_t(d.size())) d.erase(d.begin() + dim);
  a.c.dyn(a.n.outputs[0]) = d;
}

void convert_to(N a) {
  Dtype from = a.meta(0).dtype, to = a.out_dtype();
  if (from == to) return a.c.alias(a.n.outputs[0], a.in(0));
  a.c.op("Cast", {a.in(0)}, {attr("to", int64_t(onnx_dtype(to)))}, {a.out()});
}

}  // namespace

void add_shape_converters(ConverterTable& t) {
  // ---- copies and conversions
  for (const char* name : {"contiguous", "clone", "detach", "data"}) t[name] = [](N a) { a.c.alias(a.n.outputs[0], a.in(0)); };
  for (const char* name : {"to", "type", "type_as", "float", "double", "half", "bfloat16", "char", "short", "int", "long",
                           "bool", "byte"})
    t[name] = convert_to;

  // ---- reshapes
  t["view"] = [](N a) {
    const jit::IValue& s = shape_arg(a);
    if (s.is_dtype()) a.fail("view(dtype) is not supported by the exporter");
    std::vector<int64_t> l = s.to_int_list();
    int64_t m1 = -1;
    for (size_t k = 0; k < l.size(); ++k)
      if (l[k] == -1) m1 = int64_t(k);
    reshape_to(a, m1);
  };
  t["reshape"] = t["view"];
  t["unflatten"] = [](N a) {
    std::vector<int64_t> l = a.lit(2).to_int_list();
    int64_t dim = wrap_dim(a.i64(1), a.rank(0)), m1 = -1;
    for (size_t k = 0; k < l.size(); ++k)
      if (l[k] == -1) m1 = dim + int64_t(k);
    reshape_to(a, m1);
  };
  t["flatten"] = [](N a) {
    int64_t rank = a.rank(0);
    if (rank == 0) return reshape_to(a, -1);
    int64_t start = wrap_dim(a.i64(1, 0), rank), end = wrap_dim(a.i64(2, -1), rank);
    if (start >= end) return a.c.alias(a.n.outputs[0], a.in(0));
    if (end == rank - 1 && start > 0 && start == 1) {  // [N, rest]: ONNX Flatten keeps N symbolic
      a.c.op("Flatten", {a.in(0)}, {attr("axis", int64_t(1))}, {a.out()});
      std::vector<bool>& d = a.c.dyn(a.n.outputs[0]);
      d[0] = a.c.dyn(a.value(0))[0];
      return;
    }
    reshape_to(a, start);
  };
  t["ravel"] = [](N a) { reshape_to(a, 0); };
  t["view_as"] = [](N a) {
    a.c.op("Reshape", {a.in(0), a.c.op("Shape", {a.in(1)})}, {}, {a.out()});
    a.c.dyn(a.n.outputs[0]) = a.c.dyn(a.value(1));
  };
  t["reshape_as"] = t["view_as"];
  t["squeeze"] = [](N a) {
    const auto& sizes = a.meta(0).sizes;
    int64_t rank = int64_t(sizes.size());
    std::vector<int64_t> dims;
    if (a.has(1)) dims = a.lit(1).to_int_list();
    else
      for (int64_t k = 0; k < rank; ++k) dims.push_back(k);
    std::vector<int64_t> axes;
    for (int64_t d : dims) {
      d = wrap_dim(d, rank);
      if (rank > 0 && sizes[size_t(d)] == 1) axes.push_back(d);
    }
    if (axes.empty()) return a.c.alias(a.n.outputs[0], a.in(0));
    a.c.op("Squeeze", {a.in(0), a.c.ints(axes)}, {}, {a.out()});
    std::vector<bool> din = a.c.dyn(a.value(0)), dout;
    for (int64_t k = 0; k < rank; ++k)
      if (!std::count(axes.begin(), axes.end(), k)) dout.push_back(din[size_t(k)]);
    a.c.dyn(a.n.outputs[0]) = dout;
  };
  t["unsqueeze"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1), a.rank(0) + 1);
    a.c.op("Unsqueeze", {a.in(0), a.c.ints({dim})}, {}, {a.out()});
    std::vector<bool> d = a.c.dyn(a.value(0));
    d.insert(d.begin() + dim, false);
    a.c.dyn(a.n.outputs[0]) = d;
  };

  // ---- permutations
  t["transpose"] = [](N a) { transpose(a, swap_perm(a.rank(0), a.i64(1), a.i64(2))); };
  t["t"] = [](N a) {
    if (a.rank(0) < 2) return a.c.alias(a.n.outputs[0], a.in(0));
    transpose(a, {1, 0});
  };
  t["mT"] = [](N a) { transpose(a, swap_perm(a.rank(0), -2, -1)); };
  t["T"] = [](N a) {
    std::vector<int64_t> p;
    for (int64_t k = a.rank(0) - 1; k >= 0; --k) p.push_back(k);
    transpose(a, p);
  };
  t["permute"] = [](N a) { transpose(a, shape_arg(a).to_int_list()); };
  t["movedim"] = [](N a) {
    int64_t rank = a.rank(0);
    std::vector<int64_t> src = a.lit(1).to_int_list(), dst = a.lit(2).to_int_list();
    std::vector<int64_t> perm(size_t(rank), -1);
    std::vector<bool> used(size_t(rank), false);
    for (size_t k = 0; k < src.size(); ++k) {
      perm[size_t(wrap_dim(dst[k], rank))] = wrap_dim(src[k], rank);
      used[size_t(wrap_dim(src[k], rank))] = true;
    }
    int64_t next = 0;
    for (auto& p : perm) {
      if (p >= 0) continue;
      while (used[size_t(next)]) ++next;
      p = next++;
    }
    transpose(a, perm);
  };

  // ---- broadcasting
  t["expand"] = [](N a) {
    const auto& in = a.meta(0).sizes;
    const auto& out = a.out_meta().sizes;
    size_t off = out.size() - in.size();
    std::vector<int64_t> shape(out.begin(), out.end());
    for (size_t k = off; k < out.size(); ++k)
      if (in[k - off] == out[k]) shape[k] = 1;  // keeps the input's own (possibly symbolic) size
    a.c.op("Expand", {a.in(0), a.c.ints(shape)}, {}, {a.out()});
  };
  t["expand_as"] = [](N a) { a.c.op("Expand", {a.in(0), a.c.op("Shape", {a.in(1)})}, {}, {a.out()}); };
  t["broadcast_to"] = t["expand"];
  t["repeat"] = [](N a) {
    std::vector<int64_t> reps = shape_arg(a).to_int_list();
    std::string x = a.in(0);
    int64_t extra = int64_t(reps.size()) - a.rank(0);
    if (extra > 0) {
      std::vector<int64_t> axes;
      for (int64_t k = 0; k < extra; ++k) axes.push_back(k);
      x = a.c.op("Unsqueeze", {x, a.c.ints(axes)});
    }
    a.c.op("Tile", {x, a.c.ints(reps)}, {}, {a.out()});
  };

  // ---- indexing views
  t["select"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1), a.rank(0));
    Tensor idx = full({}, Scalar(a.i64(2)), Dtype::Int64);
    a.c.op("Gather", {a.in(0), a.c.tensor(idx, "index")}, {attr("axis", dim)}, {a.out()});
    remove_dim_dyn(a, dim);
  };
  t["slice"] = [](N a) {
    // slice(input, dim, start, end, step)
    int64_t dim = wrap_dim(a.i64(1), a.rank(0));
    int64_t size = a.meta(0).sizes[size_t(dim)];
    int64_t start = a.i64(2, 0), end = a.has(3) ? a.i64(3) : INT64_MAX, step = a.i64(4, 1);
    if (end >= size) end = INT64_MAX;  // to the end, whatever the size at run time
    a.c.op("Slice", {a.in(0), a.c.ints({start}), a.c.ints({end}), a.c.ints({dim}), a.c.ints({step})}, {}, {a.out()});
    std::vector<bool> d = a.c.dyn(a.value(0));
    if (end != INT64_MAX || start != 0 || step != 1) d[size_t(dim)] = false;
    a.c.dyn(a.n.outputs[0]) = d;
  };
  t["narrow"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1), a.rank(0));
    int64_t start = a.i64(2), len = a.i64(3);
    if (start < 0) start += a.meta(0).sizes[size_t(dim)];
    a.c.op("Slice", {a.in(0), a.c.ints({start}), a.c.ints({start + len}), a.c.ints({dim})}, {}, {a.out()});
  };
  t["index"] = [](N a) {
    // index(input, [index or None per dim]): one integer index tensor -> Gather
    std::vector<const jit::Value*> idx = a.list(1);
    int64_t dim = -1;
    for (size_t k = 0; k < idx.size(); ++k) {
      if (!idx[k]) continue;
      if (dim >= 0) a.fail("indexing with more than one index tensor is not supported by the exporter");
      dim = int64_t(k);
    }
    if (dim < 0) return a.c.alias(a.n.outputs[0], a.in(0));
    const jit::Value* v = idx[size_t(dim)];
    Dtype d = v->meta.dtype;
    if (d == Dtype::Bool || d == Dtype::UInt8) a.fail("boolean mask indexing is not supported by the exporter");
    a.c.op("Gather", {a.in(0), a.c.cast(a.c.name(v), d, Dtype::Int64)}, {attr("axis", dim)}, {a.out()});
  };
  t["index_select"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1), a.rank(0));
    a.c.op("Gather", {a.in(0), a.c.cast(a.in(2), a.meta(2).dtype, Dtype::Int64)}, {attr("axis", dim)}, {a.out()});
  };
  t["gather"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1), a.rank(0));
    a.c.op("GatherElements", {a.in(0), a.in(2)}, {attr("axis", dim)}, {a.out()});
  };
  t["flip"] = [](N a) {
    std::vector<int64_t> dims = shape_arg(a).to_int_list();
    std::vector<int64_t> starts, ends, steps;
    for (auto& d : dims) {
      d = wrap_dim(d, a.rank(0));
      starts.push_back(-1);
      ends.push_back(INT64_MIN);
      steps.push_back(-1);
    }
    a.c.op("Slice", {a.in(0), a.c.ints(starts), a.c.ints(ends), a.c.ints(dims), a.c.ints(steps)}, {}, {a.out()});
  };
  for (auto [name, upper] : {std::pair<const char*, int64_t>{"tril", 0}, {"triu", 1}})
    t[name] = [upper = upper](N a) {
      if (a.c.opset < 14) a.fail("needs opset 14 or later (Trilu)");
      Tensor k = full({}, Scalar(a.i64(1, 0)), Dtype::Int64);
      a.c.op("Trilu", {a.in(0), a.c.tensor(k, "k")}, {attr("upper", upper)}, {a.out()});
    };

  // ---- joining and splitting
  t["cat"] = [](N a) {
    std::vector<std::string> ins;
    Dtype d = a.out_dtype();
    int64_t rank = int64_t(a.out_meta().sizes.size());
    for (const jit::Value* v : a.list(0)) {
      if (v->meta.sizes.size() == 1 && v->meta.sizes[0] == 0 && rank != 1) continue;  // torch skips empty 1-D inputs
      ins.push_back(a.c.cast(a.c.name(v), v->meta.dtype, d));
    }
    a.c.op("Concat", ins, {attr("axis", wrap_dim(a.i64(1, 0), rank))}, {a.out()});
  };
  t["stack"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1, 0), int64_t(a.out_meta().sizes.size()));
    std::vector<std::string> ins;
    Dtype d = a.out_dtype();
    for (const jit::Value* v : a.list(0))
      ins.push_back(a.c.op("Unsqueeze", {a.c.cast(a.c.name(v), v->meta.dtype, d), a.c.ints({dim})}));
    a.c.op("Concat", ins, {attr("axis", dim)}, {a.out()});
  };
  t["split"] = [](N a) { split_outputs(a, a.i64(2, 0)); };
  t["split_with_sizes"] = t["split"];
  t["chunk"] = t["split"];
  t["tensor_split"] = t["split"];
  t["unbind"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1, 0), a.rank(0));
    std::vector<int64_t> ones(a.n.outputs.size(), 1);
    auto parts = a.c.op_n("Split", {a.in(0), a.c.ints(ones)}, a.n.outputs.size(), {attr("axis", dim)});
    for (size_t k = 0; k < parts.size(); ++k) a.c.op("Squeeze", {parts[k], a.c.ints({dim})}, {}, {a.out(k)});
  };
}

const ConverterTable& converters() {
  static const ConverterTable table = [] {
    ConverterTable t;
    add_elementwise_converters(t);
    add_layer_converters(t);
    add_shape_converters(t);
    add_rnn_converters(t);
    return t;
  }();
  return table;
}

}  // namespace ember::onnx
