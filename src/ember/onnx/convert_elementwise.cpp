// ONNX converters of the elementwise ops (arithmetic, comparisons, unary math,
// activations), reductions, softmax and in-place variants.
#include <cmath>
#include <algorithm>
#include <set>

#include "ember/onnx/convert.h"
#include "ember/ops/ops.h"

namespace ember::onnx {

namespace {

using N = NodeIn&;

// Binary op computed in the result's dtype (torch promotes, ONNX wants equal types).
Converter binary(const char* type) {
  return [type](N a) {
    Dtype d = a.out_dtype();
    a.c.op(type, {a.in(0, d), a.in(1, d)}, {}, {a.out()});
  };
}

Dtype operand_dtype(N a, size_t i0, size_t i1) {
  std::optional<Dtype> d;
  bool float_literal = false;
  for (size_t i : {i0, i1}) {
    if (a.is_value(i)) d = d ? promote_dtypes(*d, a.meta(i).dtype) : a.meta(i).dtype;
    else if (a.lit(i).is_double()) float_literal = true;
  }
  if (!d) return Dtype::Float32;
  if (float_literal && !is_floating(*d)) return Dtype::Float32;
  return *d;
}

Converter compare(const char* type, bool negate = false) {
  return [type, negate](N a) {
    Dtype d = operand_dtype(a, 0, 1);
    if (!negate) {
      a.c.op(type, {a.in(0, d), a.in(1, d)}, {}, {a.out()});
      return;
    }
    a.c.op("Not", {a.c.op(type, {a.in(0, d), a.in(1, d)})}, {}, {a.out()});
  };
}

Converter logical(const char* type) {
  return [type](N a) { a.c.op(type, {a.in(0, Dtype::Bool), a.in(1, Dtype::Bool)}, {}, {a.out()}); };
}

// One ONNX op on the input cast to the result's dtype.
Converter unary(const char* type, std::vector<Attribute> attrs = {}) {
  return [type, attrs](N a) { a.c.op(type, {a.in(0, a.out_dtype())}, attrs, {a.out()}); };
}

// A composite: f(ctx, x, dtype) -> result name, then bound to the output.
using Body = std::string (*)(Ctx&, const std::string&, Dtype, N);
Converter composite(Body f) {
  return [f](N a) {
    Dtype d = a.out_dtype();
    std::string r = f(a.c, a.in(0, d), d, a);
    a.c.alias(a.n.outputs[0], r);
  };
}

std::string trunc_of(Ctx& c, const std::string& x) {
  return c.op("Mul", {c.op("Sign", {x}), c.op("Floor", {c.op("Abs", {x})})});
}

std::string gelu_of(Ctx& c, const std::string& x, Dtype d, bool tanh_approx) {
  if (tanh_approx) {  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    std::string x3 = c.op("Mul", {c.op("Mul", {x, x}), x});
    std::string inner = c.op("Mul", {c.op("Add", {x, c.op("Mul", {x3, c.scalar(0.044715, d)})}),
                                     c.scalar(std::sqrt(2.0 / M_PI), d)});
    return c.op("Mul", {c.op("Mul", {x, c.scalar(0.5, d)}), c.op("Add", {c.op("Tanh", {inner}), c.scalar(1.0, d)})});
  }
  // 0.5 x (1 + erf(x / sqrt(2)))
  std::string e = c.op("Erf", {c.op("Div", {x, c.scalar(std::sqrt(2.0), d)})});
  return c.op("Mul", {c.op("Mul", {x, c.scalar(0.5, d)}), c.op("Add", {e, c.scalar(1.0, d)})});
}

std::string clip(N a, const std::string& x, Dtype d, std::optional<double> lo, std::optional<double> hi) {
  return a.c.op("Clip", {x, lo ? a.c.scalar(*lo, d) : "", hi ? a.c.scalar(*hi, d) : ""});
}

// ---------------------------------------------------------------- reductions

struct Reduce {
  std::vector<int64_t> dims;
  bool keepdim = false;
  std::optional<Dtype> dtype;
};

// sum/mean/...(input, dim=None, keepdim=False, *, dtype=None) in any of the recorded forms.
Reduce reduce_args(N a) {
  Reduce r;
  bool seen = false;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a.is_value(i)) a.fail("a tensor argument where dims were expected");
    const jit::IValue& v = a.lit(i);
    if (v.is_dtype()) r.dtype = v.to_dtype();
    else if (v.is_bool()) r.keepdim = v.to_bool();
    else if (!seen && (v.is_int() || v.is_int_list())) {
      r.dims = v.to_int_list();
      seen = true;
    }
  }
  return r;
}

