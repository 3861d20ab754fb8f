// float32 convolutions through oneDNN, when ember is built with it. oneDNN picks
// blocked layouts and JIT kernels for the machine (AVX-512 where present), which
// OpenBLAS-backed im2col cannot match on small channel counts. User buffers stay
// in torch's plain layouts; reorders move data to and from what oneDNN prefers.
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/cpu/conv_kernels.h"

#if EMBER_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>

extern "C" void omp_set_num_threads(int) __attribute__((weak));
extern "C" int omp_get_max_threads() __attribute__((weak));
#endif

namespace ember::cpu {

#if EMBER_HAVE_DNNL
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

bool enabled() {
  static const bool on = [] {
    const char* v = std::getenv("EMBER_DNNL");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return on;
}

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// The geometry in oneDNN's terms. Right padding is what makes the output size exact
// (it may be smaller than the left one when the last window does not reach the end).
struct Descs {
  memory::dims src, wei, dst, strides, dil, pl, pr;
  tag src_tag, wei_tag;
};

Descs descs(const ConvGeom& g) {
  Descs d;
  const int off = 3 - g.nd;
  d.src = {g.N, g.C_in};
  d.dst = {g.N, g.C_out};
  d.wei = g.groups > 1 ? memory::dims{g.groups, g.cout_g(), g.cin_g()} : memory::dims{g.C_out, g.cin_g()};
  for (int i = off; i < 3; ++i) {
    d.src.push_back(g.in[i]);
    d.dst.push_back(g.out[i]);
    d.wei.push_back(g.k[i]);
    d.strides.push_back(g.stride[i]);
    d.dil.push_back(g.dil[i] - 1);
    d.pl.push_back(g.pad[i]);
    d.pr.push_back((g.out[i] - 1) * g.stride[i] + (g.k[i] - 1) * g.dil[i] + 1 - g.in[i] - g.pad[i]);
  }
  static const tag plain[3] = {tag::ncw, tag::nchw, tag::ncdhw};
  static const tag wplain[3] = {tag::oiw, tag::oihw, tag::oidhw};
  static const tag gplain[3] = {tag::goiw, tag::goihw, tag::goidhw};
  d.src_tag = plain[g.nd - 1];
  d.wei_tag = g.groups > 1 ? gplain[g.nd - 1] : wplain[g.nd - 1];
  return d;
}

memory::desc any(const memory::dims& dims) { return memory::desc(dims, dt::f32, tag::any); }

bool usable(const ConvGeom& g) {
  if (!enabled() || g.nd < 1 || g.nd > 3) return false;
  if (g.N == 0 || g.C_in == 0 || g.C_out == 0) return false;
  for (int i = 0; i < 3; ++i)
    if (g.in[i] == 0 || g.out[i] == 0) return false;
  return true;
}

struct Run {
  Descs d;
  dnnl::stream s{engine()};
  // oneDNN runs on OpenMP threads. It is always given one: the caller splits the batch over
  // ember's own threads, so libgomp never starts a team whose idle threads spin on the cores
  // that ember's pool and OpenBLAS need (that spinning made two threads slower than one).
  // omp_set_num_threads sets the calling thread's own setting; it is put back afterwards, so
  // other OpenMP users on this thread (another library in the process) keep theirs.
  int saved_threads = 0;
  std::vector<Tensor> keep;  // scratch buffers, alive until the run ends
  explicit Run(const ConvGeom& g) : d(descs(g)) {
    if (omp_set_num_threads && omp_get_max_threads) {
      saved_threads = omp_get_max_threads();
      omp_set_num_threads(1);
    }
  }
  ~Run() {
    if (saved_threads > 0) omp_set_num_threads(saved_threads);
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  memory user(const memory::dims& dims, tag t, const void* buf) {
    return memory({dims, dt::f32, t}, engine(), const_cast<void*>(buf));
  }
  // A buffer in oneDNN's layout `d`, from ember's caching allocator: oneDNN's own allocations
  // are fresh mmaps every call, and their page faults cost more than a small convolution.
  memory scratch(const memory::desc& d) {
    keep.push_back(empty({int64_t(d.get_size())}, Dtype::UInt8));
    return memory(d, engine(), keep.back().raw_data());
  }
  // A user buffer in the layout `want`: the buffer itself, or a reordered copy.
  memory as_layout(const memory& user, const memory::desc& want) {
    if (user.get_desc() == want) return user;
    memory m = scratch(want);
    dnnl::reorder(user, m).execute(s, const_cast<memory&>(user), m);
    return m;
  }
  // Where a primitive writes `user`'s result: the buffer itself when the layouts agree.
  memory output(const memory& user, const memory::desc& want) { return user.get_desc() == want ? user : scratch(want); }
  // Output written in oneDNN's layout, then reordered into the user's buffer.
  void finish(memory& out, memory& user_out) {
    if (out.get_desc() != user_out.get_desc()) dnnl::reorder(out, user_out).execute(s, out, user_out);
    s.wait();
  }
};

dnnl::convolution_forward::primitive_desc forward_pd(const Descs& d, bool with_bias) {
  using F = dnnl::convolution_forward;
  if (with_bias) {
    memory::desc b({d.dst[1]}, dt::f32, tag::x);
    return F::primitive_desc(F::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any(d.src),
                                     any(d.wei), b, any(d.dst), d.strides, d.dil, d.pl, d.pr),
                             engine());
  }
  return F::primitive_desc(F::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any(d.src),
                                   any(d.wei), any(d.dst), d.strides, d.dil, d.pl, d.pr),
                           engine());
}

// Primitive descriptors and primitives per geometry, kept per thread: building them costs
// far more than running a small convolution.
using Key = std::vector<int64_t>;
Key key_of(const ConvGeom& g, int64_t kind) {
  Key k{kind, g.nd, g.N, g.C_in, g.C_out, g.groups};
  for (const Dim3* d : {&g.in, &g.out, &g.k, &g.stride, &g.pad, &g.dil}) k.insert(k.end(), d->begin(), d->end());
  return k;
}
template <class Entry, class Make> Entry& cached(const Key& key, Make make) {
  thread_local std::map<Key, Entry> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() >= 64) cache.clear();
  return cache.emplace(key, make()).first->second;
}

