#include "ember/serialize/value.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "ember/core/error.h"

namespace ember::serialize {

// The constructor is private; this tiny subclass gives make_shared access to it.
struct ValueMaker : Value {
  explicit ValueMaker(Kind k) : Value(k) {}
};

namespace {
ValuePtr make(Value::Kind k) { return std::make_shared<ValueMaker>(k); }
}  // namespace

ValuePtr Value::none() { return make(Kind::None); }
ValuePtr Value::boolean(bool b) { auto v = make(Kind::Bool); v->flag_ = b; return v; }
ValuePtr Value::integer(int64_t i) { auto v = make(Kind::Int); v->i_ = i; return v; }
ValuePtr Value::floating(double d) { auto v = make(Kind::Float); v->d_ = d; return v; }
ValuePtr Value::string(std::string s) { auto v = make(Kind::String); v->s_ = std::move(s); return v; }
ValuePtr Value::bytes(std::string b) { auto v = make(Kind::Bytes); v->s_ = std::move(b); return v; }
ValuePtr Value::tensor(Tensor t, bool parameter) {
  EMBER_CHECK(t.defined(), "serialize", "cannot store an undefined tensor");
  auto v = make(Kind::Tensor);
  v->t_ = std::move(t);
  v->flag_ = parameter;
  return v;
}
ValuePtr Value::list(std::vector<ValuePtr> items) { auto v = make(Kind::List); v->items_ = std::move(items); return v; }
namespace {
int nested_depth(const std::vector<ValuePtr>& items) {
  int d = 0;
  for (auto& c : items)
    if (c && (c->kind() == Value::Kind::Tuple || c->kind() == Value::Kind::FrozenSet)) d = std::max(d, c->depth());
  return d + 1;
}
}  // namespace

ValuePtr Value::tuple(std::vector<ValuePtr> items) {
  auto v = make(Kind::Tuple);
  v->depth_ = nested_depth(items);
  v->items_ = std::move(items);
  return v;
}
ValuePtr Value::dict(bool ordered) { auto v = make(Kind::Dict); v->flag_ = ordered; return v; }
ValuePtr Value::set_of(std::vector<ValuePtr> items, bool frozen) {
  auto v = make(frozen ? Kind::FrozenSet : Kind::Set);
  if (frozen) v->depth_ = nested_depth(items);
  v->items_ = std::move(items);
  return v;
}
ValuePtr Value::size(Shape s) { auto v = make(Kind::Size); v->shape_ = std::move(s); return v; }
ValuePtr Value::dtype(Dtype d) { auto v = make(Kind::Dtype); v->dtype_ = d; return v; }
ValuePtr Value::device(Device d) { auto v = make(Kind::Device); v->device_ = d; return v; }
ValuePtr Value::storage(Tensor flat) { auto v = make(Kind::Storage); v->t_ = std::move(flat); return v; }
ValuePtr Value::global(std::string name) { auto v = make(Kind::Global); v->s_ = std::move(name); return v; }

// Children are released iteratively: a deeply nested tree read from a hostile
// file must not overflow the stack through recursive destructors.
Value::~Value() {
  if (items_.empty() && entries_.empty() && attrs_.empty()) return;
  std::vector<ValuePtr> pending;
  auto take = [&pending](Value& v) {
    for (auto& c : v.items_) pending.push_back(std::move(c));
    for (auto& e : v.entries_) { pending.push_back(std::move(e.first)); pending.push_back(std::move(e.second)); }
    for (auto& a : v.attrs_) pending.push_back(std::move(a.second));
    v.items_.clear();
    v.entries_.clear();
    v.attrs_.clear();
  };
  take(*this);
  while (!pending.empty()) {
    ValuePtr p = std::move(pending.back());
    pending.pop_back();
    if (p && p.use_count() == 1) take(*p);
  }
}

const char* Value::kind_name() const {
  switch (kind_) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tensor: return "Tensor";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return flag_ ? "OrderedDict" : "dict";
    case Kind::Set: return "set";
    case Kind::FrozenSet: return "frozenset";
    case Kind::Size: return "Size";
    case Kind::Dtype: return "dtype";
    case Kind::Device: return "device";
    case Kind::Storage: return "Storage";
    case Kind::Global: return "global";
  }
  return "?";
}

bool Value::is_container() const {
  return kind_ == Kind::List || kind_ == Kind::Tuple || kind_ == Kind::Dict || kind_ == Kind::Set ||
         kind_ == Kind::FrozenSet;
}

void Value::expect(Kind k, const char* what) const {
  EMBER_CHECK_TYPE(kind_ == k, "serialize::Value", "expected ", what, " but the value is a ", kind_name());
}

