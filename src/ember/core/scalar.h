// A number without a tensor: what Python's bool/int/float become at the API.
#pragma once
#include <cstdint>
#include <type_traits>

#include "ember/core/dtype.h"

namespace ember {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };
  Scalar() : kind_(Kind::Int), i_(0) {}
  Scalar(bool b) : kind_(Kind::Bool), i_(b) {}
  Scalar(double d) : kind_(Kind::Float), d_(d) {}
  Scalar(float d) : kind_(Kind::Float), d_(d) {}
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Scalar(I i) : kind_(Kind::Int), i_(int64_t(i)) {}
  Scalar(Half h) : kind_(Kind::Float), d_(float(h)) {}
  Scalar(BFloat16 h) : kind_(Kind::Float), d_(float(h)) {}

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::Float; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_bool() const { return kind_ == Kind::Bool; }

  double to_double() const { return kind_ == Kind::Float ? d_ : double(i_); }
  int64_t to_int() const { return kind_ == Kind::Float ? int64_t(d_) : i_; }
  bool to_bool() const { return kind_ == Kind::Float ? d_ != 0 : i_ != 0; }

  template <class T> T to() const {
    if constexpr (std::is_same_v<T, bool>) return to_bool();
    else if constexpr (is_floating_v<T>) return T(kind_ == Kind::Float ? d_ : double(i_));
    else return kind_ == Kind::Float ? T(d_) : T(i_);
  }

  // The dtype a Python number of this kind gets on its own (torch's inference).
  Dtype natural_dtype() const {
    return kind_ == Kind::Bool ? Dtype::Bool : kind_ == Kind::Int ? Dtype::Int64 : Dtype::Float32;
  }

 private:
  Kind kind_;
  union {
    int64_t i_;
    double d_;
  };
};

}  // namespace ember