std::vector<int64_t> norm_dims(N a, std::vector<int64_t> dims, int64_t rank) {
  for (auto& d : dims) d = wrap_dim(d, rank);
  return dims;
}

// The symbolic dims of a reduction's result: the input's, less the reduced ones
// (all when `axes` is empty) unless kept.
void reduce_dyn(N a, std::vector<int64_t> axes, bool keepdim, size_t out = 0) {
  std::vector<DimSym> d = a.c.dyn(a.value(0)), r;
  for (size_t k = 0; k < d.size(); ++k) {
    bool reduced = axes.empty() || std::count(axes.begin(), axes.end(), int64_t(k));
    if (!reduced) r.push_back(d[k]);
    else if (keepdim) r.push_back({});
  }
  if (r.size() == a.n.outputs.at(out)->meta.sizes.size()) a.c.dyn(a.n.outputs[out]) = r;
}

// ReduceSum takes its axes as an input from opset 13, the others as an attribute until 18.
std::string reduce(Ctx& c, const char* type, const std::string& x, const std::vector<int64_t>& axes, bool keepdim) {
  std::vector<Attribute> attrs{attr("keepdims", int64_t(keepdim))};
  if (std::string(type) == "ReduceSum") {
    if (axes.empty()) return c.op(type, {x}, attrs);
    return c.op(type, {x, c.ints(axes)}, attrs);
  }
  if (!axes.empty()) attrs.push_back(attr("axes", axes));
  return c.op(type, {x}, attrs);
}

Converter reduction(const char* type) {
  return [type](N a) {
    Reduce r = reduce_args(a);
    Dtype d = a.out_dtype();
    std::string x = a.in(0, d);
    std::vector<int64_t> axes = norm_dims(a, r.dims, a.rank(0));
    a.c.alias(a.n.outputs[0], reduce(a.c, type, x, axes, r.keepdim));
    reduce_dyn(a, axes, r.keepdim);
  };
}

void moments(N a, bool is_std) {
  // var/std(input, dim=None, unbiased=None, keepdim=False, *, correction=None)
  std::vector<int64_t> dims = a.ints(1);
  double correction = 1;
  if (a.has(2)) correction = a.lit(2).is_bool() ? (a.lit(2).to_bool() ? 1 : 0) : a.lit(2).to_double();
  bool keepdim = a.b(3, false);
  if (a.has(4)) correction = a.f64(4, 1);
  int64_t rank = a.rank(0);
  dims = norm_dims(a, dims, rank);
  int64_t count = 1;
  const auto& sizes = a.meta(0).sizes;
  for (int64_t d = 0; d < rank; ++d)
    if (dims.empty() || std::count(dims.begin(), dims.end(), d)) count *= sizes[size_t(d)];
  Dtype dt = a.out_dtype();
  Ctx& c = a.c;
  std::string x = a.in(0, dt);
  std::string diff = c.op("Sub", {x, reduce(c, "ReduceMean", x, dims, true)});
  std::string ss = reduce(c, "ReduceSum", c.op("Mul", {diff, diff}), dims, keepdim);
  bool symbolic = false;  // a reduced dim named in dynamic_axes: count the elements at run time
  const std::vector<DimSym>& dx = c.dyn(a.value(0));
  for (int64_t k = 0; k < rank; ++k)
    if ((dims.empty() || std::count(dims.begin(), dims.end(), k)) && !dx[size_t(k)].empty()) symbolic = true;
  std::string denom = c.scalar(std::max(0.0, double(count) - correction), dt);
  if (symbolic) {
    std::vector<int64_t> axes = dims;
    if (axes.empty())
      for (int64_t k = 0; k < rank; ++k) axes.push_back(k);
    std::string n = c.op("ReduceProd", {c.op("Gather", {c.op("Shape", {x}), c.ints(axes)}, {attr("axis", int64_t(0))})},
                         {attr("keepdims", int64_t(0))});
    denom = c.op("Max", {c.op("Sub", {c.cast(n, Dtype::Int64, dt), c.scalar(correction, dt)}), c.scalar(0, dt)});
  }
  std::string var = c.op("Div", {ss, denom});
  c.alias(a.n.outputs[0], is_std ? c.op("Sqrt", {var}) : var);
  reduce_dyn(a, dims, keepdim);
}

