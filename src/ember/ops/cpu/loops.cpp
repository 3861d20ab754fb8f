#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

namespace {
// Shapes are a few numbers: compare inline rather than through memcmp.
inline bool same_shape(const Shape& a, const Shape& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}
}  // namespace

ElementwiseLoop::ElementwiseLoop(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  ntensors = int(inputs.size()) + 1;
  EMBER_CHECK(ntensors <= kMaxOperands, "elementwise", "too many operands");
  const Shape& osz = out.sizes();
  const int64_t nd = out.dim();
  numel = out.numel();
  OperandStrides isz{};
  data[0] = static_cast<char*>(out.raw_data());
  isz[0] = int64_t(out.element_size());
  bool flat = out.is_contiguous();
  int t = 1;
  for (const Tensor* in : inputs) {
    data[t] = static_cast<char*>(in->raw_data());
    isz[t] = int64_t(in->element_size());
    flat = flat && in->is_contiguous() && same_shape(in->sizes(), osz);
    ++t;
  }
  if (flat) {  // every operand dense in out's shape (most ops): one run, nothing to sort or merge
    if (numel > 1) {
      shape.push_back(numel);
      strides.push_back(isz);
    }
    return;
  }
  // element strides of each operand in out's dims (0 where broadcast)
  SmallVec<OperandStrides, kInlineDims> st;
  st.resize(size_t(nd));
  for (int64_t d = 0; d < nd; ++d) st[d][0] = out.strides()[d];
  t = 1;
  for (const Tensor* in : inputs) {
    int64_t off = nd - in->dim();
    EMBER_CHECK(off >= 0, "elementwise", "input of shape ", shape_str(in->sizes()), " cannot broadcast to ", shape_str(osz));
    for (int64_t d = 0; d < nd; ++d) {
      int64_t id = d - off;
      if (id < 0 || in->sizes()[id] == 1) st[d][t] = 0;
      else {
        EMBER_CHECK(in->sizes()[id] == osz[d], "elementwise", "input of shape ", shape_str(in->sizes()),
                    " cannot broadcast to ", shape_str(osz));
        st[d][t] = in->strides()[id];
      }
    }
    ++t;
  }
  // Dims of size > 1, innermost first, then (stable) by the output's stride magnitude.
  SmallVec<int64_t, kInlineDims> perm;
  for (int64_t d = nd - 1; d >= 0; --d)
    if (osz[d] != 1) perm.push_back(d);
  auto key = [&](int64_t d) { return st[d][0] < 0 ? -st[d][0] : st[d][0]; };
  for (size_t i = 1; i < perm.size(); ++i)  // insertion sort: a handful of dims
    for (size_t j = i; j > 0 && key(perm[j]) < key(perm[j - 1]); --j) std::swap(perm[j], perm[j - 1]);
  // Merge neighbours that are contiguous for every operand.
  for (int64_t d : perm) {
    if (!shape.empty()) {
      const OperandStrides& last = strides.back();
      int64_t lsize = shape.back();
      bool merge = true;
      for (int k = 0; k < ntensors; ++k)
        if (st[d][k] != last[k] * lsize) { merge = false; break; }
      if (merge) { shape.back() *= osz[d]; continue; }
    }
    shape.push_back(osz[d]);
    strides.push_back(st[d]);
  }
  for (size_t d = 0; d < strides.size(); ++d)
    for (int k = 0; k < ntensors; ++k) strides[d][k] *= isz[k];
}

}  // namespace ember::cpu
