// Registry entries of the layer ops: normalization, losses, dropout,
// embeddings (python/src/ops_nn.cpp), linear algebra, and the convolution,
// pooling and resampling family.
#include "ember/jit/op_registry.h"

namespace ember::jit {

namespace {

using T = TensorList;
using A = const Args&;

Shape lengths(A a, size_t i) {
  if (a.is_tensor(i)) {
    Tensor t = contiguous(to_dtype(a.tensor(i).detach(), Dtype::Int64));
    const int64_t* p = t.data_ptr<int64_t>();
    return Shape(p, p + t.numel());
  }
  return a.shape(i);
}

Scalar one() { return Scalar(int64_t(1)); }

// ---------------------------------------------------------------- convolution family
// The convolution/pooling ops are declared by their family in ops.h. These
// entries are templates on the tensor type so that the calls inside are
// resolved (by argument-dependent lookup) only where the family exists: until
// it is merged, `kHasConv` is false and the entries are simply absent.
template <class Tn>
concept HasConvFamily = requires(const Tn& t, const Shape& s) {
  conv2d(t, t, t, s, s, s, int64_t(1));
  conv_transpose2d(t, t, t, s, s, s, int64_t(1), s);
  max_pool2d_with_indices(t, s, s, s, s, false);
  avg_pool2d(t, s, s, s, false, true, std::optional<int64_t>());
  adaptive_avg_pool2d(t, s);
  adaptive_max_pool2d(t, s);
  interpolate(t, std::optional<Shape>(), std::optional<std::vector<double>>(), std::string(), std::optional<bool>(),
              std::optional<bool>(), false);
  pixel_shuffle(t, int64_t(1));
};

template <class Tn> Tn pad_input(const Tn& x, const Shape& p) { return ember::pad(x, p, "constant", 0.0); }

// padding="same"/"valid": torch pads symmetrically, and an odd total padding
// puts the extra element on the right (by padding the input first).
template <class Tn> std::pair<Tn, Shape> string_padding(const Tn& x, const Tn& w, const std::string& mode, const Shape& dilation,
                                                        int nd) {
  if (mode == "valid") return {x, Shape(size_t(nd), 0)};
  EMBER_CHECK(mode == "same", "conv", "Invalid padding string '", mode, "'");
  Shape pad(static_cast<size_t>(nd), 0), extra;
  bool asym = false;
  for (int d = 0; d < nd; ++d) {
    int64_t dil = dilation.size() == 1 ? dilation[0] : dilation.at(size_t(d));
    int64_t total = dil * (w.size(w.dim() - nd + d) - 1);
    pad[size_t(d)] = total / 2;
    if (total % 2) asym = true;
  }
  if (!asym) return {x, pad};
  // F.pad order: last dim first, (left, right) pairs
  for (int d = nd - 1; d >= 0; --d) {
    int64_t dil = dilation.size() == 1 ? dilation[0] : dilation.at(size_t(d));
    int64_t total = dil * (w.size(w.dim() - nd + d) - 1);
    extra.push_back(0);
    extra.push_back(total % 2);
  }
  return {pad_input(x, extra), pad};
}

template <class Tn> TensorList with_indices(std::pair<Tn, Tn> r, bool return_indices) {
  if (return_indices) return {r.first, r.second};
  return {r.first};
}

template <class Tn> std::optional<std::vector<double>> scales(A a, size_t i) {
  if (!a.has(i)) return std::nullopt;
  const IValue& v = a[i];
  if (v.is_double_list()) return v.to_double_list();
  if (v.is_int_list()) {
    std::vector<double> out;
    for (int64_t x : v.to_int_list()) out.push_back(double(x));
    return out;
  }
  return std::vector<double>{v.to_double()};
}

template <class Tn> void register_conv_family(Registry& r) {
  if constexpr (HasConvFamily<Tn>) {
#define EMBER_REG_CONV(name, nd)                                                                                  \
    r.add(#name, [](A a) -> T {                                                                                   \
      Tn x = a.tensor(0), w = a.tensor(1), b = a.opt_tensor(2);                                                   \
      Shape stride = a.shape(3), dilation = a.shape(5);                                                           \
      if (a[4].is_string()) {                                                                                     \
        auto [xp, pad] = string_padding<Tn>(x, w, a.s(4), dilation, nd);                                          \
        return {name(xp, w, b, stride, pad, dilation, a.i(6))};                                                   \
      }                                                                                                           \
      return {name(x, w, b, stride, a.shape(4), dilation, a.i(6))};                                               \
    });
    EMBER_REG_CONV(conv1d, 1)
    EMBER_REG_CONV(conv2d, 2)
    EMBER_REG_CONV(conv3d, 3)
#undef EMBER_REG_CONV
#define EMBER_REG_CONV_T(name)                                                                                    \
    r.add(#name, [](A a) -> T {                                                                                   \
      Tn x = a.tensor(0);                                                                                         \
      return {name(x, a.tensor(1), a.opt_tensor(2), a.shape(3), a.shape(4), a.shape(5), a.i(6), a.shape(7))};      \
    });
    EMBER_REG_CONV_T(conv_transpose1d)
    EMBER_REG_CONV_T(conv_transpose2d)
    EMBER_REG_CONV_T(conv_transpose3d)
#undef EMBER_REG_CONV_T
#define EMBER_REG_MAXPOOL(nd)                                                                                     \
    r.add("max_pool" #nd "d", [](A a) -> T {                                                                      \
      Tn x = a.tensor(0);                                                                                         \
      auto res = max_pool##nd##d_with_indices(x, a.shape(1), a.dims(2), a.shape(3), a.shape(4), a.b(5, false));  \
      return with_indices<Tn>(res, a.b(6, false));                                                                \
    });                                                                                                           \
    r.add("max_pool" #nd "d_with_indices", [](A a) -> T {                                                         \
      Tn x = a.tensor(0);                                                                                         \
      return with_indices<Tn>(max_pool##nd##d_with_indices(x, a.shape(1), a.dims(2), a.shape(3), a.shape(4),     \
                                                           a.b(5, false)), true);                                 \
    });                                                                                                           \
    r.add("adaptive_avg_pool" #nd "d", [](A a) -> T {                                                             \
      Tn x = a.tensor(0);                                                                                         \
      Shape s = a.shape(1);                                                                                       \
      if (s.size() == 1 && nd > 1) s = Shape(nd, s[0]);                                                           \
      return {adaptive_avg_pool##nd##d(x, s)};                                                                    \
    });                                                                                                           \
    r.add("adaptive_max_pool" #nd "d", [](A a) -> T {                                                             \
      Tn x = a.tensor(0);                                                                                         \
      Shape s = a.shape(1);                                                                                       \
      if (s.size() == 1 && nd > 1) s = Shape(nd, s[0]);                                                           \
      return with_indices<Tn>(adaptive_max_pool##nd##d(x, s), a.b(2, false));                                     \
    });
    EMBER_REG_MAXPOOL(1)
    EMBER_REG_MAXPOOL(2)
    EMBER_REG_MAXPOOL(3)