struct FwdEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
};
struct BwdDataEntry {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
};
struct BwdWeightEntry {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
};

}  // namespace

bool dnnl_conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  if (!usable(g)) return false;
  try {
    Run r(g);
    auto& e = cached<FwdEntry>(key_of(g, bias ? 1 : 0), [&] {
      auto pd = forward_pd(r.d, bias != nullptr);
      return FwdEntry{pd, dnnl::convolution_forward(pd)};
    });
    auto& pd = e.pd;
    memory xu = r.user(r.d.src, r.d.src_tag, x), wu = r.user(r.d.wei, r.d.wei_tag, w), yu = r.user(r.d.dst, r.d.src_tag, y);
    memory xm = r.as_layout(xu, pd.src_desc()), wm = r.as_layout(wu, pd.weights_desc());
    memory ym = r.output(yu, pd.dst_desc());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}};
    if (bias) args.emplace(DNNL_ARG_BIAS, r.user({g.C_out}, tag::x, bias));
    e.prim.execute(r.s, args);
    r.finish(ym, yu);
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

bool dnnl_conv_backward_input(const ConvGeom& g, const float* y, const float* w, float* x) {
  if (!usable(g)) return false;
  try {
    Run r(g);
    using B = dnnl::convolution_backward_data;
    auto& e = cached<BwdDataEntry>(key_of(g, 2), [&] {
      B::primitive_desc pd(B::desc(dnnl::algorithm::convolution_direct, any(r.d.src), any(r.d.wei), any(r.d.dst),
                                   r.d.strides, r.d.dil, r.d.pl, r.d.pr),
                           engine(), forward_pd(r.d, false));
      return BwdDataEntry{pd, B(pd)};
    });
    auto& pd = e.pd;
    memory yu = r.user(r.d.dst, r.d.src_tag, y), wu = r.user(r.d.wei, r.d.wei_tag, w), xu = r.user(r.d.src, r.d.src_tag, x);
    memory ym = r.as_layout(yu, pd.diff_dst_desc()), wm = r.as_layout(wu, pd.weights_desc());
    memory xm = r.output(xu, pd.diff_src_desc());
    e.prim.execute(r.s, {{DNNL_ARG_DIFF_DST, ym}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, xm}});
    r.finish(xm, xu);
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

bool dnnl_conv_backward_weight(const ConvGeom& g, const float* x, const float* y, float* w) {
  if (!usable(g)) return false;
  try {
    Run r(g);
    using B = dnnl::convolution_backward_weights;
    auto& e = cached<BwdWeightEntry>(key_of(g, 3), [&] {
      B::primitive_desc pd(B::desc(dnnl::algorithm::convolution_direct, any(r.d.src), any(r.d.wei), any(r.d.dst),
                                   r.d.strides, r.d.dil, r.d.pl, r.d.pr),
                           engine(), forward_pd(r.d, false));
      return BwdWeightEntry{pd, B(pd)};
    });
    auto& pd = e.pd;
    memory xu = r.user(r.d.src, r.d.src_tag, x), yu = r.user(r.d.dst, r.d.src_tag, y), wu = r.user(r.d.wei, r.d.wei_tag, w);
    memory xm = r.as_layout(xu, pd.src_desc()), ym = r.as_layout(yu, pd.diff_dst_desc());
    memory wm = r.output(wu, pd.diff_weights_desc());
    e.prim.execute(r.s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, ym}, {DNNL_ARG_DIFF_WEIGHTS, wm}});
    r.finish(wm, wu);
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

#else  // built without oneDNN

bool dnnl_conv_forward(const ConvGeom&, const float*, const float*, const float*, float*) { return false; }
bool dnnl_conv_backward_input(const ConvGeom&, const float*, const float*, float*) { return false; }
bool dnnl_conv_backward_weight(const ConvGeom&, const float*, const float*, float*) { return false; }

#endif

}  // namespace ember::cpu
