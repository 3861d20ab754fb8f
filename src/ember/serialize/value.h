// The value tree a checkpoint holds: what torch.save can write and ember can
// rebuild. Containers hold shared nodes, so an object that appears twice in a
// file (the same tensor under two keys) is one node in the tree, and writing
// the tree back keeps that sharing.
//
//   ValuePtr sd = Value::dict(/*ordered=*/true);
//   sd->set("fc.weight", Value::tensor(w));
//   serialize::save(*sd, "model.pt");
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::serialize {

class Value;
using ValuePtr = std::shared_ptr<Value>;

class Value {
 public:
  enum class Kind : uint8_t {
    None, Bool, Int, Float, String, Bytes,
    Tensor,     // a tensor; parameter() when it is an nn.Parameter
    List, Tuple, Dict, Set, FrozenSet,
    Size,       // torch.Size
    Dtype,      // torch.float32 ...
    Device,     // torch.device
    Storage,    // a bare storage (torch.save(t.storage())): a 1-d tensor over the whole storage
    Global,     // a class or function named in the file (only transient while reading)
  };
  using Entry = std::pair<ValuePtr, ValuePtr>;

  static ValuePtr none();
  static ValuePtr boolean(bool b);
  static ValuePtr integer(int64_t i);
  static ValuePtr floating(double d);
  static ValuePtr string(std::string s);  // UTF-8
  static ValuePtr bytes(std::string b);
  static ValuePtr tensor(Tensor t, bool parameter = false);
  static ValuePtr list(std::vector<ValuePtr> items = {});
  static ValuePtr tuple(std::vector<ValuePtr> items = {});
  static ValuePtr dict(bool ordered = false);  // ordered: collections.OrderedDict
  static ValuePtr set_of(std::vector<ValuePtr> items = {}, bool frozen = false);
  static ValuePtr size(Shape s);
  static ValuePtr dtype(Dtype d);
  static ValuePtr device(Device d);
  static ValuePtr storage(Tensor flat);
  static ValuePtr global(std::string qualified_name);

  ~Value();
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;

  Kind kind() const { return kind_; }
  const char* kind_name() const;
  bool is_none() const { return kind_ == Kind::None; }
  bool is_tensor() const { return kind_ == Kind::Tensor; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_container() const;  // List, Tuple, Dict, Set, FrozenSet

  // Scalars (each throws naming the kind when it is another one).
  bool as_bool() const;
  int64_t as_int() const;
  double as_double() const;        // Float, or Int converted
  const std::string& as_string() const;  // String, Bytes, Global's name
  const Tensor& as_tensor() const;        // Tensor, Storage
  bool parameter() const { return kind_ == Kind::Tensor && flag_; }
  const Shape& as_size() const;
  Dtype as_dtype() const;
  Device as_device() const;

  // List, Tuple, Set, FrozenSet.
  const std::vector<ValuePtr>& items() const;
  std::vector<ValuePtr>& items();

  // Dict: entries in insertion order; set() replaces an equal key's value like Python's d[k] = v.
  bool ordered() const { return kind_ == Kind::Dict && flag_; }
  const std::vector<Entry>& entries() const;
  void set(ValuePtr key, ValuePtr value);
  void set(const std::string& key, ValuePtr value) { set(string(key), std::move(value)); }
  ValuePtr get(const std::string& key) const;  // nullptr when absent

  // Python attributes of the object (an OrderedDict's _metadata, a Parameter's __dict__).
  const std::vector<std::pair<std::string, ValuePtr>>& attrs() const { return attrs_; }
  void set_attr(const std::string& name, ValuePtr v);
  ValuePtr attr(const std::string& name) const;  // nullptr when absent

  // Drops every item, entry and attribute (how a failed read breaks reference cycles).
  void clear();

  // Nesting depth of a tuple or frozenset (1 + its deepest tuple/frozenset item), exact because they are
  // immutable; what bounds the recursion when such a value is a dict key.
  int depth() const { return depth_; }

  // A string equal for two keys exactly when Python's == says they are equal (numbers, strings, bytes,
  // tuples of those); other objects (tensors, lists) are keyed by identity.
  std::string key_signature() const;

 protected:
  explicit Value(Kind k) : kind_(k) {}

 private:
  void expect(Kind k, const char* what) const;

  Kind kind_;
  bool flag_ = false;  // Bool: value; Tensor: parameter; Dict: ordered; Set: frozen
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  Tensor t_;
  Shape shape_;
  Dtype dtype_ = Dtype::Float32;
  Device device_;
  std::vector<ValuePtr> items_;
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, ValuePtr>> attrs_;
  std::unordered_map<std::string, size_t> index_;  // Dict: key signature -> position in entries_
  int depth_ = 0;
};

// A dict of string keys to tensors (a state_dict) as name/tensor pairs, in order. Throws naming
// the first key or value that is not a string or a tensor.
std::vector<std::pair<std::string, Tensor>> to_named_tensors(const Value& v, const char* op = "to_named_tensors");

}  // namespace ember::serialize
