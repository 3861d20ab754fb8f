// ONNX converters of shape ops and views (reshape, transpose, slicing, cat,
// split ...), copies and dtype conversions, and the converter table.
#include <algorithm>
#include <climits>
#include <optional>

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

std::string shape_str(const Shape& s) {
  std::string r = "(";
  for (size_t k = 0; k < s.size(); ++k) r += (k ? ", " : "") + std::to_string(s[k]);
  return r + (s.size() == 1 ? ",)" : ")");
}

// Where the symbolic factors of a value land after a reshape to `out`. A reshape
// keeps the row-major order, so a factor keeps its place in prefix-product space:
// in dim j (outer prefix O) a factor with `inner` spans (O * outer, O * outer * size].
// nullopt when a factor would be split across dims of the result.
std::optional<std::vector<DimSym>> map_factors(const Shape& in, const std::vector<DimSym>& syms, const Shape& out) {
  std::vector<DimSym> r(out.size());
  std::vector<int64_t> prefix(out.size());
  int64_t q = 1;
  for (size_t k = 0; k < out.size(); ++k) {
    prefix[k] = q;
    q *= out[k];
  }
  int64_t outer_prefix = 1;
  for (size_t j = 0; j < in.size(); ++j) {
    for (const Factor& f : syms[j]) {
      if (in[j] == 0 || f.size * f.inner == 0) return std::nullopt;
      int64_t lo = outer_prefix * (in[j] / (f.size * f.inner)), hi = lo * f.size;
      bool placed = false;
      for (size_t k = 0; k < out.size() && !placed; ++k) {
        if (out[k] == 0 || prefix[k] > lo || lo % prefix[k] != 0 || hi > prefix[k] * out[k]) continue;
        int64_t outer = lo / prefix[k];
        if (out[k] % (outer * f.size) != 0) continue;
        r[k].push_back(Factor{f.size, out[k] / (outer * f.size), f.sym});
        placed = true;
      }
      if (!placed) return std::nullopt;
    }
    outer_prefix *= in[j];
  }
  return r;
}

// The run-time size of a dim holding symbolic factors: their sizes times the fixed rest.
std::string dim_size(Ctx& c, int64_t traced, const DimSym& d) {
  std::string r;
  int64_t fixed = traced;
  for (const Factor& f : d) {
    fixed /= f.size;
    std::string s = c.symbol_size(f.sym);
    r = r.empty() ? s : c.op("Mul", {r, s});
  }
  return fixed == 1 ? r : c.op("Mul", {r, c.ints({fixed})});
}

// Reshape `x` (value arg 0) to the node's output shape. Without symbolic dims the
// target is the traced shape. With them, a result dim that is the input's own dim
// at the same place is written 0 (copy) and a single other symbolic dim -1; when
// more dims hold symbolic sizes, the target is computed at run time from the
// inputs' shapes.
void reshape_to(N a) {
  const jit::Value* x = a.value(0);
  const jit::Value* out = a.n.outputs[0];
  const Shape& in_sizes = x->meta.sizes;
  const Shape& out_sizes = a.out_meta().sizes;
  const std::vector<DimSym> din = a.c.dyn(x);
  std::vector<int64_t> target(out_sizes.begin(), out_sizes.end());
  bool any = false;
  for (const DimSym& d : din) any = any || !d.empty();
  if (!any) {
    a.c.op("Reshape", {a.c.name(x), a.c.ints(target)}, {}, {a.out()});
    return;
  }
  auto m = map_factors(in_sizes, din, out_sizes);
  if (!m)
    a.fail("a reshape from " + shape_str(in_sizes) + " to " + shape_str(out_sizes) +
           " splits a dim named in dynamic_axes; export with fixed sizes for it");
  a.c.dyn(out) = *m;
  std::vector<size_t> computed;
  for (size_t k = 0; k < target.size(); ++k) {
    if ((*m)[k].empty()) continue;
    if (k < in_sizes.size() && in_sizes[k] == out_sizes[k] && din[k] == (*m)[k]) target[k] = 0;
    else computed.push_back(k);
  }
  if (computed.size() == 1) target[computed[0]] = -1;
  if (computed.size() <= 1) {
    a.c.op("Reshape", {a.c.name(x), a.c.ints(target)}, {}, {a.out()});
    return;
  }
  std::vector<std::string> parts;
  for (size_t k = 0; k < target.size(); ++k) {
    bool dynamic = std::count(computed.begin(), computed.end(), k) != 0;
    parts.push_back(dynamic ? dim_size(a.c, out_sizes[k], (*m)[k]) : a.c.ints({target[k]}));
  }
  std::string shape = a.c.op("Concat", parts, {attr("axis", int64_t(0))});
  a.c.op("Reshape", {a.c.name(x), shape}, {}, {a.out()});
}

void transpose(N a, std::vector<int64_t> perm) {
  int64_t rank = a.rank(0);
  for (auto& p : perm) p = wrap_dim(p, rank);
  a.c.op("Transpose", {a.in(0)}, {attr("perm", perm)}, {a.out()});
  const std::vector<DimSym> din = a.c.dyn(a.value(0));
  std::vector<DimSym>& d = a.c.dyn(a.n.outputs[0]);
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
  if (!a.c.dyn(a.value(0))[size_t(dim)].empty()) a.fail("splitting along a dim named in dynamic_axes is not supported");
  std::vector<int64_t> sizes;
  std::vector<std::string> outs;
  for (size_t k = 0; k < a.n.outputs.size(); ++k) {
    sizes.push_back(a.out_meta(k).sizes.at(size_t(dim)));
    outs.push_back(a.out(k));
  }
  a.c.op("Split", {a.in(0), a.c.ints(sizes)}, {attr("axis", dim)}, outs);
}

void remove_dim_dyn(N a, int64_t dim) {
  std::vector<DimSym> d = a.c.dyn(a.value(0));
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
    if (shape_arg(a).is_dtype()) a.fail("view(dtype) is not supported by the exporter");
    reshape_to(a);
  };
  for (const char* name : {"reshape", "unflatten", "flatten", "ravel"}) t[name] = [](N a) { reshape_to(a); };
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
    std::vector<DimSym> din = a.c.dyn(a.value(0)), dout;
    for (int64_t k = 0; k < rank; ++k)
      if (!std::count(axes.begin(), axes.end(), k)) dout.push_back(din[size_t(k)]);
    a.c.dyn(a.n.outputs[0]) = dout;
  };
  t["unsqueeze"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1), a.rank(0) + 1);
    a.c.op("Unsqueeze", {a.in(0), a.c.ints({dim})}, {}, {a.out()});
    std::vector<DimSym> d = a.c.dyn(a.value(0));
    d.insert(d.begin() + dim, DimSym{});
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
    std::vector<DimSym> d = a.c.dyn(a.value(0));
    if (end != INT64_MAX || start != 0 || step != 1) d[size_t(dim)].clear();
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
    if (!a.c.dyn(a.value(0))[size_t(dim)].empty()) a.fail("unbinding a dim named in dynamic_axes is not supported");
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