#undef EMBER_REG_MAXPOOL
    r.add("avg_pool1d", [](A a) -> T {
      Tn x = a.tensor(0);
      return {avg_pool1d(x, a.shape(1), a.dims(2), a.shape(3), a.b(4, false), a.b(5, true))};
    });
    r.add("avg_pool2d", [](A a) -> T {
      Tn x = a.tensor(0);
      return {avg_pool2d(x, a.shape(1), a.dims(2), a.shape(3), a.b(4, false), a.b(5, true), a.opt_i(6))};
    });
    r.add("avg_pool3d", [](A a) -> T {
      Tn x = a.tensor(0);
      return {avg_pool3d(x, a.shape(1), a.dims(2), a.shape(3), a.b(4, false), a.b(5, true), a.opt_i(6))};
    });
    r.add("interpolate", [](A a) -> T {
      Tn x = a.tensor(0);
      std::optional<Shape> size;
      if (a.has(1)) size = a.shape(1);
      std::optional<bool> align, recompute;
      if (a.has(4)) align = a.b(4);
      if (a.has(5)) recompute = a.b(5);
      return {interpolate(x, size, scales<Tn>(a, 2), a.s(3, "nearest"), align, recompute, a.b(6, false))};
    });
    r.add("pixel_shuffle", [](A a) -> T { Tn x = a.tensor(0); return {pixel_shuffle(x, a.i(1))}; });
    r.add("pixel_unshuffle", [](A a) -> T { Tn x = a.tensor(0); return {pixel_unshuffle(x, a.i(1))}; });
  }
}

}  // namespace