// ---------------------------------------------------------------- in place

bool is_view_op(const std::string& op) {
  static const std::set<std::string> views = {"view", "reshape", "view_as", "reshape_as", "flatten", "unflatten",
                                              "squeeze", "unsqueeze", "transpose", "t", "T", "mT", "permute",
                                              "expand", "expand_as", "select", "slice", "narrow", "split",
                                              "chunk", "unbind", "diagonal", "as_strided", "movedim", "detach",
                                              "contiguous", "split_with_sizes", "tensor_split", "unfold"};
  return views.count(op) != 0;
}

// x.op_() exports as op(x) when nothing can observe the difference: x is an
// op result that no view shares and that no later node reads.
void check_inplace_safe(N a) {
  if (!a.is_value(0)) a.fail("in-place op on a constant");
  const jit::Value* x = a.value(0);
  if (x->kind != jit::ValueKind::Output)
    a.fail("it writes into " + std::string(jit::value_kind_name(x->kind)) + " " + x->display() +
           "; ONNX graphs cannot mutate inputs or weights (use the out-of-place op)");
  if (x->node && is_view_op(x->node->op)) a.fail("it writes into a view; use the out-of-place op");
  bool after = false;
  for (const auto& np : a.c.graph->nodes()) {
    if (np.get() == &a.n) {
      after = true;
      continue;
    }
    for (const jit::Value* v : np->inputs())
      if (v == x && (after || is_view_op(np->op)))
        a.fail("the tensor it modifies is read elsewhere; use the out-of-place op");
  }
  for (const jit::Value* v : a.c.graph->outputs())
    if (v == x) a.fail("the tensor it modifies is also a graph output; use the out-of-place op");
}

}  // namespace

