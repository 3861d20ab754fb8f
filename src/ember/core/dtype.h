// The element types ember knows, listed once. Order is part of the format of
// promotion and serialization code: append, never reorder.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "ember/core/half.h"

namespace ember {

// _(c++ type, enum name, python name)
#define EMBER_FORALL_DTYPES(_)   \
  _(float, Float32, float32)     \
  _(double, Float64, float64)    \
  _(::ember::Half, Float16, float16) \
  _(::ember::BFloat16, BFloat16, bfloat16) \
  _(int8_t, Int8, int8)          \
  _(int16_t, Int16, int16)       \
  _(int32_t, Int32, int32)       \
  _(int64_t, Int64, int64)       \
  _(uint8_t, UInt8, uint8)       \
  _(bool, Bool, bool)

enum class Dtype : uint8_t {
#define EMBER_ENUM(t, e, n) e,
  EMBER_FORALL_DTYPES(EMBER_ENUM)
#undef EMBER_ENUM
};
constexpr int kNumDtypes = 10;

const char* dtype_name(Dtype d);  // "float32"
// torch's ScalarType name, as its error messages spell it: "Float", "Long".
const char* scalar_type_name(Dtype d);
// Inline: it runs several times in every op.
inline size_t itemsize(Dtype d) {
  static constexpr uint8_t sizes[] = {
#define EMBER_SIZE(t, e, n) sizeof(t),
      EMBER_FORALL_DTYPES(EMBER_SIZE)
#undef EMBER_SIZE
  };
  return sizes[int(d)];
}
inline bool is_floating(Dtype d) { return d <= Dtype::BFloat16; }
inline bool is_integral(Dtype d, bool include_bool = false) {
  return (d >= Dtype::Int8 && d <= Dtype::UInt8) || (include_bool && d == Dtype::Bool);
}
inline bool is_signed(Dtype d) { return d != Dtype::UInt8 && d != Dtype::Bool; }
inline bool is_reduced_float(Dtype d) { return d == Dtype::Float16 || d == Dtype::BFloat16; }

// torch.promote_types
Dtype promote_types(Dtype a, Dtype b);

template <class T> struct DtypeOf;
#define EMBER_DTYPE_OF(t, e, n) \
  template <> struct DtypeOf<t> { static constexpr Dtype value = Dtype::e; };
EMBER_FORALL_DTYPES(EMBER_DTYPE_OF)
#undef EMBER_DTYPE_OF
template <class T> constexpr Dtype dtype_of = DtypeOf<T>::value;

template <class T> struct TypeTag { using type = T; };

// Call f(TypeTag<T>{}) for the C++ type of d. Kernels write
//   visit_dtype(d, [&](auto tag) { using T = typename decltype(tag)::type; ... });
template <class F> decltype(auto) visit_dtype(Dtype d, F&& f) {
  switch (d) {
#define EMBER_CASE(t, e, n) case Dtype::e: return f(TypeTag<t>{});
    EMBER_FORALL_DTYPES(EMBER_CASE)
#undef EMBER_CASE
  }
  __builtin_unreachable();
}

// The same restricted to floating types (callers check the dtype first).
template <class F> decltype(auto) visit_floating(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Float32: return f(TypeTag<float>{});
    case Dtype::Float64: return f(TypeTag<double>{});
    case Dtype::Float16: return f(TypeTag<Half>{});
    case Dtype::BFloat16: return f(TypeTag<BFloat16>{});
    default: __builtin_unreachable();
  }
}

// Integer and bool types only.
template <class F> decltype(auto) visit_integral(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Int8: return f(TypeTag<int8_t>{});
    case Dtype::Int16: return f(TypeTag<int16_t>{});
    case Dtype::Int32: return f(TypeTag<int32_t>{});
    case Dtype::Int64: return f(TypeTag<int64_t>{});
    case Dtype::UInt8: return f(TypeTag<uint8_t>{});
    case Dtype::Bool: return f(TypeTag<bool>{});
    default: __builtin_unreachable();
  }
}

template <class T> constexpr bool is_reduced_float_v =
    std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <class T> constexpr bool is_floating_v = std::is_floating_point_v<T> || is_reduced_float_v<T>;

}  // namespace ember