void register_nn_ops(Registry& r) {
  // ---- normalization (batch_norm/instance_norm update running stats when training: never removed)
  r.add("batch_norm", [](A a) -> T {
    return {batch_norm(a.tensor(0), a.opt_tensor(1), a.opt_tensor(2), a.opt_tensor(3), a.opt_tensor(4), a.b(5), a.d(6), a.d(7))};
  }, kSideEffects);
  r.add("instance_norm", [](A a) -> T {
    return {instance_norm(a.tensor(0), a.opt_tensor(1), a.opt_tensor(2), a.opt_tensor(3), a.opt_tensor(4), a.b(5), a.d(6), a.d(7))};
  }, kSideEffects);
  r.add("layer_norm", [](A a) -> T { return {layer_norm(a.tensor(0), a.shape(1), a.opt_tensor(2), a.opt_tensor(3), a.d(4, 1e-5))}; });
  r.add("group_norm", [](A a) -> T { return {group_norm(a.tensor(0), a.i(1), a.opt_tensor(2), a.opt_tensor(3), a.d(4, 1e-5))}; });

  // ---- losses
  r.add("nll_loss", [](A a) -> T { return {nll_loss(a.tensor(0), a.tensor(1), a.opt_tensor(2), a.s(3, "mean"), a.i(4, -100))}; });
  r.add("cross_entropy", [](A a) -> T {
    return {cross_entropy(a.tensor(0), a.tensor(1), a.opt_tensor(2), a.s(3, "mean"), a.i(4, -100), a.d(5, 0.0))};
  });
  r.add("mse_loss", [](A a) -> T { return {mse_loss(a.tensor(0), a.tensor(1), a.s(2, "mean"))}; });
  r.add("binary_cross_entropy", [](A a) -> T {
    return {binary_cross_entropy(a.tensor(0), a.tensor(1), a.opt_tensor(2), a.s(3, "mean"))};
  });
  r.add("binary_cross_entropy_with_logits", [](A a) -> T {
    return {binary_cross_entropy_with_logits(a.tensor(0), a.tensor(1), a.opt_tensor(2), a.opt_tensor(3), a.s(4, "mean"))};
  });
  r.add("ctc_loss", [](A a) -> T {
    return {ctc_loss(a.tensor(0), a.tensor(1), lengths(a, 2), lengths(a, 3), a.i(4, 0), a.s(5, "mean"), a.b(6, false))};
  });

  // ---- dropout: (input, p, train); random only when training
  r.add("dropout", [](A a) -> T { return {dropout(a.tensor(0), a.d(1), a.b(2))}; }, kNondeterministic);
  r.add("feature_dropout", [](A a) -> T { return {feature_dropout(a.tensor(0), a.d(1), a.b(2))}; }, kNondeterministic);
  r.add("alpha_dropout", [](A a) -> T { return {alpha_dropout(a.tensor(0), a.d(1), a.b(2))}; }, kNondeterministic);
  r.add("feature_alpha_dropout", [](A a) -> T { return {feature_alpha_dropout(a.tensor(0), a.d(1), a.b(2))}; }, kNondeterministic);

  // ---- embeddings
  r.add("embedding", [](A a) -> T {
    EMBER_CHECK(!a.b(4, false), "embedding", "sparse gradients are not supported yet");
    return {embedding(a.tensor(0), a.tensor(1), a.i(2, -1), a.b(3, false))};
  });
  r.add("embedding_bag", [](A a) -> T {
    return {embedding_bag(a.tensor(0), a.tensor(1), a.tensor(2), a.s(3, "mean"), a.opt_tensor(4), a.b(5, false), a.i(6, -1))};
  });
  r.add("embedding_renorm_", [](A a) -> T { Tensor w = inplace_target(a); return {embedding_renorm_(w, a.tensor(1), a.d(2), a.d(3))}; },
        kInplace);

  // ---- linear algebra
  r.add("linear", [](A a) -> T { return {linear(a.tensor(0), a.tensor(1), a.opt_tensor(2))}; });
  r.add("matmul", [](A a) -> T { return {matmul(a.tensor(0), a.tensor(1))}; });
  r.add("mm", [](A a) -> T { return {mm(a.tensor(0), a.tensor(1))}; });
  r.add("bmm", [](A a) -> T { return {bmm(a.tensor(0), a.tensor(1))}; });
  r.add("mv", [](A a) -> T { return {mv(a.tensor(0), a.tensor(1))}; });
  r.add("dot", [](A a) -> T { return {dot(a.tensor(0), a.tensor(1))}; });
  r.add("vdot", [](A a) -> T { return {vdot(a.tensor(0), a.tensor(1))}; });
  r.add("outer", [](A a) -> T { return {outer(a.tensor(0), a.tensor(1))}; });
  r.alias("ger", "outer");
  r.add("kron", [](A a) -> T { return {kron(a.tensor(0), a.tensor(1))}; });
  r.add("cross", [](A a) -> T { return {cross(a.tensor(0), a.tensor(1), a.opt_i(2))}; });
  r.add("linalg_cross", [](A a) -> T { return {cross(a.tensor(0), a.tensor(1), a.i(2, -1))}; });
  r.add("addmm", [](A a) -> T {
    return {addmm(a.tensor(0), a.tensor(1), a.tensor(2), a.has(3) ? a.scalar(3) : one(), a.has(4) ? a.scalar(4) : one())};
  });
  r.add("addmv", [](A a) -> T {
    return {addmv(a.tensor(0), a.tensor(1), a.tensor(2), a.has(3) ? a.scalar(3) : one(), a.has(4) ? a.scalar(4) : one())};
  });
  r.add("baddbmm", [](A a) -> T {
    return {baddbmm(a.tensor(0), a.tensor(1), a.tensor(2), a.has(3) ? a.scalar(3) : one(), a.has(4) ? a.scalar(4) : one())};
  });
  r.add("addbmm", [](A a) -> T {
    return {addbmm(a.tensor(0), a.tensor(1), a.tensor(2), a.has(3) ? a.scalar(3) : one(), a.has(4) ? a.scalar(4) : one())};
  });
  // einsum(equation, operands) and tensordot(a, b, dims_a, dims_b): the tracer
  // records these normalised forms (python/src/jit_bindings.cpp).
  r.add("einsum", [](A a) -> T { return {einsum(a.s(0), a.tensors(1))}; });
  r.add("tensordot", [](A a) -> T { return {tensordot(a.tensor(0), a.tensor(1), a.dims(2), a.dims(3))}; });

  register_conv_family<Tensor>(r);
}

}  // namespace ember::jit
