// IValue: one argument of a recorded op call. The tracer turns each argument a
// binding received (Tensor, Python number, shape, dtype, None ...) into an
// IValue; the graph keeps the non-tensor ones as literal attributes and the
// op registry turns them back into the C++ types of ember's ops.
//
// Accessors check the tag and throw ember::Error naming the op and the argument,
// so that a damaged model file or a wrong argument list is a clear error, never
// undefined behaviour.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::jit {

class IValue {
 public:
  // The order is part of the model file format: append, never reorder.
  enum class Tag : uint8_t { None, Tensor, Double, Int, Bool, String, IntList, DoubleList, TensorList, Dtype };

  IValue() = default;
  IValue(std::nullopt_t) {}
  IValue(Tensor t) : v_(std::move(t)) {}
  IValue(double d) : v_(d) {}
  IValue(int64_t i) : v_(i) {}
  IValue(int i) : v_(int64_t(i)) {}
  IValue(bool b) : v_(b) {}
  IValue(std::string s) : v_(std::move(s)) {}
  IValue(const char* s) : v_(std::string(s)) {}
  IValue(std::vector<int64_t> l) : v_(std::move(l)) {}
  IValue(std::vector<double> l) : v_(std::move(l)) {}
  IValue(TensorList l) : v_(std::move(l)) {}  // undefined entries stand for None (optional tensor lists)
  IValue(Dtype d) : v_(d) {}
  static IValue from_scalar(const Scalar& s) {
    if (s.is_bool()) return IValue(s.to_bool());
    if (s.is_integral()) return IValue(s.to_int());
    return IValue(s.to_double());
  }

  Tag tag() const { return Tag(v_.index()); }
  bool is_none() const { return tag() == Tag::None; }
  bool is_tensor() const { return tag() == Tag::Tensor; }
  bool is_double() const { return tag() == Tag::Double; }
  bool is_int() const { return tag() == Tag::Int; }
  bool is_bool() const { return tag() == Tag::Bool; }
  bool is_string() const { return tag() == Tag::String; }
  bool is_int_list() const { return tag() == Tag::IntList; }
  bool is_double_list() const { return tag() == Tag::DoubleList; }
  bool is_tensor_list() const { return tag() == Tag::TensorList; }
  bool is_dtype() const { return tag() == Tag::Dtype; }
  bool is_number() const { return is_double() || is_int() || is_bool(); }

  const Tensor& to_tensor() const { return get<Tensor>("Tensor"); }
  double to_double() const {
    if (is_int()) return double(std::get<int64_t>(v_));
    if (is_bool()) return std::get<bool>(v_) ? 1.0 : 0.0;
    return get<double>("float");
  }
  int64_t to_int() const {
    if (is_bool()) return std::get<bool>(v_);
    return get<int64_t>("int");
  }
  bool to_bool() const {
    if (is_int()) return std::get<int64_t>(v_) != 0;
    return get<bool>("bool");
  }
  const std::string& to_string() const { return get<std::string>("str"); }
  // An int list; a single int counts as a list of one (shapes and dims accept both).
  std::vector<int64_t> to_int_list() const {
    if (is_int()) return {std::get<int64_t>(v_)};
    return get<std::vector<int64_t>>("int list");
  }
  const std::vector<double>& to_double_list() const { return get<std::vector<double>>("float list"); }
  const TensorList& to_tensor_list() const { return get<TensorList>("tensor list"); }
  Dtype to_dtype() const { return get<Dtype>("dtype"); }
  Scalar to_scalar() const {
    if (is_bool()) return Scalar(std::get<bool>(v_));
    if (is_int()) return Scalar(std::get<int64_t>(v_));
    if (is_double()) return Scalar(std::get<double>(v_));
    fail("number");
  }

  static const char* tag_name(Tag t) {
    static const char* names[] = {"None", "Tensor", "float", "int", "bool", "str", "int list", "float list", "tensor list", "dtype"};
    return unsigned(t) < sizeof(names) / sizeof(names[0]) ? names[unsigned(t)] : "?";
  }
  // Literal as it is printed in a graph: 1.5, 3, True, "mean", [2, 3], float32, None.
  std::string repr() const;
  bool operator==(const IValue& o) const;  // tensors compare by identity

 private:
  template <class T> const T& get(const char* want) const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    fail(want);
  }
  [[noreturn]] void fail(const char* want) const {
    EMBER_FAIL("jit", "expected an argument of type ", want, " but got ", tag_name(tag()));
  }
  std::variant<std::monostate, Tensor, double, int64_t, bool, std::string, std::vector<int64_t>, std::vector<double>,
               TensorList, Dtype>
      v_;
};

using IValueList = std::vector<IValue>;

}  // namespace ember::jit
