#include <cstring>

#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

void fill_kernel(const Tensor& dst, const Scalar& value) {
  if (dst.numel() == 0) return;
  visit_dtype(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v = value.to<T>();
    if (dst.is_contiguous()) {
      T* p = reinterpret_cast<T*>(dst.raw_data());
      bool zero_bits = true;
      const unsigned char* b = reinterpret_cast<const unsigned char*>(&v);
      for (size_t i = 0; i < sizeof(T); ++i) zero_bits = zero_bits && b[i] == 0;
      parallel_for(0, dst.numel(), kGrainElementwise * 4, [&](int64_t s, int64_t e) {
        if (zero_bits) std::memset(p + s, 0, size_t(e - s) * sizeof(T));
        else std::fill(p + s, p + e, v);
      });
      return;
    }
    ElementwiseLoop L(dst, {});
    run_elementwise<T>(L, [v]() { return v; });
  });
}

}  // namespace ember::cpu
