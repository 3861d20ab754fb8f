// Ops returning several views of one input: split, chunk, tensor_split, unbind,
// meshgrid. The split family records one node for all its outputs (like torch's
// SplitBackward), whose backward concatenates the gradients, so taking a
// tensor apart costs O(size) in backward and not O(pieces * size).
#include <algorithm>

#include "ember/ops/shape_util.h"

namespace ember {

namespace {

struct Range {
  int64_t start, length;
};

// Python slice bounds clamped into [0, size] like torch's slice.
Range clamp_range(int64_t size, int64_t start, int64_t end) {
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  return {start, end - start};
}

Tensor narrow_raw(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  Shape sz = t.sizes();
  sz[dim] = length;
  int64_t off = t.storage_offset() + (length > 0 ? start * t.strides()[dim] : 0);
  return make_view(t, sz, t.strides(), off);
}

// Views t.narrow(dim, r.start, r.length) for each range, sharing one backward node.
TensorList split_views(const Tensor& t, int64_t dim, const std::vector<Range>& ranges, const char* name) {
  TensorList outs;
  outs.reserve(ranges.size());
  for (const Range& r : ranges) {
    outs.push_back(narrow_raw(t, dim, r.start, r.length));
    autograd::mark_view(outs.back(), t);
  }
  if (autograd::needs_grad(t)) {
    std::vector<Tensor*> ptrs;
    for (auto& o : outs) ptrs.push_back(&o);
    bool tiles = true;  // ranges cover [0, size) in order: the gradient is their concatenation
    int64_t pos = 0;
    for (const Range& r : ranges) {
      tiles = tiles && r.start == pos;
      pos = r.start + r.length;
    }
    tiles = tiles && pos == t.sizes()[dim];
    Shape in_sizes = t.sizes();
    autograd::record_multi(name, {t}, ptrs, [dim, ranges, tiles, in_sizes](TensorList&& grads) -> TensorList {
      if (tiles && !grads.empty()) return {cat(grads, dim)};
      // overlapping or partial ranges (tensor_split with unsorted indices): add each piece into zeros
      Tensor acc = zeros(in_sizes, grads.empty() ? Dtype::Float32 : grads[0].dtype());
      for (size_t i = 0; i < ranges.size(); ++i) {
        Range r = ranges[i];
        acc = add(acc, detail::view_scatter(
                           grads[i], in_sizes, [dim, r](const Tensor& x) { return narrow_raw(x, dim, r.start, r.length); },
                           [dim, r](const Tensor& x) { return narrow(x, dim, r.start, r.length); },
                           "SliceBackwardBackward0"));
      }
      return {acc};
    });
    for (auto& o : outs) autograd::meta(o).multi_output_view = true;
  }
  return outs;
}

void check_not_0d(const Tensor& t, const char* op) {
  EMBER_CHECK(t.dim() > 0, op, op, " expects at least a 1-dimensional tensor");
}

}  // namespace

TensorList split(const Tensor& t, int64_t split_size, int64_t dim) {
  check_not_0d(t, "split");
  int64_t d = wrap_dim(dim, t.dim(), "split");
  EMBER_CHECK(split_size >= 0, "split", "split expects split_size be non-negative, but got split_size=", split_size);
  int64_t size = t.sizes()[d];
  EMBER_CHECK(split_size > 0 || size == 0, "split", "split_size can only be 0 if dimension size is 0, but got dimension size of ", size);
  int64_t n = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<Range> ranges;
  for (int64_t i = 0; i < n; ++i) {
    int64_t start = i * split_size;
    ranges.push_back({start, std::min(split_size, size - start)});
  }
  return split_views(t, d, ranges, "SplitBackward0");
}

TensorList split_with_sizes(const Tensor& t, const Shape& sizes, int64_t dim) {
  check_not_0d(t, "split_with_sizes");
  int64_t d = wrap_dim(dim, t.dim(), "split_with_sizes");
  std::vector<Range> ranges;
  int64_t pos = 0;
  for (int64_t s : sizes) {
    EMBER_CHECK(s >= 0, "split_with_sizes", "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
                shape_str(sizes));
    ranges.push_back({pos, s});
    pos += s;
  }
  EMBER_CHECK(pos == t.sizes()[d], "split_with_sizes", "split_with_sizes expects split_sizes to sum exactly to ", t.sizes()[d],
              " (input tensor's size at dimension ", d, "), but got split_sizes=", shape_str(sizes));
  return split_views(t, d, ranges, "SplitWithSizesBackward0");
}

TensorList chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  check_not_0d(t, "chunk");
  EMBER_CHECK(chunks > 0, "chunk", "chunk expects `chunks` to be greater than 0, got: ", chunks);
  int64_t d = wrap_dim(dim, t.dim(), "chunk");
  int64_t size = t.sizes()[d];
  int64_t split_size = (size + chunks - 1) / chunks;
  // An empty dim still yields `chunks` (empty) pieces.
  if (split_size == 0 && size == 0) return split_with_sizes(t, Shape(size_t(chunks), 0), d);
  return split(t, split_size, d);
}

