// The op registry: every op a traced graph may contain, by name, as a C++ call
// into ember's ops. No Python is involved, so a saved model runs anywhere
// libember does.
//
// A node's argument list is the positional parameter list of the Python binding
// that recorded it (python/src/ops_*.cpp), keyword-only parameters included, in
// order; Python numbers passed where a tensor is accepted arrive as numbers.
// Overloads of one name (pow(Tensor, Tensor) / pow(Tensor, Scalar)) are told
// apart by the IValue types. Aliases (subtract, multiply, clip ...) map to one
// entry.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ember/jit/ivalue.h"
#include "ember/ops/ops.h"

namespace ember::jit {

// Checked access to a node's arguments: a missing or mistyped argument is an
// ember::Error naming the op, never undefined behaviour.
class Args {
 public:
  Args(const std::string& op, const IValueList& v) : op_(op), v_(v) {}
  size_t size() const { return v_.size(); }
  bool has(size_t i) const { return i < v_.size() && !v_[i].is_none(); }
  const IValue& operator[](size_t i) const;
  const std::string& op() const { return op_; }

  Tensor tensor(size_t i) const;          // a tensor, or a number as a wrapped scalar (TensorLike)
  Tensor opt_tensor(size_t i) const;      // None -> undefined tensor
  std::optional<Tensor> maybe_tensor(size_t i) const;
  TensorList tensors(size_t i) const;     // tensor list (entries may be undefined for None)
  int64_t i(size_t k) const { return (*this)[k].to_int(); }
  int64_t i(size_t k, int64_t dflt) const { return has(k) ? i(k) : dflt; }
  double d(size_t k) const { return (*this)[k].to_double(); }
  double d(size_t k, double dflt) const { return has(k) ? d(k) : dflt; }
  bool b(size_t k) const { return (*this)[k].to_bool(); }
  bool b(size_t k, bool dflt) const { return has(k) ? b(k) : dflt; }
  const std::string& s(size_t k) const { return (*this)[k].to_string(); }
  std::string s(size_t k, const std::string& dflt) const { return has(k) ? s(k) : dflt; }
  std::optional<std::string> opt_s(size_t k) const { return has(k) ? std::optional<std::string>(s(k)) : std::nullopt; }
  Shape shape(size_t k) const;            // int list (or one int)
  Dims dims(size_t k) const;              // None -> {} (all dims)
  std::optional<int64_t> opt_i(size_t k) const { return has(k) ? std::optional<int64_t>(i(k)) : std::nullopt; }
  std::optional<double> opt_d(size_t k) const { return has(k) ? std::optional<double>(d(k)) : std::nullopt; }
  Scalar scalar(size_t k) const;          // a number, or a one-element tensor
  std::optional<Scalar> opt_scalar(size_t k) const { return has(k) ? std::optional<Scalar>(scalar(k)) : std::nullopt; }
  Dtype dtype(size_t k) const { return (*this)[k].to_dtype(); }
  std::optional<Dtype> opt_dtype(size_t k) const { return has(k) ? std::optional<Dtype>(dtype(k)) : std::nullopt; }
  bool is_tensor(size_t k) const { return k < v_.size() && v_[k].is_tensor(); }
  bool is_number(size_t k) const { return k < v_.size() && v_[k].is_number(); }
  // Throws unless there are between lo and hi arguments.
  void expect(size_t lo, size_t hi) const;
  [[noreturn]] void bad(const std::string& why) const;

 private:
  const std::string& op_;
  const IValueList& v_;
};

// `self` of an in-place op: the tensor the op writes into.
Tensor inplace_target(const Args& a);

using OpFn = TensorList (*)(const Args&);

enum OpFlags : unsigned {
  kPure = 0,
  kInplace = 1u << 0,          // writes into its first argument (and returns it)
  kNondeterministic = 1u << 1, // random: never folded, makes check_trace skip the comparison
  kPassthrough = 1u << 2,      // returns its first argument itself (requires_grad_, cpu): no node is recorded
  kReadsValue = 1u << 3,       // no tensor output: turns tensor data into a Python value (item, tolist)
  kSideEffects = 1u << 4,      // writes into other arguments (batch_norm's running stats): never removed
};

struct OpSchema {
  std::string name;
  OpFn fn = nullptr;
  unsigned flags = kPure;
  bool inplace() const { return flags & kInplace; }
  bool nondeterministic() const { return flags & kNondeterministic; }
  // in place or with side effects: never removed, folded, fused or moved across
  bool impure() const { return flags & (kInplace | kSideEffects); }
};

// The entry for `name` (aliases resolved), or nullptr.
const OpSchema* find_op(const std::string& name);
// Every registered name (aliases excluded), sorted.
std::vector<std::string> registered_ops();
// Runs one op: checks the name and the number of outputs.
TensorList call_op(const OpSchema& op, const IValueList& args);

// Building the table (op_registry.cpp and the registry_*.cpp files).
class Registry {
 public:
  Registry();
  void add(const std::string& name, OpFn fn, unsigned flags = kPure);
  void alias(const std::string& alias, const std::string& target);
  const OpSchema* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};
void register_elementwise_ops(Registry& r);
void register_shape_ops(Registry& r);
void register_nn_ops(Registry& r);
void register_misc_ops(Registry& r);
void register_rnn_ops(Registry& r);  // rnn_layer.cpp
void register_linalg_ops(Registry& r);  // registry_linalg.cpp
void register_tensorapi_ops(Registry& r);  // registry_tensorapi.cpp

}  // namespace ember::jit
