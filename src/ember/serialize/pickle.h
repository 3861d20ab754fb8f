// Python's pickle format as torch uses it, both ways, without Python.
//
// Reading is a small pickle VM over the data opcodes of protocols 0-5. It never
// calls anything named in the file: a global is resolved against a fixed
// allow-list (the tensor and parameter rebuild functions, storage types,
// OrderedDict, set/frozenset/bytes, torch.Size/device/dtypes) and applied by
// code here, and any other global is refused with an error naming it. Every
// length, index and nesting depth read from the data is checked.
//
// Writing produces protocol-2 pickles that torch.load reads: tensors become
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
// OrderedDict()) over persistent-id storages, each storage saved once.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "ember/serialize/value.h"

namespace ember::serialize {

// The deepest nesting of containers read or written (Python's own recursion limit is about this).
constexpr int kMaxNesting = 1000;

// Turns a persistent id (torch: ('storage', storage_type, key, location, numel[, view_metadata]))
// into the Value it stands for, normally Value::storage.
using PersistentLoad = std::function<ValuePtr(const Value& pid)>;

// Reads one pickle from data[0, n). Sets *consumed to the bytes up to and including its STOP.
// Errors start with `op` ("ember.load: ...").
ValuePtr unpickle(const void* data, size_t n, const PersistentLoad& persistent_load, const char* op,
                  size_t* consumed = nullptr);

// The dtype of a torch storage class name ("torch.FloatStorage" -> Float32); false when unknown.
bool storage_type_dtype(const std::string& qualified_name, Dtype& out);
// "FloatStorage" for Float32, ...
const char* storage_type_name(Dtype d);

// A storage a pickle refers to, to be written beside it.
struct SavedStorage {
  std::string key;
  Ref<Storage> storage;
  Dtype dtype;
  int64_t numel;  // in elements of dtype
};

struct PickleOptions {
  int protocol = 2;     // 2..5; only protocol-2 opcodes are used, plus BINBYTES for bytes from protocol 3
  bool legacy = false;  // persistent ids of the pre-zip format (with a trailing view_metadata None)
};

// Pickles values; storages accumulate across dump() calls so one table covers a whole file.
class Pickler {
 public:
  explicit Pickler(PickleOptions opts, const char* op);
  // Appends one complete pickle of v (PROTO ... STOP) to out().
  void dump(const Value& v);
  const std::string& out() const { return out_; }
  std::string take_out() { return std::move(out_); }
  const std::vector<SavedStorage>& storages() const { return storages_; }

 private:
  void save(const Value& v, int depth);
  void save_tensor(const Value& v, const Tensor& t, int depth);
  void save_storage_pid(const Tensor& t);
  void save_global(const std::string& module, const std::string& name);
  void save_int(int64_t i);
  void save_str(const std::string& s);
  void save_items(const std::vector<ValuePtr>& items, int depth);
  void save_dict_items(const Value& d, int depth);
  bool save_memo_get(const void* key);
  void memoize(const void* key);
  void put_index(uint32_t idx);

  PickleOptions opts_;
  const char* op_;
  std::string out_;
  std::unordered_map<const void*, uint32_t> memo_;
  std::unordered_map<std::string, uint32_t> global_memo_;
  uint32_t next_memo_ = 0;
  std::unordered_map<const Storage*, size_t> storage_index_;
  std::vector<SavedStorage> storages_;
};

}  // namespace ember::serialize