TensorList tensor_split(const Tensor& t, int64_t sections, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "tensor_split", "tensor_split expected at least a 1-dimensional tensor, but got a tensor with ",
              t.dim(), " dims");
  EMBER_CHECK(sections > 0, "tensor_split", "number of sections must be larger than 0, got ", sections);
  int64_t d = wrap_dim(dim, t.dim(), "tensor_split");
  int64_t size = t.sizes()[d];
  int64_t base = size / sections, extra = size % sections, pos = 0;
  std::vector<Range> ranges;
  for (int64_t i = 0; i < sections; ++i) {
    int64_t len = i < extra ? base + 1 : base;
    ranges.push_back({pos, len});
    pos += len;
  }
  return split_views(t, d, ranges, "SplitWithSizesBackward0");
}

TensorList tensor_split(const Tensor& t, const Shape& indices, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "tensor_split", "tensor_split expected at least a 1-dimensional tensor, but got a tensor with ",
              t.dim(), " dims");
  int64_t d = wrap_dim(dim, t.dim(), "tensor_split");
  int64_t size = t.sizes()[d];
  std::vector<Range> ranges;
  int64_t start = 0;
  for (int64_t end : indices) {
    ranges.push_back(clamp_range(size, start, end));
    start = end;
  }
  ranges.push_back(clamp_range(size, start, size));
  return split_views(t, d, ranges, "TensorSplitBackward0");
}

TensorList unbind(const Tensor& t, int64_t dim) {
  EMBER_CHECK_INDEX(t.dim() > 0, "unbind", "Dimension specified as ", dim, " but tensor has no dimensions");
  int64_t d = wrap_dim(dim, t.dim(), "unbind");
  int64_t n = t.sizes()[d];
  Shape sz = t.sizes(), st = t.strides();
  int64_t step = st[d];
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  TensorList outs;
  outs.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    outs.push_back(make_view(t, sz, st, t.storage_offset() + i * step));
    autograd::mark_view(outs.back(), t);
  }
  if (autograd::needs_grad(t) && n > 0) {
    std::vector<Tensor*> ptrs;
    for (auto& o : outs) ptrs.push_back(&o);
    autograd::record_multi("UnbindBackward0", {t}, ptrs, [d](TensorList&& grads) -> TensorList { return {stack(grads, d)}; });
    for (auto& o : outs) autograd::meta(o).multi_output_view = true;
  }
  return outs;
}

TensorList meshgrid(const TensorList& ts, const std::string& indexing) {
  EMBER_CHECK(!ts.empty(), "meshgrid", "meshgrid expects a non-empty TensorList");
  EMBER_CHECK(indexing == "ij" || indexing == "xy", "meshgrid",
              "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: ", indexing);
  for (size_t i = 0; i < ts.size(); ++i) {
    EMBER_CHECK(ts[i].dim() <= 1, "meshgrid", "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of shape ",
                shape_str(ts[i].sizes()), " at position ", i);
    EMBER_CHECK(ts[i].dtype() == ts[0].dtype(), "meshgrid", "meshgrid expects all tensors to have the same dtype");
  }
  // "xy" is "ij" with the first two inputs (and outputs) swapped.
  bool swap = indexing == "xy" && ts.size() >= 2;
  TensorList in = ts;
  if (swap) std::swap(in[0], in[1]);
  Shape full;
  for (auto& t : in) full.push_back(t.numel());
  TensorList outs;
  for (size_t i = 0; i < in.size(); ++i) {
    Shape s(in.size(), 1);
    s[i] = -1;
    outs.push_back(expand(view(in[i], s), full));
  }
  if (swap) std::swap(outs[0], outs[1]);
  return outs;
}

}  // namespace ember