Dtype promote_dtypes(Dtype a, Dtype b) {
  auto rank = [](Dtype d) {
    switch (d) {
      case Dtype::Bool: return 0;
      case Dtype::UInt8: return 1;
      case Dtype::Int8: return 2;
      case Dtype::Int16: return 3;
      case Dtype::Int32: return 4;
      case Dtype::Int64: return 5;
      case Dtype::Float16: return 6;
      case Dtype::BFloat16: return 7;
      case Dtype::Float32: return 8;
      case Dtype::Float64: return 9;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

void add_elementwise_converters(ConverterTable& t) {
  // ---- arithmetic
  t["add"] = [](N a) {
    Dtype d = a.out_dtype();
    std::string y = a.in(1, d);
    if (a.has(2) && a.lit(2).to_double() != 1.0) y = a.c.op("Mul", {y, a.in(2, d)});
    a.c.op(d == Dtype::Bool ? "Or" : "Add", {a.in(0, d), y}, {}, {a.out()});
  };
  t["sub"] = [](N a) {
    Dtype d = a.out_dtype();
    std::string y = a.in(1, d);
    if (a.has(2) && a.lit(2).to_double() != 1.0) y = a.c.op("Mul", {y, a.in(2, d)});
    a.c.op("Sub", {a.in(0, d), y}, {}, {a.out()});
  };
  t["rsub"] = [](N a) {  // other - alpha * self
    Dtype d = a.out_dtype();
    std::string x = a.in(0, d);
    if (a.has(2) && a.lit(2).to_double() != 1.0) x = a.c.op("Mul", {x, a.in(2, d)});
    a.c.op("Sub", {a.in(1, d), x}, {}, {a.out()});
  };
  t["mul"] = [](N a) {
    Dtype d = a.out_dtype();
    a.c.op(d == Dtype::Bool ? "And" : "Mul", {a.in(0, d), a.in(1, d)}, {}, {a.out()});
  };
  t["div"] = [](N a) {
    Dtype d = a.out_dtype();
    std::string mode = a.has(2) ? a.lit(2).to_string() : "";
    if (mode.empty()) return a.c.op("Div", {a.in(0, d), a.in(1, d)}, {}, {a.out()}), void();
    if (!is_floating(d)) a.fail("rounding_mode='" + mode + "' on integer tensors is not supported by the exporter");
    std::string q = a.c.op("Div", {a.in(0, d), a.in(1, d)});
    a.c.alias(a.n.outputs[0], mode == "floor" ? a.c.op("Floor", {q}) : trunc_of(a.c, q));
  };
  t["floor_divide"] = [](N a) {
    Dtype d = a.out_dtype();
    if (!is_floating(d)) a.fail("integer floor division is not supported by the exporter");
    a.c.op("Floor", {a.c.op("Div", {a.in(0, d), a.in(1, d)})}, {}, {a.out()});
  };
  t["remainder"] = [](N a) {  // Python's sign convention: a - floor(a / b) * b
    Dtype d = a.out_dtype();
    if (!is_floating(d)) return a.c.op("Mod", {a.in(0, d), a.in(1, d)}, {}, {a.out()}), void();
    std::string x = a.in(0, d), y = a.in(1, d);
    a.c.op("Sub", {x, a.c.op("Mul", {a.c.op("Floor", {a.c.op("Div", {x, y})}), y})}, {}, {a.out()});
  };
  t["fmod"] = [](N a) {
    Dtype d = a.out_dtype();
    a.c.op("Mod", {a.in(0, d), a.in(1, d)}, {attr("fmod", int64_t(1))}, {a.out()});
  };
  t["pow"] = binary("Pow");
  t["maximum"] = binary("Max");
  t["minimum"] = binary("Min");
  t["eq"] = compare("Equal");
  t["ne"] = compare("Equal", true);
  t["lt"] = compare("Less");
  t["le"] = compare("LessOrEqual");
  t["gt"] = compare("Greater");
  t["ge"] = compare("GreaterOrEqual");
  t["logical_and"] = logical("And");
  t["logical_or"] = logical("Or");
  t["logical_xor"] = logical("Xor");
  t["logical_not"] = [](N a) { a.c.op("Not", {a.in(0, Dtype::Bool)}, {}, {a.out()}); };
  t["__invert__"] = [](N a) {
    if (a.meta(0).dtype != Dtype::Bool) a.fail("bitwise not is not supported by the exporter");
    a.c.op("Not", {a.in(0)}, {}, {a.out()});
  };
  t["where"] = [](N a) {
    if (a.size() < 3) a.fail("where(condition) (nonzero) is not supported by the exporter");
    Dtype d = a.out_dtype();
    a.c.op("Where", {a.in(0, Dtype::Bool), a.in(1, d), a.in(2, d)}, {}, {a.out()});
  };
  t["masked_fill"] = [](N a) {
    Dtype d = a.out_dtype();
    a.c.op("Where", {a.in(1, Dtype::Bool), a.in(2, d), a.in(0, d)}, {}, {a.out()});
  };
  t["clamp"] = [](N a) {
    Dtype d = a.out_dtype();
    if (a.is_value(1) || a.is_value(2)) {
      std::string x = a.in(0, d);
      if (a.has(1)) x = a.c.op("Max", {x, a.in(1, d)});
      if (a.has(2)) x = a.c.op("Min", {x, a.in(2, d)});
      return a.c.alias(a.n.outputs[0], x);
    }
    std::optional<double> lo, hi;
    if (a.has(1)) lo = a.lit(1).to_double();
    if (a.has(2)) hi = a.lit(2).to_double();
    a.c.alias(a.n.outputs[0], clip(a, a.in(0, d), d, lo, hi));
  };
  t["clamp_min"] = [](N a) { a.c.alias(a.n.outputs[0], clip(a, a.in(0, a.out_dtype()), a.out_dtype(), a.f64(1, 0), {})); };
  t["clamp_max"] = [](N a) { a.c.alias(a.n.outputs[0], clip(a, a.in(0, a.out_dtype()), a.out_dtype(), {}, a.f64(1, 0))); };
  t["hardtanh"] = [](N a) {
    a.c.alias(a.n.outputs[0], clip(a, a.in(0, a.out_dtype()), a.out_dtype(), a.f64(1, -1), a.f64(2, 1)));
  };
  t["relu6"] = [](N a) { a.c.alias(a.n.outputs[0], clip(a, a.in(0, a.out_dtype()), a.out_dtype(), 0.0, 6.0)); };

  // ---- unary math
  const std::pair<const char*, const char*> simple[] = {
      {"neg", "Neg"},   {"abs", "Abs"},     {"exp", "Exp"},         {"log", "Log"},       {"sqrt", "Sqrt"},
      {"sin", "Sin"},   {"cos", "Cos"},     {"tan", "Tan"},         {"asin", "Asin"},     {"acos", "Acos"},
      {"atan", "Atan"}, {"sinh", "Sinh"},   {"cosh", "Cosh"},       {"asinh", "Asinh"},   {"acosh", "Acosh"},
      {"atanh", "Atanh"}, {"tanh", "Tanh"}, {"sigmoid", "Sigmoid"}, {"erf", "Erf"},       {"floor", "Floor"},
      {"ceil", "Ceil"}, {"relu", "Relu"},   {"sign", "Sign"},       {"sgn", "Sign"},      {"reciprocal", "Reciprocal"},
      {"softsign", "Softsign"}, {"positive", "Identity"}};
  for (auto [name, type] : simple) t[name] = unary(type);
  t["isnan"] = [](N a) { a.c.op("IsNaN", {a.in(0)}, {}, {a.out()}); };
  t["isinf"] = [](N a) { a.c.op("IsInf", {a.in(0)}, {}, {a.out()}); };
  t["round"] = [](N a) {
    if (a.i64(1, 0) != 0) a.fail("round with decimals is not supported by the exporter");
    a.c.op("Round", {a.in(0)}, {}, {a.out()});
  };
  t["rsqrt"] = composite([](Ctx& c, const std::string& x, Dtype, N) { return c.op("Reciprocal", {c.op("Sqrt", {x})}); });
  t["log1p"] = composite([](Ctx& c, const std::string& x, Dtype d, N) { return c.op("Log", {c.op("Add", {x, c.scalar(1, d)})}); });
  t["expm1"] = composite([](Ctx& c, const std::string& x, Dtype d, N) { return c.op("Sub", {c.op("Exp", {x}), c.scalar(1, d)}); });
  t["log2"] = composite([](Ctx& c, const std::string& x, Dtype d, N) { return c.op("Div", {c.op("Log", {x}), c.scalar(std::log(2.0), d)}); });
  t["log10"] = composite([](Ctx& c, const std::string& x, Dtype d, N) { return c.op("Div", {c.op("Log", {x}), c.scalar(std::log(10.0), d)}); });
  t["exp2"] = composite([](Ctx& c, const std::string& x, Dtype d, N) { return c.op("Pow", {c.scalar(2, d), x}); });
  t["square"] = composite([](Ctx& c, const std::string& x, Dtype, N) { return c.op("Mul", {x, x}); });
  t["trunc"] = composite([](Ctx& c, const std::string& x, Dtype, N) { return trunc_of(c, x); });
  t["frac"] = composite([](Ctx& c, const std::string& x, Dtype, N) { return c.op("Sub", {x, trunc_of(c, x)}); });
  t["erfc"] = composite([](Ctx& c, const std::string& x, Dtype d, N) { return c.op("Sub", {c.scalar(1, d), c.op("Erf", {x})}); });

  // ---- activations
  t["silu"] = composite([](Ctx& c, const std::string& x, Dtype, N) { return c.op("Mul", {x, c.op("Sigmoid", {x})}); });
  t["mish"] = composite([](Ctx& c, const std::string& x, Dtype, N) {
    return c.op("Mul", {x, c.op("Tanh", {c.op("Softplus", {x})})});
  });
  t["hardsigmoid"] = unary("HardSigmoid", {attr("alpha", 1.0 / 6), attr("beta", 0.5)});
  t["hardswish"] = composite([](Ctx& c, const std::string& x, Dtype, N) {
    if (c.opset >= 14) return c.op("HardSwish", {x});
    return c.op("Mul", {x, c.op("HardSigmoid", {x}, {attr("alpha", 1.0 / 6), attr("beta", 0.5)})});
  });
  t["selu"] = unary("Selu", {attr("alpha", 1.6732632423543772848170429916717),
                              attr("gamma", 1.0507009873554804934193349852946)});
  t["celu"] = [](N a) { a.c.op("Celu", {a.in(0, a.out_dtype())}, {attr("alpha", a.f64(1, 1.0))}, {a.out()}); };
  t["elu"] = [](N a) {
    if (a.f64(2, 1.0) != 1.0 || a.f64(3, 1.0) != 1.0) a.fail("elu with scale or input_scale is not supported by the exporter");
    a.c.op("Elu", {a.in(0, a.out_dtype())}, {attr("alpha", a.f64(1, 1.0))}, {a.out()});
  };
  t["leaky_relu"] = [](N a) { a.c.op("LeakyRelu", {a.in(0, a.out_dtype())}, {attr("alpha", a.f64(1, 0.01))}, {a.out()}); };
  t["gelu"] = composite([](Ctx& c, const std::string& x, Dtype d, N a) {
    std::string approx = a.has(1) ? a.lit(1).to_string() : "none";
    return gelu_of(c, x, d, approx == "tanh");
  });
  t["softplus"] = composite([](Ctx& c, const std::string& x, Dtype d, N a) {
    double beta = a.f64(1, 1.0);  // the threshold only avoids overflow: log1p(exp(x)) == x there in float
    if (beta == 1.0) return c.op("Softplus", {x});
    return c.op("Div", {c.op("Softplus", {c.op("Mul", {x, c.scalar(beta, d)})}), c.scalar(beta, d)});
  });
  t["logsigmoid"] = composite([](Ctx& c, const std::string& x, Dtype, N) {
    return c.op("Neg", {c.op("Softplus", {c.op("Neg", {x})})});
  });
  t["tanhshrink"] = composite([](Ctx& c, const std::string& x, Dtype, N) { return c.op("Sub", {x, c.op("Tanh", {x})}); });
  t["hardshrink"] = [](N a) {
    a.c.op("Shrink", {a.in(0, a.out_dtype())}, {attr("lambd", a.f64(1, 0.5)), attr("bias", 0.0)}, {a.out()});
  };
  t["softshrink"] = [](N a) {
    double l = a.f64(1, 0.5);
    a.c.op("Shrink", {a.in(0, a.out_dtype())}, {attr("lambd", l), attr("bias", l)}, {a.out()});
  };
  t["threshold"] = [](N a) {
    Dtype d = a.out_dtype();
    std::string x = a.in(0, d);
    a.c.op("Where", {a.c.op("Greater", {x, a.c.scalar(a.f64(1, 0), d)}), x, a.c.scalar(a.f64(2, 0), d)}, {}, {a.out()});
  };
  t["prelu"] = [](N a) {
    Dtype d = a.out_dtype();
    std::string w = a.in(1, d);
    int64_t rank = a.rank(0);
    if (rank >= 2 && a.meta(1).sizes.size() == 1 && a.meta(1).sizes[0] > 1) {  // per channel (dim 1)
      std::vector<int64_t> shape{a.meta(1).sizes[0]};
      for (int64_t k = 2; k < rank; ++k) shape.push_back(1);
      w = a.c.op("Reshape", {w, a.c.ints(shape)});
    }
    a.c.op("PRelu", {a.in(0, d), w}, {}, {a.out()});
  };
  t["glu"] = [](N a) {
    int64_t dim = wrap_dim(a.i64(1, -1), a.rank(0));
    int64_t half = a.meta(0).sizes[size_t(dim)] / 2;
    auto parts = a.c.op_n("Split", {a.in(0), a.c.ints({half, half})}, 2, {attr("axis", dim)});
    a.c.op("Mul", {parts[0], a.c.op("Sigmoid", {parts[1]})}, {}, {a.out()});
  };

  // ---- softmax and reductions
  t["softmax"] = [](N a) {
    Dtype d = a.out_dtype();
    a.c.op("Softmax", {a.in(0, d)}, {attr("axis", a.i64(1))}, {a.out()});
  };
  t["log_softmax"] = [](N a) {
    Dtype d = a.out_dtype();
    a.c.op("LogSoftmax", {a.in(0, d)}, {attr("axis", a.i64(1))}, {a.out()});
  };
  t["sum"] = reduction("ReduceSum");
  t["mean"] = reduction("ReduceMean");
  t["amax"] = reduction("ReduceMax");
  t["amin"] = reduction("ReduceMin");
  t["logsumexp"] = reduction("ReduceLogSumExp");
  t["prod"] = [](N a) {
    std::vector<int64_t> axes;
    if (a.has(1)) axes = {wrap_dim(a.i64(1), a.rank(0))};
    a.c.alias(a.n.outputs[0], reduce(a.c, "ReduceProd", a.in(0, a.out_dtype()), axes, a.b(2, false)));
    reduce_dyn(a, axes, a.b(2, false));
  };
  for (auto [name, rtype, atype] : {std::tuple<const char*, const char*, const char*>{"max", "ReduceMax", "ArgMax"},
                                    {"min", "ReduceMin", "ArgMin"}}) {
    t[name] = [rtype = rtype, atype = atype, name = name](N a) {
      if (a.size() == 1) return a.c.alias(a.n.outputs[0], reduce(a.c, rtype, a.in(0), {}, false));
      if (a.is_value(1)) {
        Dtype d = a.out_dtype();
        return a.c.op(std::string(name) == "max" ? "Max" : "Min", {a.in(0, d), a.in(1, d)}, {}, {a.out()}), void();
      }
      int64_t dim = wrap_dim(a.i64(1), a.rank(0));
      bool keep = a.b(2, false);
      a.c.alias(a.n.outputs[0], reduce(a.c, rtype, a.in(0), {dim}, keep));
      reduce_dyn(a, {dim}, keep);
      if (a.n.outputs.size() > 1) {
        a.c.op(atype, {a.in(0)}, {attr("axis", dim), attr("keepdims", int64_t(keep))}, {a.out(1)});
        reduce_dyn(a, {dim}, keep, 1);
      }
    };
  }
  for (auto [name, type] : {std::pair<const char*, const char*>{"argmax", "ArgMax"}, {"argmin", "ArgMin"}}) {
    t[name] = [type = type](N a) {
      std::string x = a.in(0);
      int64_t dim = 0;
      if (!a.has(1)) x = a.c.op("Reshape", {x, a.c.ints({-1})});
      else dim = wrap_dim(a.i64(1), a.rank(0));
      bool keep = a.has(1) && a.b(2, false);
      a.c.op(type, {x}, {attr("axis", dim), attr("keepdims", int64_t(keep))}, {a.out()});
      if (a.has(1)) reduce_dyn(a, {dim}, keep);
    };
  }
  t["var"] = [](N a) { moments(a, false); };
  t["std"] = [](N a) { moments(a, true); };
  t["norm"] = [](N a) {
    std::vector<int64_t> dims = norm_dims(a, a.ints(2), a.rank(0));
    bool keep = a.b(3, false);
    Dtype d = a.out_dtype();
    std::string x = a.in(0, d);
    reduce_dyn(a, dims, keep);
    const jit::IValue& p = a.lit(1);
    double pv = p.is_none() || p.is_string() ? 2.0 : p.to_double();
    if (p.is_string() && p.to_string() != "fro") a.fail("norm with p='" + p.to_string() + "' is not supported by the exporter");
    if (pv == 2.0) return a.c.alias(a.n.outputs[0], reduce(a.c, "ReduceL2", x, dims, keep));
    if (pv == 1.0) return a.c.alias(a.n.outputs[0], reduce(a.c, "ReduceL1", x, dims, keep));
    if (std::isinf(pv)) return a.c.alias(a.n.outputs[0], reduce(a.c, pv > 0 ? "ReduceMax" : "ReduceMin", a.c.op("Abs", {x}), dims, keep));
    a.fail("norm with p=" + std::to_string(pv) + " is not supported by the exporter");
  };
  t["cumsum"] = [](N a) {
    Dtype d = a.out_dtype();
    Tensor axis = full({}, Scalar(a.i64(1)), Dtype::Int64);
    a.c.op("CumSum", {a.in(0, d), a.c.tensor(axis, "axis")}, {}, {a.out()});
  };
  t["einsum"] = [](N a) {
    std::vector<std::string> ins;
    for (const jit::Value* v : a.list(1)) ins.push_back(a.c.name(v));
    std::string eq;
    for (char ch : a.lit(0).to_string())
      if (ch != ' ') eq.push_back(ch);
    a.c.op("Einsum", ins, {attr("equation", eq)}, {a.out()});
  };

  // ---- in-place variants of the above: exported out of place when that is unobservable
  std::vector<std::pair<std::string, Converter>> inplace;
  for (const auto& [name, fn] : t)
    if (!name.empty() && name.back() != '_') inplace.push_back({name + "_", fn});
  for (auto& [name, fn] : inplace)
    t[name] = [fn = fn](N a) {
      check_inplace_safe(a);
      fn(a);
    };
}

}  // namespace ember::onnx