bool Value::as_bool() const { expect(Kind::Bool, "a bool"); return flag_; }
int64_t Value::as_int() const { expect(Kind::Int, "an int"); return i_; }
double Value::as_double() const {
  if (kind_ == Kind::Int) return double(i_);
  expect(Kind::Float, "a float");
  return d_;
}
const std::string& Value::as_string() const {
  EMBER_CHECK_TYPE(kind_ == Kind::String || kind_ == Kind::Bytes || kind_ == Kind::Global, "serialize::Value",
                   "expected a str but the value is a ", kind_name());
  return s_;
}
const Tensor& Value::as_tensor() const {
  EMBER_CHECK_TYPE(kind_ == Kind::Tensor || kind_ == Kind::Storage, "serialize::Value",
                   "expected a Tensor but the value is a ", kind_name());
  return t_;
}
const Shape& Value::as_size() const { expect(Kind::Size, "a Size"); return shape_; }
Dtype Value::as_dtype() const { expect(Kind::Dtype, "a dtype"); return dtype_; }
Device Value::as_device() const { expect(Kind::Device, "a device"); return device_; }

const std::vector<ValuePtr>& Value::items() const { return const_cast<Value*>(this)->items(); }
std::vector<ValuePtr>& Value::items() {
  EMBER_CHECK_TYPE(kind_ == Kind::List || kind_ == Kind::Tuple || kind_ == Kind::Set || kind_ == Kind::FrozenSet,
                   "serialize::Value", "expected a list, tuple or set but the value is a ", kind_name());
  return items_;
}

const std::vector<Value::Entry>& Value::entries() const {
  expect(Kind::Dict, "a dict");
  return entries_;
}

void Value::set(ValuePtr key, ValuePtr value) {
  expect(Kind::Dict, "a dict");
  EMBER_CHECK(key && value, "serialize::Value", "dict keys and values must not be null");
  auto [it, inserted] = index_.try_emplace(key->key_signature(), entries_.size());
  if (inserted) entries_.emplace_back(std::move(key), std::move(value));
  else entries_[it->second].second = std::move(value);
}

ValuePtr Value::get(const std::string& key) const {
  expect(Kind::Dict, "a dict");
  auto it = index_.find("s" + key);
  return it == index_.end() ? nullptr : entries_[it->second].second;
}

void Value::set_attr(const std::string& name, ValuePtr v) {
  for (auto& a : attrs_)
    if (a.first == name) { a.second = std::move(v); return; }
  attrs_.emplace_back(name, std::move(v));
}

void Value::clear() {
  Value tmp(kind_);  // its destructor releases the children iteratively
  tmp.items_.swap(items_);
  tmp.entries_.swap(entries_);
  tmp.attrs_.swap(attrs_);
  index_.clear();
}

ValuePtr Value::attr(const std::string& name) const {
  for (auto& a : attrs_)
    if (a.first == name) return a.second;
  return nullptr;
}

std::string Value::key_signature() const {
  auto num = [](int64_t i) { return "i" + std::to_string(i); };
  switch (kind_) {
    case Kind::None: return "N";
    case Kind::Bool: return num(flag_);
    case Kind::Int: return num(i_);
    case Kind::Float: {
      // 2.0 == 2 as Python keys; other floats are keyed by their bits.
      if (d_ == d_ && d_ >= -9.2e18 && d_ <= 9.2e18 && double(int64_t(d_)) == d_) return num(int64_t(d_));
      uint64_t bits;
      std::memcpy(&bits, &d_, 8);
      return "f" + std::to_string(bits);
    }
    case Kind::String: return "s" + s_;
    case Kind::Bytes: return "b" + s_;
    case Kind::Global: return "g" + s_;
    case Kind::Dtype: return "d" + std::to_string(int(dtype_));
    case Kind::Device: return "v" + device_.str();
    case Kind::Size: {
      std::string k = "z";
      for (auto s : shape_) k += std::to_string(s) + ",";
      return k;
    }
    case Kind::Tuple:
    case Kind::FrozenSet: {
      std::vector<std::string> parts;
      for (auto& c : items_) parts.push_back(c->key_signature());
      if (kind_ == Kind::FrozenSet) std::sort(parts.begin(), parts.end());
      std::string k = kind_ == Kind::Tuple ? "t" : "F";
      for (auto& p : parts) k += std::to_string(p.size()) + ":" + p;  // length-prefixed: unambiguous
      return k;
    }
    default: {  // identity
      char buf[32];
      std::snprintf(buf, sizeof buf, "p%p", static_cast<const void*>(this));
      return buf;
    }
  }
}

std::vector<std::pair<std::string, Tensor>> to_named_tensors(const Value& v, const char* op) {
  EMBER_CHECK_TYPE(v.is_dict(), op, "expected a dict of tensors (a state_dict) but the file holds a ", v.kind_name());
  std::vector<std::pair<std::string, Tensor>> out;
  out.reserve(v.entries().size());
  for (auto& [k, val] : v.entries()) {
    EMBER_CHECK_TYPE(k->is_string(), op, "expected string keys but found a key of type ", k->kind_name());
    EMBER_CHECK_TYPE(val->is_tensor(), op, "expected a tensor under key '", k->as_string(), "' but found a ",
                     val->kind_name());
    out.emplace_back(k->as_string(), val->as_tensor());
  }
  return out;
}

}  // namespace ember::serialize
