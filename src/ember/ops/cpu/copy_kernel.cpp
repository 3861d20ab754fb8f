// Casting strided copy: the kernel behind copy_, to(dtype), contiguous and clone.
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/loops.h"

#include <cstring>

namespace ember::cpu {

namespace {
template <class To, class From> inline To cast_value(compute_t<From> v) {
  if constexpr (std::is_same_v<To, bool>) return v != compute_t<From>(0);
  else return To(v);
}
}  // namespace

void copy_kernel(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  // Fast path: same dtype, both contiguous with the same shape.
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() && dst.sizes() == src.sizes()) {
    const char* s = static_cast<const char*>(src.raw_data());
    char* d = static_cast<char*>(dst.raw_data());
    if (s == d) return;
    size_t bytes = dst.nbytes();
    parallel_for(0, int64_t(bytes), int64_t(1) << 20, [&](int64_t b, int64_t e) { std::memmove(d + b, s + b, size_t(e - b)); });
    return;
  }
  ElementwiseLoop L(dst, {&src});
  visit_dtype(dst.dtype(), [&](auto to_tag) {
    using To = typename decltype(to_tag)::type;
    visit_dtype(src.dtype(), [&](auto from_tag) {
      using From = typename decltype(from_tag)::type;
      run_elementwise<To, From>(L, [](compute_t<From> v) { return cast_value<To, From>(v); });
    });
  });
}

}  // namespace ember::cpu
