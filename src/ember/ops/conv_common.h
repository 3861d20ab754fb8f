// Helpers shared by the convolution, pooling and resampling ops (conv.cpp,
// pool.cpp, resample.cpp): operand preparation and torch's wording for errors.
#pragma once
#include <sstream>
#include <string>

#include "ember/ops/ops.h"

namespace ember::detail {

// C++ element type names, as torch prints a tensor's dtype() in some messages.
inline const char* cpp_type_name(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "float";
    case Dtype::Float64: return "double";
    case Dtype::Float16: return "c10::Half";
    case Dtype::BFloat16: return "c10::BFloat16";
    case Dtype::Int8: return "signed char";
    case Dtype::Int16: return "short int";
    case Dtype::Int32: return "int";
    case Dtype::Int64: return "long int";
    case Dtype::UInt8: return "unsigned char";
    case Dtype::Bool: return "bool";
  }
  return "?";
}

// "(2 x 3)"-style lists used in torch's size messages.
inline std::string joined(const Shape& s, const char* sep, const char* open = "(", const char* close = ")") {
  std::ostringstream os;
  os << open;
  for (size_t i = 0; i < s.size(); ++i) os << (i ? sep : "") << s[i];
  os << close;
  return os.str();
}

// An int-or-list parameter expanded to nd values; torch's message when the length is wrong.
inline Shape expand_param(const char* op, const char* name, const Shape& v, int64_t nd) {
  if (v.size() == 1) return Shape(size_t(nd), v[0]);
  EMBER_CHECK(int64_t(v.size()) == nd, op, "expected ", name, " to be a single integer value or a list of ", nd,
              " values to match the convolution dimensions, but got ", name, "=", shape_str(v));
  return v;
}

// t as a contiguous tensor of dtype d, outside autograd (ops record their own node).
inline Tensor prep(const Tensor& t, Dtype d) {
  Tensor r = detach(t);
  if (r.dtype() != d) r = detach(to_dtype(r, d));
  return r.is_contiguous() ? r : contiguous(r);
}

// The kernels compute bfloat16 in float32.
inline Dtype kernel_dtype(Dtype d) { return d == Dtype::BFloat16 ? Dtype::Float32 : d; }

// Converts a kernel result back to the op's dtype (no autograd: the result is fresh).
inline Tensor finish(const Tensor& t, Dtype d) { return t.dtype() == d ? t : detach(to_dtype(t, d)); }

}  // namespace ember::detail
