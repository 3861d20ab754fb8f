#include "ember/ops/cpu/loops.h"

#include <algorithm>
#include <numeric>

namespace ember::cpu {

ElementwiseLoop::ElementwiseLoop(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  ntensors = int(inputs.size()) + 1;
  EMBER_CHECK(ntensors <= kMaxOperands, "elementwise", "too many operands");
  const Shape& osz = out.sizes();
  const int64_t nd = out.dim();
  numel = out.numel();
  // element strides of each operand in out's dims (0 where broadcast)
  std::vector<std::array<int64_t, kMaxOperands>> st(nd);
  std::array<int64_t, kMaxOperands> isz{};
  data[0] = static_cast<char*>(out.raw_data());
  isz[0] = int64_t(out.element_size());
  for (int64_t d = 0; d < nd; ++d) st[d][0] = out.strides()[d];
  int t = 1;
  for (const Tensor* in : inputs) {
    data[t] = static_cast<char*>(in->raw_data());
    isz[t] = int64_t(in->element_size());
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
  // Order dims innermost-first by the output's strides (stable: ties keep the natural order).
  std::vector<int64_t> perm(nd);
  std::iota(perm.begin(), perm.end(), 0);
  std::reverse(perm.begin(), perm.end());
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    int64_t sa = std::abs(st[a][0]), sb = std::abs(st[b][0]);
    if (osz[a] == 1 || osz[b] == 1) return false;
    return sa < sb;
  });
  // Drop size-1 dims, then merge neighbours that are contiguous for every operand.
  for (int64_t d : perm) {
    if (osz[d] == 1) continue;
    if (!shape.empty()) {
      auto& last = strides.back();
      int64_t lsize = shape.back();
      bool merge = true;
      for (int k = 0; k < ntensors; ++k)
        if (st[d][k] != last[k] * lsize) { merge = false; break; }
      if (merge) { shape.back() *= osz[d]; continue; }
    }
    shape.push_back(osz[d]);
    strides.push_back(st[d]);
  }
  for (auto& s : strides)
    for (int k = 0; k < ntensors; ++k) s[k] *= isz[k];
}

}  // namespace ember::cpu
