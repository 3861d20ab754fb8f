// The fused elementwise kernel: a register program run block by block over
// the broadcast output. The scalar formulas are those of ops/cpu's kernels, so
// a fused chain computes what the same ops compute one by one.
#include "ember/jit/fused_kernel.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "ember/autograd/grad_mode.h"
#include "ember/core/parallel.h"
#include "ember/jit/op_registry.h"
#include "ember/ops/cpu/vec_math.h"

namespace ember::jit {

namespace {

enum class FOp : uint8_t {
  // binary: d = f(a, b)
  Add, Sub, Mul, Div, Maximum, Minimum, Pow,
  // unary: d = f(a; p0, p1, p2)
  Neg, Abs, Square, Relu, Floor, Ceil, Trunc, Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Tan,
  Tanh, Sigmoid, Erf, Erfc, Reciprocal, Silu, Mish, Hardsigmoid, Hardswish, GeluExact, GeluTanh, LeakyRelu, Elu,
  Softplus, ClampBoth, ClampLo, ClampHi, PowScalar, RPowScalar, Threshold,
};

struct Instr {
  FOp op;
  int dst = -1, a = -1, b = -1;
  double p0 = 0, p1 = 0, p2 = 0;
};

struct UnaryName { const char* name; FOp op; };
constexpr UnaryName kUnary[] = {
    {"neg", FOp::Neg},       {"abs", FOp::Abs},         {"square", FOp::Square},   {"relu", FOp::Relu},
    {"floor", FOp::Floor},   {"ceil", FOp::Ceil},       {"trunc", FOp::Trunc},     {"exp", FOp::Exp},
    {"exp2", FOp::Exp2},     {"expm1", FOp::Expm1},     {"log", FOp::Log},         {"log2", FOp::Log2},
    {"log10", FOp::Log10},   {"log1p", FOp::Log1p},     {"sqrt", FOp::Sqrt},       {"rsqrt", FOp::Rsqrt},
    {"sin", FOp::Sin},       {"cos", FOp::Cos},         {"tan", FOp::Tan},         {"tanh", FOp::Tanh},
    {"sigmoid", FOp::Sigmoid}, {"erf", FOp::Erf},       {"erfc", FOp::Erfc},       {"reciprocal", FOp::Reciprocal},
    {"silu", FOp::Silu},     {"mish", FOp::Mish},       {"hardsigmoid", FOp::Hardsigmoid},
    {"hardswish", FOp::Hardswish},
};

const UnaryName* find_unary(const std::string& op) {
  for (const auto& u : kUnary)
    if (op == u.name) return &u;
  return nullptr;
}

bool is_operand(const Arg& a) {
  return a.kind == Arg::Kind::Value || (a.kind == Arg::Kind::Literal && (a.literal.is_double() || a.literal.is_int()));
}
bool is_number(const Arg& a) { return a.kind == Arg::Kind::Literal && (a.literal.is_double() || a.literal.is_int()); }
bool finite_number(const Arg& a) { return is_number(a) && std::isfinite(a.literal.to_double()); }
bool finite_or_absent(const Node& n, size_t i) {
  return i >= n.args.size() || (n.args[i].kind == Arg::Kind::Literal && n.args[i].literal.is_none()) || finite_number(n.args[i]);
}
size_t n_value_args(const Node& n) {
  size_t k = 0;
  for (const Arg& a : n.args) k += a.kind == Arg::Kind::Value;
  return k;
}

}  // namespace

bool is_fusible(const Node& n) {
  if (n.body || n.outputs.size() != 1) return false;
  const auto& a = n.args;
  for (const Arg& x : a)
    if (x.kind == Arg::Kind::ValueList) return false;
  const std::string& op = n.op;
  if (find_unary(op)) return a.size() == 1 && a[0].kind == Arg::Kind::Value;
  if (op == "add" || op == "sub" || op == "rsub")
    return (a.size() == 2 || (a.size() == 3 && is_number(a[2]))) && is_operand(a[0]) && is_operand(a[1]) &&
           n_value_args(n) >= 1;
  if (op == "mul" || op == "maximum" || op == "minimum")
    return a.size() == 2 && is_operand(a[0]) && is_operand(a[1]) && n_value_args(n) >= 1;
  if (op == "div")
    return (a.size() == 2 || (a.size() == 3 && a[2].kind == Arg::Kind::Literal && a[2].literal.is_none())) &&
           is_operand(a[0]) && is_operand(a[1]) && n_value_args(n) >= 1;
  if (op == "pow") return a.size() == 2 && is_operand(a[0]) && is_operand(a[1]) && n_value_args(n) >= 1;
  if (op == "gelu")
    return a[0].kind == Arg::Kind::Value && a.size() <= 2 &&
           (a.size() == 1 || (a[1].literal.is_string() && (a[1].literal.to_string() == "none" || a[1].literal.to_string() == "tanh")));
  if (op == "leaky_relu" || op == "softplus" || op == "elu" || op == "hardtanh" || op == "threshold") {
    if (a.empty() || a[0].kind != Arg::Kind::Value) return false;
    for (size_t i = 1; i < a.size(); ++i)
      if (!finite_number(a[i])) return false;
    if (op == "threshold") return a.size() == 3;
    if (op == "hardtanh") return a.size() <= 3 && (a.size() < 3 || a[1].literal.to_double() <= a[2].literal.to_double());
    return a.size() <= 4;
  }
  if (op == "clamp")
    return a.size() >= 1 && a.size() <= 3 && a[0].kind == Arg::Kind::Value && finite_or_absent(n, 1) &&
           finite_or_absent(n, 2) && !(a.size() < 2 || (a[1].literal.is_none() && (a.size() < 3 || a[2].literal.is_none())));
  if (op == "clamp_min" || op == "clamp_max") return a.size() == 2 && a[0].kind == Arg::Kind::Value && finite_number(a[1]);
  return false;
}

// ---------------------------------------------------------------- compilation

struct FusedProgram {
  int n_inputs = 0;
  std::vector<double> immediates;  // registers n_inputs .. n_inputs + immediates.size()
  int n_regs = 0;
  std::vector<Instr> code;
  int out_reg = -1;
  Dtype dtype = Dtype::Float32;  // the dtype the chain was traced with
  std::vector<const OpSchema*> fallback;  // one per body node
};

std::shared_ptr<const FusedProgram> compile_fused(const Graph& body) {
  auto p = std::make_shared<FusedProgram>();
  EMBER_CHECK(body.outputs().size() == 1, kFusedOp, "a fused body has one output");
  p->n_inputs = int(body.inputs().size());
  std::unordered_map<const Value*, int> reg;
  for (size_t i = 0; i < body.inputs().size(); ++i) reg[body.inputs()[i]] = int(i);
  // immediates first (their registers follow the inputs), then temporaries
  for (const auto& n : body.nodes())
    for (const Arg& a : n->args)
      if (is_number(a)) p->immediates.push_back(a.literal.to_double());
  int next_imm = p->n_inputs;
  int next_tmp = p->n_inputs + int(p->immediates.size());
  auto operand = [&](const Arg& a) -> int {
    if (a.kind == Arg::Kind::Value) {
      auto it = reg.find(a.value);
      EMBER_CHECK(it != reg.end(), kFusedOp, "fused body reads a value it does not define");
      return it->second;
    }
    return next_imm++;
  };
  auto lit = [](const Node& n, size_t i, double dflt) {
    return i < n.args.size() && !n.args[i].literal.is_none() ? n.args[i].literal.to_double() : dflt;
  };
  for (const auto& np : body.nodes()) {
    const Node& n = *np;
    EMBER_CHECK(is_fusible(n), kFusedOp, "op ", n.op, " with these arguments cannot be fused");
    const OpSchema* s = find_op(n.op);
    EMBER_CHECK(s, kFusedOp, "unknown op ", n.op);
    p->fallback.push_back(s);
    Instr in;
    const std::string& op = n.op;
    // operands are read in argument order so immediates match their registers
    if (const UnaryName* u = find_unary(op)) {
      in.op = u->op;
      in.a = operand(n.args[0]);
    } else if (op == "add" || op == "sub") {
      in.op = op == "add" ? FOp::Add : FOp::Sub;
      in.a = operand(n.args[0]);
      in.b = operand(n.args[1]);
      in.p0 = n.args.size() > 2 ? n.args[2].literal.to_double() : 1.0;
      if (n.args.size() > 2) next_imm++;  // alpha is an immediate too (unused as a register)
    } else if (op == "rsub") {  // rsub(a, b, alpha) = b - alpha * a
      in.op = FOp::Sub;
      in.b = operand(n.args[0]);
      in.a = operand(n.args[1]);
      in.p0 = n.args.size() > 2 ? n.args[2].literal.to_double() : 1.0;
      if (n.args.size() > 2) next_imm++;
    } else if (op == "mul" || op == "div" || op == "maximum" || op == "minimum") {
      in.op = op == "mul" ? FOp::Mul : op == "div" ? FOp::Div : op == "maximum" ? FOp::Maximum : FOp::Minimum;
      in.a = operand(n.args[0]);
      in.b = operand(n.args[1]);
    } else if (op == "pow") {
      if (is_number(n.args[1])) {
        in.op = FOp::PowScalar;
        in.a = operand(n.args[0]);
        in.p0 = n.args[1].literal.to_double();
        next_imm++;
      } else if (is_number(n.args[0])) {
        in.op = FOp::RPowScalar;
        in.p0 = n.args[0].literal.to_double();
        next_imm++;
        in.a = operand(n.args[1]);
      } else {
        in.op = FOp::Pow;
        in.a = operand(n.args[0]);
        in.b = operand(n.args[1]);
      }
    } else {
      in.a = operand(n.args[0]);
      for (size_t i = 1; i < n.args.size(); ++i)
        if (is_number(n.args[i])) next_imm++;
      if (op == "gelu") {
        in.op = n.args.size() > 1 && n.args[1].literal.to_string() == "tanh" ? FOp::GeluTanh : FOp::GeluExact;
      } else if (op == "leaky_relu") {
        in.op = FOp::LeakyRelu;
        in.p0 = lit(n, 1, 0.01);
      } else if (op == "softplus") {
        in.op = FOp::Softplus;
        in.p0 = lit(n, 1, 1.0);
        in.p1 = lit(n, 2, 20.0);
      } else if (op == "elu") {
        in.op = FOp::Elu;
        in.p0 = lit(n, 1, 1.0);
        in.p1 = lit(n, 2, 1.0);
        in.p2 = lit(n, 3, 1.0);
      } else if (op == "hardtanh") {
        in.op = FOp::ClampBoth;
        in.p0 = lit(n, 1, -1.0);
        in.p1 = lit(n, 2, 1.0);
      } else if (op == "threshold") {
        in.op = FOp::Threshold;
        in.p0 = lit(n, 1, 0);
        in.p1 = lit(n, 2, 0);
      } else if (op == "clamp" || op == "clamp_min" || op == "clamp_max") {
        bool has_lo = op == "clamp_min" || (op == "clamp" && n.args.size() > 1 && !n.args[1].literal.is_none());
        bool has_hi = op == "clamp_max" || (op == "clamp" && n.args.size() > 2 && !n.args[2].literal.is_none());
        in.op = has_lo && has_hi ? FOp::ClampBoth : has_lo ? FOp::ClampLo : FOp::ClampHi;
        in.p0 = has_lo ? n.args[1].literal.to_double() : 0;
        in.p1 = has_hi ? (op == "clamp_max" ? n.args[1].literal.to_double() : n.args[2].literal.to_double()) : 0;
      } else {
        EMBER_FAIL(kFusedOp, "op ", op, " cannot be fused");
      }
    }
    in.dst = next_tmp++;
    reg[n.outputs.at(0)] = in.dst;
    p->code.push_back(in);
  }
  EMBER_CHECK(!p->code.empty(), kFusedOp, "empty fused body");
  auto it = reg.find(body.outputs()[0]);
  EMBER_CHECK(it != reg.end() && it->second >= p->n_inputs + int(p->immediates.size()), kFusedOp,
              "the fused body's output must be computed by its nodes");
  p->out_reg = it->second;
  p->n_regs = next_tmp;
  if (!body.inputs().empty() && body.inputs()[0]->meta.known) p->dtype = body.inputs()[0]->meta.dtype;
  else if (body.outputs()[0]->meta.known) p->dtype = body.outputs()[0]->meta.dtype;
  return p;
}

// ---------------------------------------------------------------- execution

namespace {

constexpr int64_t kBlock = 256;

template <class C> C sigmoid(C x) { return C(1) / (C(1) + std::exp(-x)); }

// float32: the unary ops with a vector formula, 8 lanes at a time (the eager
// kernels' formulas, so fused and eager results agree bit for bit). False for the others.
bool run_instr_vec(const Instr& in, float* d, const float* x, int64_t n) {
  namespace vec = cpu::vec;
  const __m256 p0 = vec::set(float(in.p0)), p1 = vec::set(float(in.p1)), p2 = vec::set(float(in.p2));
#define VLOOP(expr) vec::map(x, d, n, [=](__m256 v) -> __m256 { return expr; }); return true
  switch (in.op) {
    case FOp::Exp: VLOOP(vec::exp(v));
    case FOp::Expm1: VLOOP(vec::expm1(v));
    case FOp::Log: VLOOP(vec::log(v));
    case FOp::Log1p: VLOOP(vec::log1p(v));
    case FOp::Tanh: VLOOP(vec::tanh(v));
    case FOp::Sigmoid: VLOOP(vec::sigmoid(v));
    case FOp::Erf: VLOOP(vec::erf(v));
    case FOp::Silu: VLOOP(vec::silu(v));
    case FOp::Mish: VLOOP(vec::mish(v));
    case FOp::GeluExact: VLOOP(vec::gelu_erf(v));
    case FOp::GeluTanh: VLOOP(vec::gelu_tanh(v));
    case FOp::Softplus: VLOOP(vec::softplus(v, p0, p1));
    case FOp::Elu: {
      const __m256 alpha_scale = vec::set(float(in.p0) * float(in.p1));
      VLOOP(vec::elu(v, alpha_scale, p1, p2));
    }
    default: return false;
  }
#undef VLOOP
}

template <class C> void run_instr(const Instr& in, C* __restrict d, const C* __restrict x, const C* __restrict y, int64_t n) {
  if constexpr (std::is_same_v<C, float>) {
    if (y == nullptr && run_instr_vec(in, d, x, n)) return;
  }
  const C p0 = C(in.p0), p1 = C(in.p1), p2 = C(in.p2);
#define LOOP1(expr) for (int64_t i = 0; i < n; ++i) { const C v = x[i]; d[i] = (expr); } return
#define LOOP2(expr) for (int64_t i = 0; i < n; ++i) { const C a = x[i], b = y[i]; d[i] = (expr); } return
  switch (in.op) {
    case FOp::Add: if (in.p0 == 1) { LOOP2(C(a + b)); } else { LOOP2(C(a + p0 * b)); }
    case FOp::Sub: if (in.p0 == 1) { LOOP2(C(a - b)); } else { LOOP2(C(a - p0 * b)); }
    case FOp::Mul: LOOP2(C(a * b));
    case FOp::Div: LOOP2(a / b);
    case FOp::Maximum: LOOP2((a != a || b != b) ? a + b : (a > b ? a : b));
    case FOp::Minimum: LOOP2((a != a || b != b) ? a + b : (a < b ? a : b));
    case FOp::Pow: LOOP2(std::pow(a, b));
    case FOp::Neg: LOOP1(C(-v));
    case FOp::Abs: LOOP1(v < 0 ? C(-v) : v);
    case FOp::Square: LOOP1(C(v * v));
    case FOp::Relu: LOOP1(v != v ? v : (v > C(0) ? v : C(0)));
    case FOp::Floor: LOOP1(std::floor(v));
    case FOp::Ceil: LOOP1(std::ceil(v));
    case FOp::Trunc: LOOP1(std::trunc(v));
    case FOp::Exp: LOOP1(std::exp(v));
    case FOp::Exp2: LOOP1(std::exp2(v));
    case FOp::Expm1: LOOP1(std::expm1(v));
    case FOp::Log: LOOP1(std::log(v));
    case FOp::Log2: LOOP1(std::log2(v));
    case FOp::Log10: LOOP1(std::log10(v));
    case FOp::Log1p: LOOP1(std::log1p(v));
    case FOp::Sqrt: LOOP1(std::sqrt(v));
    case FOp::Rsqrt: LOOP1(C(1) / std::sqrt(v));
    case FOp::Sin: LOOP1(std::sin(v));
    case FOp::Cos: LOOP1(std::cos(v));
    case FOp::Tan: LOOP1(std::tan(v));
    case FOp::Tanh: LOOP1(std::tanh(v));
    case FOp::Sigmoid: LOOP1(sigmoid(v));
    case FOp::Erf: LOOP1(std::erf(v));
    case FOp::Erfc: LOOP1(std::erfc(v));
    case FOp::Reciprocal: LOOP1(C(1) / v);
    case FOp::Silu: LOOP1(v / (C(1) + std::exp(-v)));
    case FOp::Mish: LOOP1(v * std::tanh(std::log1p(std::exp(v))));
    case FOp::Hardsigmoid: LOOP1(v <= C(-3) ? C(0) : v >= C(3) ? C(1) : v / C(6) + C(0.5));
    case FOp::Hardswish: LOOP1(v <= C(-3) ? C(0) : v >= C(3) ? v : v * (v + C(3)) / C(6));
    case FOp::GeluExact: LOOP1(C(0.5) * v * (C(1) + std::erf(v * C(M_SQRT1_2))));
    case FOp::GeluTanh: {
      const C k = C(M_SQRT2 * M_2_SQRTPI * 0.5);
      LOOP1(C(0.5) * v * (C(1) + std::tanh(k * (v + C(0.044715) * v * v * v))));
    }
    case FOp::LeakyRelu: LOOP1(v > 0 ? v : v * p0);
    case FOp::Elu: LOOP1(v > 0 ? v * p1 : p0 * p1 * std::expm1(v * p2));
    case FOp::Softplus: LOOP1(v * p0 > p1 ? v : std::log1p(std::exp(v * p0)) / p0);
    case FOp::ClampBoth: LOOP1(v < p0 ? p0 : (v > p1 ? p1 : v));
    case FOp::ClampLo: LOOP1(v < p0 ? p0 : v);
    case FOp::ClampHi: LOOP1(v > p1 ? p1 : v);
    case FOp::Threshold: LOOP1(v > p0 ? v : p1);
    case FOp::PowScalar: {
      if (in.p0 == 2) { LOOP1(v * v); }
      if (in.p0 == 3) { LOOP1(v * v * v); }
      if (in.p0 == 0.5) { LOOP1(std::sqrt(v)); }
      if (in.p0 == -1) { LOOP1(C(1) / v); }
      if (in.p0 == -2) { LOOP1(C(1) / (v * v)); }
      if (in.p0 == 1) { LOOP1(v); }
      LOOP1(std::pow(v, p0));
    }
    case FOp::RPowScalar: LOOP1(std::pow(p0, v));
  }
#undef LOOP1
#undef LOOP2
}

// The output walked in row-major order; dims are coalesced where every operand allows.
struct Geometry {
  std::vector<int64_t> shape;                 // innermost first
  std::vector<std::vector<int64_t>> strides;  // [operand][dim], elements
};

Geometry make_geometry(const Shape& out_shape, const TensorList& inputs) {
  Geometry g;
  const int64_t nd = int64_t(out_shape.size());
  std::vector<std::vector<int64_t>> st(inputs.size(), std::vector<int64_t>(size_t(nd), 0));
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& t = inputs[k];
    int64_t off = nd - t.dim();
    for (int64_t d = 0; d < t.dim(); ++d)
      st[k][size_t(off + d)] = t.sizes()[size_t(d)] == 1 ? 0 : t.strides()[size_t(d)];
  }
  // innermost first, skipping size-1 dims, merging dims contiguous for every operand
  for (int64_t d = nd - 1; d >= 0; --d) {
    int64_t size = out_shape[size_t(d)];
    if (size == 1) continue;
    if (!g.shape.empty()) {
      size_t last = g.shape.size() - 1;
      bool merge = true;
      for (size_t k = 0; k < inputs.size() && merge; ++k)
        merge = st[k][size_t(d)] == g.strides[k][last] * g.shape[last];
      if (merge) {
        g.shape[last] *= size;
        continue;
      }
    }
    g.shape.push_back(size);
    g.strides.resize(inputs.size());
    for (size_t k = 0; k < inputs.size(); ++k) g.strides[k].push_back(st[k][size_t(d)]);
  }
  if (g.shape.empty()) {  // one element
    g.shape.push_back(1);
    g.strides.assign(inputs.size(), std::vector<int64_t>{0});
  }
  if (g.strides.size() < inputs.size()) g.strides.resize(inputs.size(), std::vector<int64_t>(g.shape.size(), 0));
  return g;
}

template <class C> void run_typed(const FusedProgram& p, const TensorList& inputs, Tensor& out) {
  Geometry g = make_geometry(out.sizes(), inputs);
  const int64_t numel = out.numel();
  const int nd = int(g.shape.size());
  const int n_in = p.n_inputs;
  std::vector<const C*> base(static_cast<size_t>(n_in), nullptr);
  for (int k = 0; k < n_in; ++k) base[size_t(k)] = static_cast<const C*>(inputs[size_t(k)].raw_data());
  C* obase = static_cast<C*>(out.raw_data());
  parallel_for(0, numel, kGrainElementwise, [&](int64_t begin, int64_t end) {
    std::vector<C> storage(size_t(p.n_regs) * kBlock);
    std::vector<const C*> regs(size_t(p.n_regs));
    auto buf = [&](int r) { return storage.data() + size_t(r) * kBlock; };
    for (size_t i = 0; i < p.immediates.size(); ++i) {
      C* b = buf(n_in + int(i));
      std::fill(b, b + kBlock, C(p.immediates[i]));
      regs[size_t(n_in) + i] = b;
    }
    std::vector<int64_t> idx(size_t(nd), 0);
    int64_t rem = begin;
    for (int d = 0; d < nd; ++d) { idx[size_t(d)] = rem % g.shape[size_t(d)]; rem /= g.shape[size_t(d)]; }
    std::vector<int64_t> off(size_t(n_in), 0);
    int64_t pos = begin;
    while (pos < end) {
      for (int k = 0; k < n_in; ++k) {
        int64_t o = 0;
        for (int d = 0; d < nd; ++d) o += idx[size_t(d)] * g.strides[size_t(k)][size_t(d)];
        off[size_t(k)] = o;
      }
      const int64_t row = std::min(g.shape[0] - idx[0], end - pos);
      for (int64_t j = 0; j < row; j += kBlock) {
        const int64_t n = std::min(kBlock, row - j);
        for (int k = 0; k < n_in; ++k) {
          const int64_t s = g.strides[size_t(k)][0];
          const C* src = base[size_t(k)] + off[size_t(k)] + j * s;
          if (s == 1) {
            regs[size_t(k)] = src;
          } else {
            C* b = buf(k);
            if (s == 0) std::fill(b, b + n, *src);
            else for (int64_t i = 0; i < n; ++i) b[i] = src[i * s];
            regs[size_t(k)] = b;
          }
        }
        for (const Instr& in : p.code) {
          C* dst = in.dst == p.out_reg ? obase + pos + j : buf(in.dst);
          run_instr<C>(in, dst, regs[size_t(in.a)], in.b >= 0 ? regs[size_t(in.b)] : nullptr, n);
          regs[size_t(in.dst)] = dst;
        }
      }
      pos += row;
      idx[0] += row;
      for (int d = 0; d < nd - 1 && idx[size_t(d)] >= g.shape[size_t(d)]; ++d) {
        idx[size_t(d)] = 0;
        idx[size_t(d) + 1]++;
      }
    }
  });
}

// Op by op, with eager semantics: other dtypes, autograd, empty tensors.
Tensor run_unfused(const FusedProgram& p, const Graph& body, const TensorList& inputs) {
  std::unordered_map<const Value*, Tensor> env;
  for (size_t i = 0; i < body.inputs().size(); ++i) env[body.inputs()[i]] = inputs[i];
  for (size_t k = 0; k < body.nodes().size(); ++k) {
    const Node& n = *body.nodes()[k];
    IValueList args;
    for (const Arg& a : n.args) {
      if (a.kind == Arg::Kind::Value) args.emplace_back(env.at(a.value));
      else args.push_back(a.literal);
    }
    TensorList outs = call_op(*p.fallback[k], args);
    EMBER_CHECK(outs.size() == 1, kFusedOp, n.op, " returned ", outs.size(), " outputs");
    env[n.outputs[0]] = outs[0];
  }
  return env.at(body.outputs()[0]);
}

}  // namespace

Tensor run_fused(const FusedProgram& p, const Graph& body, const TensorList& inputs) {
  EMBER_CHECK(int(inputs.size()) == p.n_inputs, kFusedOp, "expected ", p.n_inputs, " inputs, got ", inputs.size());
  bool fast = p.dtype == Dtype::Float32 || p.dtype == Dtype::Float64;
  bool grad = autograd::grad_enabled();
  Shape shape;
  for (const Tensor& t : inputs) {
    EMBER_CHECK(t.defined(), kFusedOp, "undefined input");
    if (t.dtype() != p.dtype || !t.device().is_cpu() || (grad && t.requires_grad())) fast = false;
    if (fast) shape = broadcast_shapes(shape, t.sizes(), kFusedOp);
  }
  if (!fast) return run_unfused(p, body, inputs);
  int64_t numel = 1;
  for (int64_t s : shape) numel *= s;
  if (numel == 0) return run_unfused(p, body, inputs);
  Tensor out = empty(shape, p.dtype);
  if (p.dtype == Dtype::Float32) run_typed<float>(p, inputs, out);
  else run_typed<double>(p, inputs, out);
  return out;
}

}  // namespace ember::jit
