// pad (torch.nn.functional.pad): constant padding of any dims (negative pads
// crop), and reflect/replicate/circular padding of the last 1-3 dims. The
// non-constant modes are gathers of slices along each padded dim by an index
// map (the formulas of torch's kernels), so their derivative is the matching
// scatter-add and negative pads behave as in torch.
#include <algorithm>
#include <string>

#include "ember/ops/shape_util.h"

namespace ember {

namespace {

// (left, right) padding of dim `ndim - 1 - i`.
std::pair<int64_t, int64_t> pads_of(const Shape& pad, size_t i) { return {pad[2 * i], pad[2 * i + 1]}; }

Tensor constant_pad(const Tensor& t, const Shape& pads, double value) {
  const int64_t nd = t.dim();
  Shape out_sizes = t.sizes();
  Shape in_start(size_t(nd), 0), out_start(size_t(nd), 0), len = t.sizes();
  for (size_t i = 0; i < pads.size() / 2; ++i) {
    int64_t d = nd - 1 - int64_t(i);
    auto [l, r] = pads_of(pads, i);
    int64_t size = t.sizes()[d];
    EMBER_CHECK(size + l + r >= 0, "pad", "padding (", l, ", ", r, ") of dimension ", d, " of an input of shape ",
                shape_str(t.sizes()), " gives a negative size ", size + l + r);
    out_sizes[d] = size + l + r;
    in_start[d] = std::max<int64_t>(-l, 0);
    out_start[d] = std::max<int64_t>(l, 0);
    len[d] = std::max<int64_t>(size - std::max<int64_t>(-l, 0) - std::max<int64_t>(-r, 0), 0);
  }
  Tensor out = full(out_sizes, Scalar(value), t.dtype());
  if (shape_numel(len) > 0) {
    int64_t ioff = t.storage_offset(), ooff = out.storage_offset();
    for (int64_t d = 0; d < nd; ++d) {
      ioff += in_start[d] * t.strides()[d];
      ooff += out_start[d] * out.strides()[d];
    }
    cpu::copy_kernel(make_view(out, len, out.strides(), ooff), make_view(t, len, t.strides(), ioff));
  }
  if (autograd::needs_grad(t)) {
    // the adjoint of padding is padding by the opposite amounts (cropping what was added)
    Shape back = pads;
    for (auto& p : back) p = -p;
    autograd::record("ConstantPadNdBackward0", {t}, out, [back](const Tensor& g) -> TensorList {
      return {pad(g, back, "constant", 0)};
    });
  }
  return out;
}

// Source index of each output position along one dim (torch's kernel formulas).
std::vector<int64_t> index_map(const std::string& mode, int64_t size, int64_t l, int64_t r) {
  int64_t out = size + l + r;
  int64_t i_start = std::max<int64_t>(0, -l), o_start = std::max<int64_t>(0, l);
  std::vector<int64_t> idx(size_t(std::max<int64_t>(out, 0)));
  for (int64_t j = 0; j < out; ++j) {
    int64_t ip;
    if (mode == "circular") {
      int64_t kept = size - std::max<int64_t>(-l, 0) - std::max<int64_t>(-r, 0);
      ip = i_start + (((j - o_start) % kept) + kept) % kept;
    } else if (mode == "reflect") {
      ip = j < l ? 2 * l - j : j < size + l ? j : 2 * (size + l - 1) - j;
      ip = ip - o_start + i_start;
    } else {  // replicate
      ip = j < l ? l : j < size + l ? j : size + l - 1;
      ip = ip - o_start + i_start;
    }
    idx[size_t(j)] = ip;
  }
  return idx;
}

}  // namespace

Tensor pad(const Tensor& t, const Shape& pad, const std::string& mode, double value) {
  EMBER_CHECK(pad.size() % 2 == 0, "pad", "Padding length must be divisible by 2");
  EMBER_CHECK(int64_t(pad.size()) <= 2 * t.dim(), "pad", "Padding length should be less than or equal to two times the input dimension but got padding length ",
              pad.size(), " and input of dimension ", t.dim());
  if (mode == "constant") return constant_pad(t, pad, value);
  if (mode != "reflect" && mode != "replicate" && mode != "circular") EMBER_NOT_SUPPORTED("pad", "Unrecognised padding mode ", mode);
  EMBER_CHECK(value == 0, "pad", "Padding mode \"", mode, "\" doesn't take in value argument");
  const int64_t k = int64_t(pad.size()) / 2, nd = t.dim();
  if (!(k >= 1 && k <= 3 && (nd == k + 1 || nd == k + 2)))
    EMBER_NOT_SUPPORTED("pad", "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now (padding of length ",
                        pad.size(), " for an input of shape ", shape_str(t.sizes()), ")");
  if (mode == "circular")
    EMBER_CHECK(nd == k + 2, "pad", "Invalid padding size, expected ", 2 * (nd - 2), " but got ", pad.size());
  else
    EMBER_CHECK(is_floating(t.dtype()), "pad", "\"", mode == "reflect" ? "reflection_pad" : "replication_pad", k, "d\" not implemented for '",
                dtype_name(t.dtype()), "'");
  // every dim but the batch dim must be non-empty
  for (int64_t d = nd == k + 2 ? 1 : 0; d < nd; ++d)
    EMBER_CHECK(t.sizes()[d] != 0, "pad", "Expected ", k + 1, "D or ", k + 2,
                "D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ",
                shape_str(t.sizes()));
  Tensor out = t;
  for (int64_t i = 0; i < k; ++i) {
    int64_t d = nd - 1 - i;
    auto [l, r] = pads_of(pad, size_t(i));
    int64_t size = t.sizes()[d];
    if (mode == "reflect") {
      EMBER_CHECK(l < size && r < size, "pad", "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (",
                  l, ", ", r, ") at dimension ", d, " of input ", shape_str(t.sizes()));
    } else if (mode == "circular") {
      EMBER_CHECK(l <= size && r <= size, "pad", "Padding value causes wrapping around more than once.");
      EMBER_CHECK(size + l + r >= 0 && size - std::max<int64_t>(-l, 0) - std::max<int64_t>(-r, 0) > 0, "pad",
                  "Negative padding value is resulting in an empty dimension");
    }
    EMBER_CHECK(size + l + r >= 1, "pad", "input (size ", size, " at dimension ", d, ") is too small. Calculated output size: ",
                size + l + r);
    if (l == 0 && r == 0) continue;
    out = detail::gather_dim(out, d, index_map(mode, size, l, r),
                             mode == "reflect" ? "ReflectionPadBackward0" : mode == "replicate" ? "ReplicationPadBackward0" : "CircularPadBackward0");
  }
  return out.is_same(t) ? clone(t) : out;
}

}  // namespace ember
