#include "ember/core/dtype.h"

namespace ember {

const char* scalar_type_name(Dtype d) {
  static constexpr const char* names[] = {"Float", "Double", "Half", "BFloat16", "Char",
                                          "Short", "Int",    "Long", "Byte",     "Bool"};
  static_assert(sizeof(names) / sizeof(names[0]) == kNumDtypes);
  return names[int(d)];
}

const char* dtype_name(Dtype d) {
  switch (d) {
#define EMBER_CASE(t, e, n) case Dtype::e: return #n;
    EMBER_FORALL_DTYPES(EMBER_CASE)
#undef EMBER_CASE
  }
  return "?";
}

// Promotion by category: bool < integers < floats. Within integers the result
// is the smallest type holding both ranges; within floats the wider one, and
// float16 with bfloat16 meet at float32 (torch's table, derived rather than listed).
Dtype promote_types(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == Dtype::Bool) return b;
  if (b == Dtype::Bool) return a;
  bool fa = is_floating(a), fb = is_floating(b);
  if (fa && fb) {
    if (a == Dtype::Float64 || b == Dtype::Float64) return Dtype::Float64;
    return Dtype::Float32;  // float32 with a reduced type, or float16 with bfloat16
  }
  if (fa) return a;
  if (fb) return b;
  auto bits = [](Dtype d) -> int { return int(itemsize(d)) * 8; };
  bool sa = is_signed(a), sb = is_signed(b);
  if (sa == sb) return bits(a) >= bits(b) ? a : b;
  // one is uint8, the other a signed type
  Dtype s = sa ? a : b;
  if (bits(s) > 8) return s;
  return Dtype::Int16;  // uint8 with int8
}

}  // namespace ember
