#include "ember/serialize/pickle.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "ember/core/error.h"

namespace ember::serialize {

namespace {

// Pickle opcodes (Lib/pickle.py).
enum Op : unsigned char {
  MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I', BININT = 'J',
  BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P', BINPERSID = 'Q', REDUCE = 'R',
  STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U', UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a',
  BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h',
  INST = 'i', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q',
  LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
  PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85, TUPLE2 = 0x86,
  TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b, BINBYTES = 'B',
  SHORT_BINBYTES = 'C', SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f,
  ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
  BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97, READONLY_BUFFER = 0x98,
};

struct StorageTypeName {
  const char* name;
  Dtype dtype;
};
constexpr StorageTypeName kStorageTypes[] = {
    {"FloatStorage", Dtype::Float32}, {"DoubleStorage", Dtype::Float64}, {"HalfStorage", Dtype::Float16},
    {"BFloat16Storage", Dtype::BFloat16}, {"CharStorage", Dtype::Int8}, {"ShortStorage", Dtype::Int16},
    {"IntStorage", Dtype::Int32}, {"LongStorage", Dtype::Int64}, {"ByteStorage", Dtype::UInt8},
    {"BoolStorage", Dtype::Bool},
};

// torch dtype attribute names (what torch.float32.__reduce__ and its aliases give).
struct DtypeName {
  const char* name;
  Dtype dtype;
};
constexpr DtypeName kDtypeNames[] = {
    {"float32", Dtype::Float32}, {"float", Dtype::Float32}, {"float64", Dtype::Float64}, {"double", Dtype::Float64},
    {"float16", Dtype::Float16}, {"half", Dtype::Float16}, {"bfloat16", Dtype::BFloat16}, {"int8", Dtype::Int8},
    {"int16", Dtype::Int16}, {"short", Dtype::Int16}, {"int32", Dtype::Int32}, {"int", Dtype::Int32},
    {"int64", Dtype::Int64}, {"long", Dtype::Int64}, {"uint8", Dtype::UInt8}, {"bool", Dtype::Bool},
};

// Globals the reader applies itself (anything else is refused).
const std::unordered_set<std::string>& allowed_callables() {
  static const std::unordered_set<std::string> s = {
      "collections.OrderedDict",
      "torch._utils._rebuild_tensor",
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter",
      "torch._utils._rebuild_parameter_with_state",
      "torch._tensor._rebuild_from_type_v2",
      "torch.Size",
      "torch.device",
      "torch.Tensor",
      "torch.nn.parameter.Parameter",
      "builtins.set",
      "builtins.frozenset",
      "builtins.bytes",
      "_codecs.encode",
  };
  return s;
}

bool is_rebuild_function(const std::string& n) {
  return n == "torch._utils._rebuild_tensor" || n == "torch._utils._rebuild_tensor_v2" ||
         n == "torch._utils._rebuild_parameter" || n == "torch._utils._rebuild_parameter_with_state";
}

// UTF-8 -> code points (for _codecs.encode(str, 'latin1'), the protocol-2 spelling of bytes).
bool utf8_to_latin1(const std::string& s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { out += char(c); ++i; continue; }
    if ((c & 0xe0) == 0xc0 && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xc0) == 0x80) {
      uint32_t cp = uint32_t(c & 0x1f) << 6 | (static_cast<unsigned char>(s[i + 1]) & 0x3f);
      if (cp < 0x80 || cp > 0xff) return false;
      out += char(cp);
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

std::string latin1_to_utf8(const std::string& b) {
  std::string s;
  s.reserve(b.size());
  for (unsigned char c : b) {
    if (c < 0x80) s += char(c);
    else { s += char(0xc0 | (c >> 6)); s += char(0x80 | (c & 0x3f)); }
  }
  return s;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || i + size_t(len) > n) return false;
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += size_t(len);
  }
  return true;
}

class Unpickler {
 public:
  Unpickler(const unsigned char* p, size_t n, const PersistentLoad& pl, const char* op)
      : p_(p), n_(n), persistent_load_(pl), op_(op) {}

  ValuePtr run(size_t* consumed) {
    try {
      ValuePtr result = loop();
      if (consumed) *consumed = pos_;
      check_acyclic(result);
      return result;
    } catch (...) {
      break_cycles();
      throw;
    }
  }

 private:
  // ---- input
  void need(size_t k) {
    EMBER_CHECK(k <= n_ - pos_, op_, "the pickle is truncated (wanted ", k, " bytes at offset ", pos_, " of ", n_, ")");
  }
  unsigned char u8() { need(1); return p_[pos_++]; }
  uint64_t le(size_t k) {
    need(k);
    uint64_t v = 0;
    for (size_t i = 0; i < k; ++i) v |= uint64_t(p_[pos_ + i]) << (8 * i);
    pos_ += k;
    return v;
  }
  std::string bytes(uint64_t k) {
    EMBER_CHECK(k <= n_ - pos_, op_, "the pickle is truncated (a ", k, "-byte string at offset ", pos_, ")");
    std::string s(reinterpret_cast<const char*>(p_ + pos_), size_t(k));
    pos_ += size_t(k);
    return s;
  }
  std::string line() {
    size_t start = pos_;
    while (pos_ < n_ && p_[pos_] != '\n') {
      EMBER_CHECK(pos_ - start < 4096, op_, "the pickle has an overlong text field at offset ", start);
      ++pos_;
    }
    EMBER_CHECK(pos_ < n_, op_, "the pickle is truncated (unterminated text field at offset ", start, ")");
    std::string s(reinterpret_cast<const char*>(p_ + start), pos_ - start);
    ++pos_;
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }
  int64_t long_bytes(uint64_t k) {
    EMBER_CHECK(k <= 8, op_, "an integer of ", k, " bytes in the pickle is too large (ember keeps integers in 64 bits)");
    need(size_t(k));
    if (k == 0) return 0;
    uint64_t v = le(size_t(k));
    if (k < 8 && (v >> (8 * k - 1)) & 1) v |= ~uint64_t(0) << (8 * k);  // sign-extend
    return int64_t(v);
  }

  // ---- stack
  ValuePtr pop() {
    EMBER_CHECK(stack_.size() > base(), op_, "malformed pickle: stack underflow at offset ", pos_);
    ValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  ValuePtr& top() {
    EMBER_CHECK(stack_.size() > base(), op_, "malformed pickle: stack underflow at offset ", pos_);
    return stack_.back();
  }
  size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<ValuePtr> pop_mark() {
    EMBER_CHECK(!marks_.empty(), op_, "malformed pickle: no MARK before offset ", pos_);
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + ptrdiff_t(m)), std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  void push(ValuePtr v) { stack_.push_back(std::move(v)); }
  // A container that later opcodes may fill: remembered so a failed load can break any cycles.
  ValuePtr mutable_container(ValuePtr v) {
    mutables_.push_back(v);
    return v;
  }
  ValuePtr checked_nesting(ValuePtr v) {
    EMBER_CHECK(v->depth() <= kMaxNesting, op_, "the pickle nests tuples more than ", kMaxNesting, " deep");
    return v;
  }

  Value& expect_kind(const ValuePtr& v, Value::Kind k, const char* what) {
    EMBER_CHECK(v->kind() == k, op_, "malformed pickle: ", what, " applied to a ", v->kind_name(), " at offset ", pos_);
    return *v;
  }

  // ---- the VM
  ValuePtr loop() {
    for (;;) {
      size_t at = pos_;
      unsigned char op = u8();
      switch (op) {
        case PROTO: {
          unsigned char proto = u8();
          EMBER_CHECK(proto <= 5, op_, "unsupported pickle protocol ", int(proto));
          break;
        }
        case FRAME: le(8); break;  // frames only group opcodes for buffering
        case STOP: {
          ValuePtr v = pop();
          return v;
        }
        case MARK: marks_.push_back(stack_.size()); break;
        case POP:
          if (stack_.size() > base()) stack_.pop_back();
          else pop_mark();
          break;
        case POP_MARK: pop_mark(); break;
        case DUP: { ValuePtr v = top(); push(v); break; }

        case NONE: push(Value::none()); break;
        case NEWTRUE: push(Value::boolean(true)); break;
        case NEWFALSE: push(Value::boolean(false)); break;
        case BININT: push(Value::integer(int32_t(uint32_t(le(4))))); break;
        case BININT1: push(Value::integer(int64_t(u8()))); break;
        case BININT2: push(Value::integer(int64_t(le(2)))); break;
        case LONG1: { uint64_t k = u8(); push(Value::integer(long_bytes(k))); break; }
        case LONG4: {
          int64_t k = int32_t(uint32_t(le(4)));
          EMBER_CHECK(k >= 0, op_, "malformed pickle: negative LONG4 length");
          push(Value::integer(long_bytes(uint64_t(k))));
          break;
        }
        case INT: {
          std::string s = line();
          if (s == "00") push(Value::boolean(false));
          else if (s == "01") push(Value::boolean(true));
          else push(Value::integer(parse_int(s)));
          break;
        }
        case LONG: {
          std::string s = line();
          if (!s.empty() && s.back() == 'L') s.pop_back();
          push(Value::integer(parse_int(s)));
          break;
        }
        case FLOAT: {
          std::string s = line();
          char* end = nullptr;
          double d = std::strtod(s.c_str(), &end);
          EMBER_CHECK(!s.empty() && end == s.c_str() + s.size(), op_, "malformed pickle: bad float '", s, "'");
          push(Value::floating(d));
          break;
        }
        case BINFLOAT: {
          need(8);
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = bits << 8 | p_[pos_ + size_t(i)];  // big-endian
          pos_ += 8;
          double d;
          std::memcpy(&d, &bits, 8);
          push(Value::floating(d));
          break;
        }

        case BINUNICODE: push(Value::string(bytes(le(4)))); break;
        case SHORT_BINUNICODE: push(Value::string(bytes(u8()))); break;
        case BINUNICODE8: push(Value::string(bytes(le(8)))); break;
        // Python 2 str: torch.load decodes these as UTF-8.
        case BINSTRING: {
          int64_t k = int32_t(uint32_t(le(4)));
          EMBER_CHECK(k >= 0, op_, "malformed pickle: negative BINSTRING length");
          push(Value::string(bytes(uint64_t(k))));
          break;
        }
        case SHORT_BINSTRING: push(Value::string(bytes(u8()))); break;
        case BINBYTES: push(Value::bytes(bytes(le(4)))); break;
        case SHORT_BINBYTES: push(Value::bytes(bytes(u8()))); break;
        case BINBYTES8: push(Value::bytes(bytes(le(8)))); break;

        case EMPTY_TUPLE: push(Value::tuple()); break;
        case TUPLE: push(checked_nesting(Value::tuple(pop_mark()))); break;
        case TUPLE1: { ValuePtr a = pop(); push(checked_nesting(Value::tuple({a}))); break; }
        case TUPLE2: {
          ValuePtr b = pop(), a = pop();
          push(checked_nesting(Value::tuple({a, b})));
          break;
        }
        case TUPLE3: {
          ValuePtr c = pop(), b = pop(), a = pop();
          push(checked_nesting(Value::tuple({a, b, c})));
          break;
        }
        case EMPTY_LIST: push(mutable_container(Value::list())); break;
        case LIST: push(mutable_container(Value::list(pop_mark()))); break;
        case APPEND: {
          ValuePtr v = pop();
          expect_kind(top(), Value::Kind::List, "APPEND").items().push_back(std::move(v));
          break;
        }
        case APPENDS: {
          auto items = pop_mark();
          auto& list = expect_kind(top(), Value::Kind::List, "APPENDS").items();
          for (auto& v : items) list.push_back(std::move(v));
          break;
        }
        case EMPTY_DICT: push(mutable_container(Value::dict())); break;
        case DICT: {
          auto items = pop_mark();
          EMBER_CHECK(items.size() % 2 == 0, op_, "malformed pickle: DICT with an odd number of items");
          ValuePtr d = mutable_container(Value::dict());
          for (size_t i = 0; i < items.size(); i += 2) d->set(items[i], items[i + 1]);
          push(d);
          break;
        }
        case SETITEM: {
          ValuePtr v = pop(), k = pop();
          expect_kind(top(), Value::Kind::Dict, "SETITEM").set(std::move(k), std::move(v));
          break;
        }
        case SETITEMS: {
          auto items = pop_mark();
          EMBER_CHECK(items.size() % 2 == 0, op_, "malformed pickle: SETITEMS with an odd number of items");
          Value& d = expect_kind(top(), Value::Kind::Dict, "SETITEMS");
          for (size_t i = 0; i < items.size(); i += 2) d.set(items[i], items[i + 1]);
          break;
        }
        case EMPTY_SET: push(mutable_container(Value::set_of())); break;
        case ADDITEMS: {
          auto items = pop_mark();
          auto& set = expect_kind(top(), Value::Kind::Set, "ADDITEMS").items();
          for (auto& v : items) set.push_back(std::move(v));
          break;
        }
        case FROZENSET: push(checked_nesting(Value::set_of(pop_mark(), /*frozen=*/true))); break;

        case BINPUT: memo_put(u8()); break;
        case LONG_BINPUT: memo_put(le(4)); break;
        case PUT: memo_put(uint64_t(parse_int(line()))); break;
        case MEMOIZE: memo_put(memo_.size()); break;
        case BINGET: memo_get(u8()); break;
        case LONG_BINGET: memo_get(le(4)); break;
        case GET: memo_get(uint64_t(parse_int(line()))); break;

        case GLOBAL: {
          std::string module = line();
          std::string name = line();
          push(resolve_global(module, name));
          break;
        }
        case STACK_GLOBAL: {
          ValuePtr name = pop(), module = pop();
          EMBER_CHECK(name->is_string() && module->is_string(), op_, "malformed pickle: STACK_GLOBAL needs two strings");
          push(resolve_global(module->as_string(), name->as_string()));
          break;
        }
        case REDUCE:
        case NEWOBJ: {
          ValuePtr args = pop(), fn = pop();
          push(reduce(fn, args));
          break;
        }
        case BUILD: {
          ValuePtr state = pop();
          build(top(), state);
          break;
        }
        case BINPERSID: {
          ValuePtr pid = pop();
          EMBER_CHECK(bool(persistent_load_), op_, "malformed pickle: unexpected persistent id at offset ", at);
          ValuePtr v = persistent_load_(*pid);
          EMBER_CHECK(v, op_, "malformed pickle: unresolved persistent id at offset ", at);
          push(std::move(v));
          break;
        }
        case INST:
        case OBJ:
        case NEWOBJ_EX:
        case EXT1:
        case EXT2:
        case EXT4:
          EMBER_FAIL(op_, "refusing pickle opcode 0x", hex(op), " at offset ", at,
                     ": it constructs arbitrary objects; only tensors, storages, containers, numbers and strings "
                     "are allowed");
        default:
          EMBER_FAIL(op_, "malformed or unsupported pickle: opcode 0x", hex(op), " at offset ", at);
      }
    }
  }

  static std::string hex(unsigned char c) {
    const char* d = "0123456789abcdef";
    return {d[c >> 4], d[c & 15]};
  }

  int64_t parse_int(const std::string& s) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    EMBER_CHECK(!s.empty() && end == s.c_str() + s.size() && errno == 0, op_, "malformed pickle: bad integer '", s, "'");
    return int64_t(v);
  }

  void memo_put(uint64_t idx) {
    EMBER_CHECK(memo_.size() < (size_t(1) << 26) || memo_.count(idx), op_, "malformed pickle: memo too large");
    memo_[idx] = top();
  }
  void memo_get(uint64_t idx) {
    auto it = memo_.find(idx);
    EMBER_CHECK(it != memo_.end(), op_, "malformed pickle: memo key ", idx, " not found at offset ", pos_);
    push(it->second);
  }

  ValuePtr resolve_global(std::string module, const std::string& name) {
    if (module == "__builtin__") module = "builtins";  // protocol 2 names builtins the Python 2 way
    std::string q = module + "." + name;
    Dtype d;
    if (module == "torch") {
      for (auto& dn : kDtypeNames)
        if (name == dn.name) return Value::dtype(dn.dtype);
    }
    if (storage_type_dtype(q, d)) return Value::global(q);
    if (q == "torch.storage.UntypedStorage" || q == "torch.UntypedStorage" || q == "torch.storage._UntypedStorage" ||
        q == "torch._UntypedStorage")
      return Value::global(q);
    if (allowed_callables().count(q)) return Value::global(q);
    if (module == "torch" && (name.find("complex") != std::string::npos || name.find("Complex") != std::string::npos ||
                              name.find("qint") != std::string::npos || name.find("QInt") != std::string::npos ||
                              name.find("QUInt") != std::string::npos || name.find("quint") != std::string::npos))
      EMBER_NOT_SUPPORTED(op_, "'", q, "': complex and quantized dtypes are not supported by ember");
    bool torch_object = module == "torch" || module.rfind("torch.", 0) == 0 || module.rfind("__torch__", 0) == 0;
    EMBER_FAIL(op_, "refusing to load '", q, "': only tensors, storages, containers, numbers and strings are allowed",
               torch_object ? " (sparse, quantized and subclassed tensors and pickled torch objects such as whole "
                              "modules are not rebuilt; save a state_dict instead)"
                            : " (the loader never runs code named in a file)");
  }

  // A callable applied to its arguments: only what resolve_global let through reaches here.
  ValuePtr reduce(const ValuePtr& fn, const ValuePtr& args) {
    EMBER_CHECK(fn->kind() == Value::Kind::Global, op_, "malformed pickle: calling a ", fn->kind_name(), " at offset ", pos_);
    EMBER_CHECK(args->kind() == Value::Kind::Tuple, op_, "malformed pickle: arguments of '", fn->as_string(),
                "' are a ", args->kind_name(), ", not a tuple");
    const std::string& f = fn->as_string();
    const auto& a = args->items();
    auto argc = [&](size_t lo, size_t hi) {
      EMBER_CHECK(a.size() >= lo && a.size() <= hi, op_, "malformed pickle: '", f, "' called with ", a.size(), " arguments");
    };
    if (f == "collections.OrderedDict") {
      argc(0, 1);
      ValuePtr d = mutable_container(Value::dict(/*ordered=*/true));
      if (a.size() == 1) {  // OrderedDict([(k, v), ...])
        EMBER_CHECK(a[0]->kind() == Value::Kind::List || a[0]->kind() == Value::Kind::Tuple, op_,
                    "malformed pickle: OrderedDict needs a list of pairs");
        for (auto& kv : a[0]->items()) {
          EMBER_CHECK((kv->kind() == Value::Kind::Tuple || kv->kind() == Value::Kind::List) && kv->items().size() == 2,
                      op_, "malformed pickle: OrderedDict needs a list of pairs");
          d->set(kv->items()[0], kv->items()[1]);
        }
      }
      return d;
    }
    if (f == "torch._utils._rebuild_tensor_v2") { argc(6, 7); return rebuild_tensor(a, true); }
    if (f == "torch._utils._rebuild_tensor") { argc(4, 4); return rebuild_tensor(a, false); }
    if (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state") {
      bool with_state = f.back() == 'e';
      argc(with_state ? 4 : 3, with_state ? 4 : 3);
      ValuePtr p = make_parameter(a[0], a[1]);
      if (with_state) set_state(p, a[3], f.c_str());
      return p;
    }
    if (f == "torch._tensor._rebuild_from_type_v2") {  // (func, type, args, state)
      argc(4, 4);
      EMBER_CHECK(a[0]->kind() == Value::Kind::Global && is_rebuild_function(a[0]->as_string()), op_,
                  "refusing _rebuild_from_type_v2 with a function that is not a tensor rebuild function");
      EMBER_CHECK(a[1]->kind() == Value::Kind::Global, op_, "malformed pickle: _rebuild_from_type_v2 needs a type");
      ValuePtr t = reduce(a[0], a[2]);
      const std::string& type = a[1]->as_string();
      if (type == "torch.nn.parameter.Parameter" && !t->parameter()) {
        t = make_parameter(t, Value::boolean(t->as_tensor().requires_grad()));
      } else {
        EMBER_CHECK(type == "torch.Tensor" || type == "torch.nn.parameter.Parameter", op_, "refusing to load a tensor of type '",
                    type, "'");
      }
      set_state(t, a[3], "_rebuild_from_type_v2");
      return t;
    }
    if (f == "torch.Size") {
      argc(0, 1);
      Shape s;
      if (a.size() == 1) {
        EMBER_CHECK(a[0]->kind() == Value::Kind::Tuple || a[0]->kind() == Value::Kind::List, op_,
                    "malformed pickle: torch.Size needs a tuple of ints");
        for (auto& d : a[0]->items()) {
          EMBER_CHECK(d->kind() == Value::Kind::Int, op_, "malformed pickle: torch.Size needs a tuple of ints");
          s.push_back(d->as_int());
        }
      }
      return Value::size(std::move(s));
    }
    if (f == "torch.device") {
      argc(1, 2);
      EMBER_CHECK(a[0]->is_string(), op_, "malformed pickle: torch.device needs a string");
      std::string spec = a[0]->as_string();
      if (a.size() == 2 && !a[1]->is_none()) {
        EMBER_CHECK(a[1]->kind() == Value::Kind::Int && a[1]->as_int() >= 0 && a[1]->as_int() < 128, op_,
                    "malformed pickle: bad device index");
        spec += ":" + std::to_string(a[1]->as_int());
      }
      return Value::device(parse_device(spec));
    }
    if (f == "builtins.set" || f == "builtins.frozenset") {
      argc(0, 1);
      std::vector<ValuePtr> items;
      if (a.size() == 1) {
        EMBER_CHECK(a[0]->kind() == Value::Kind::List || a[0]->kind() == Value::Kind::Tuple, op_,
                    "malformed pickle: ", f, " needs a list");
        items = a[0]->items();
      }
      bool frozen = f == "builtins.frozenset";
      ValuePtr s = Value::set_of(std::move(items), frozen);
      return frozen ? checked_nesting(s) : mutable_container(s);
    }
    if (f == "builtins.bytes") {
      argc(0, 0);
      return Value::bytes("");
    }
    if (f == "_codecs.encode") {  // protocol 2 writes bytes as _codecs.encode(latin1 text, 'latin1')
      argc(2, 2);
      EMBER_CHECK(a[0]->is_string() && a[1]->is_string() &&
                      (a[1]->as_string() == "latin1" || a[1]->as_string() == "latin-1"),
                  op_, "refusing _codecs.encode other than (str, 'latin1')");
      std::string b;
      EMBER_CHECK(utf8_to_latin1(a[0]->as_string(), b), op_, "malformed pickle: bytes text is not latin-1");
      return Value::bytes(std::move(b));
    }
    EMBER_FAIL(op_, "refusing to call '", f, "': only tensors, storages, containers, numbers and strings are allowed");
  }

  Device parse_device(const std::string& spec) {
    try {
      return Device(spec);
    } catch (const std::exception&) {
      EMBER_FAIL(op_, "unsupported device '", spec, "' in the file (ember knows cpu and cuda)");
    }
  }

  void set_state(const ValuePtr& obj, const ValuePtr& state, const char* what) {
    if (state->is_none()) return;
    EMBER_CHECK(state->is_dict(), op_, "malformed pickle: the state passed to ", what, " is a ", state->kind_name());
    for (auto& [k, v] : state->entries()) {
      EMBER_CHECK(k->is_string(), op_, "malformed pickle: attribute names must be strings");
      const std::string& name = k->as_string();
      // Python-level attributes such as _metadata; never special ones like __class__.
      EMBER_CHECK(!name.empty() && name.rfind("__", 0) != 0, op_, "refusing to set the attribute '", name, "'");
      obj->set_attr(name, v);
    }
    mutables_.push_back(obj);
  }

  // BUILD: obj.__setstate__(state); here only attributes of an OrderedDict or a tensor.
  void build(const ValuePtr& obj, const ValuePtr& state) {
    EMBER_CHECK(obj->ordered() || obj->is_tensor(), op_, "refusing to set the state of a ", obj->kind_name(),
                " (only OrderedDicts and tensors carry attributes)");
    if (state->kind() == Value::Kind::Tuple && state->items().size() == 2) {  // (dict state, slot state)
      set_state(obj, state->items()[0], "BUILD");
      set_state(obj, state->items()[1], "BUILD");
      return;
    }
    set_state(obj, state, "BUILD");
  }

  ValuePtr make_parameter(const ValuePtr& data, const ValuePtr& requires_grad) {
    EMBER_CHECK(data->is_tensor(), op_, "malformed pickle: a Parameter of a ", data->kind_name());
    EMBER_CHECK(requires_grad->kind() == Value::Kind::Bool, op_, "malformed pickle: requires_grad must be a bool");
    const Tensor& t = data->as_tensor();
    // nn.Parameter(data) is a new tensor sharing data's storage.
    Tensor p = make_view(t, t.sizes(), t.strides(), t.storage_offset());
    set_requires_grad(p, requires_grad->as_bool());
    return Value::tensor(std::move(p), /*parameter=*/true);
  }

  void set_requires_grad(Tensor& t, bool rg) {
    if (!rg) return;
    EMBER_CHECK(is_floating(t.dtype()), op_, "a ", dtype_name(t.dtype()),
                " tensor in the file requires grad, but only floating point tensors can");
    t.requires_grad_(true);
  }

  Shape int_tuple(const ValuePtr& v, const char* what) {
    EMBER_CHECK(v->kind() == Value::Kind::Tuple || v->kind() == Value::Kind::List || v->kind() == Value::Kind::Size, op_,
                "malformed tensor record: ", what, " is a ", v->kind_name());
    if (v->kind() == Value::Kind::Size) return v->as_size();
    Shape s;
    for (auto& d : v->items()) {
      EMBER_CHECK(d->kind() == Value::Kind::Int, op_, "malformed tensor record: ", what, " holds a ", d->kind_name());
      s.push_back(d->as_int());
    }
    return s;
  }

  // torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& a, bool v2) {
    EMBER_CHECK(a[0]->kind() == Value::Kind::Storage, op_, "malformed tensor record: expected a storage, got a ",
                a[0]->kind_name());
    EMBER_CHECK(a[1]->kind() == Value::Kind::Int, op_, "malformed tensor record: storage offset is a ", a[1]->kind_name());
    const Tensor& flat = a[0]->as_tensor();
    int64_t offset = a[1]->as_int();
    Shape size = int_tuple(a[2], "size"), stride = int_tuple(a[3], "stride");
    EMBER_CHECK(size.size() == stride.size(), op_, "malformed tensor record: size ", shape_str(size), " and stride ",
                shape_str(stride), " differ in length");
    EMBER_CHECK(size.size() <= 64, op_, "malformed tensor record: ", size.size(), " dimensions");
    const int64_t avail = flat.numel();
    EMBER_CHECK(offset >= 0 && offset <= avail, op_, "tensor record out of bounds: storage offset ", offset,
                " in a storage of ", avail, " elements");
    // The last element it reaches must lie inside the storage (checked without overflow).
    __int128 numel = 1, last = offset;
    for (size_t d = 0; d < size.size(); ++d) {
      EMBER_CHECK(size[d] >= 0 && stride[d] >= 0, op_, "malformed tensor record: size ", shape_str(size), " stride ",
                  shape_str(stride));
      numel *= size[d];
      if (numel > (__int128(1) << 62)) numel = __int128(1) << 62;  // saturate: checked below
      if (size[d] > 0) last += __int128(size[d] - 1) * stride[d];
    }
    EMBER_CHECK(numel < (__int128(1) << 62), op_, "tensor record too large: size ", shape_str(size));
    EMBER_CHECK(numel == 0 || last < avail, op_, "tensor record out of bounds: size ", shape_str(size), ", stride ",
                shape_str(stride), ", offset ", offset, " reach past a storage of ", avail, " elements");
    Tensor t(make_ref<TensorImpl>(flat.storage(), std::move(size), std::move(stride), flat.storage_offset() + offset,
                                  flat.dtype()));
    if (v2) {
      EMBER_CHECK(a[4]->kind() == Value::Kind::Bool, op_, "malformed tensor record: requires_grad is a ", a[4]->kind_name());
      set_requires_grad(t, a[4]->as_bool());
    }
    return Value::tensor(std::move(t));
  }

  // A finished tree must be acyclic and not too deep: it is walked recursively later.
  void check_acyclic(const ValuePtr& root) {
    enum State : uint8_t { Open, Done };
    std::unordered_map<const Value*, State> seen;
    struct Frame { const Value* v; size_t next; };
    std::vector<Frame> path;
    auto children = [](const Value* v, size_t i) -> const Value* {
      size_t k = i;
      if (v->kind() == Value::Kind::List || v->kind() == Value::Kind::Tuple || v->kind() == Value::Kind::Set ||
          v->kind() == Value::Kind::FrozenSet) {
        if (k < v->items().size()) return v->items()[k].get();
        k -= v->items().size();
      } else if (v->is_dict()) {
        if (k < 2 * v->entries().size()) {
          auto& e = v->entries()[k / 2];
          return (k % 2 ? e.second : e.first).get();
        }
        k -= 2 * v->entries().size();
      }
      if (k < v->attrs().size()) return v->attrs()[k].second.get();
      return nullptr;
    };
    auto enter = [&](const Value* v) {
      auto [it, fresh] = seen.emplace(v, Open);
      if (!fresh) {
        EMBER_CHECK(it->second == Done, op_, "the pickle holds a self-referencing container, which checkpoints never do");
        return;
      }
      EMBER_CHECK(path.size() < size_t(kMaxNesting), op_, "the pickle nests containers more than ", kMaxNesting, " deep");
      path.push_back({v, 0});
    };
    enter(root.get());
    while (!path.empty()) {
      Frame& f = path.back();
      const Value* c = children(f.v, f.next++);
      if (!c) {
        seen[f.v] = Done;
        path.pop_back();
        continue;
      }
      if (c->is_container() || !c->attrs().empty()) enter(c);
    }
  }

  void break_cycles() {
    stack_.clear();
    memo_.clear();
    for (auto& w : mutables_)
      if (auto v = w.lock()) v->clear();
  }

  const unsigned char* p_;
  size_t n_;
  size_t pos_ = 0;
  const PersistentLoad& persistent_load_;
  const char* op_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
  std::vector<std::weak_ptr<Value>> mutables_;
};

}  // namespace

bool storage_type_dtype(const std::string& q, Dtype& out) {
  if (q.rfind("torch.", 0) != 0) return false;
  // torch.cuda.FloatStorage: how old checkpoints name storages that lived on a GPU
  std::string name = q.substr(q.rfind("torch.cuda.", 0) == 0 ? 11 : 6);
  for (auto& s : kStorageTypes)
    if (name == s.name) { out = s.dtype; return true; }
  if (q == "torch.storage.UntypedStorage" || q == "torch.UntypedStorage" || q == "torch.storage._UntypedStorage" ||
      q == "torch._UntypedStorage") {
    out = Dtype::UInt8;
    return true;
  }
  return false;
}

const char* storage_type_name(Dtype d) {
  for (auto& s : kStorageTypes)
    if (s.dtype == d) return s.name;
  return "ByteStorage";
}

ValuePtr unpickle(const void* data, size_t n, const PersistentLoad& persistent_load, const char* op, size_t* consumed) {
  Unpickler u(static_cast<const unsigned char*>(data), n, persistent_load, op);
  return u.run(consumed);
}

// ---------------------------------------------------------------- writing

Pickler::Pickler(PickleOptions opts, const char* op) : opts_(opts), op_(op) {
  EMBER_CHECK_VALUE(opts.protocol >= 2 && opts.protocol <= 5, op, "pickle_protocol ", opts.protocol,
                    " is not supported (ember writes protocols 2 to 5)");
}

void Pickler::dump(const Value& v) {
  memo_.clear();
  global_memo_.clear();
  next_memo_ = 0;
  out_ += char(PROTO);
  out_ += char(opts_.protocol);
  save(v, 0);
  out_ += char(STOP);
}

void Pickler::put_index(uint32_t idx) {
  if (idx < 256) {
    out_ += char(BINPUT);
    out_ += char(idx);
  } else {
    out_ += char(LONG_BINPUT);
    for (int i = 0; i < 4; ++i) out_ += char((idx >> (8 * i)) & 0xff);
  }
}

void Pickler::memoize(const void* key) {
  memo_[key] = next_memo_;
  put_index(next_memo_++);
}

bool Pickler::save_memo_get(const void* key) {
  auto it = memo_.find(key);
  if (it == memo_.end()) return false;
  uint32_t idx = it->second;
  if (idx < 256) {
    out_ += char(BINGET);
    out_ += char(idx);
  } else {
    out_ += char(LONG_BINGET);
    for (int i = 0; i < 4; ++i) out_ += char((idx >> (8 * i)) & 0xff);
  }
  return true;
}

void Pickler::save_global(const std::string& module, const std::string& name) {
  std::string key = module + "\n" + name;
  auto it = global_memo_.find(key);
  if (it != global_memo_.end()) {
    uint32_t idx = it->second;
    if (idx < 256) { out_ += char(BINGET); out_ += char(idx); }
    else { out_ += char(LONG_BINGET); for (int i = 0; i < 4; ++i) out_ += char((idx >> (8 * i)) & 0xff); }
    return;
  }
  out_ += char(GLOBAL);
  out_ += key;
  out_ += '\n';
  global_memo_[key] = next_memo_;
  put_index(next_memo_++);
}

void Pickler::save_int(int64_t i) {
  if (i >= 0 && i < 256) {
    out_ += char(BININT1);
    out_ += char(i);
  } else if (i >= 0 && i < 65536) {
    out_ += char(BININT2);
    out_ += char(i & 0xff);
    out_ += char(i >> 8);
  } else if (i >= INT32_MIN && i <= INT32_MAX) {
    out_ += char(BININT);
    uint32_t u = uint32_t(int32_t(i));
    for (int k = 0; k < 4; ++k) out_ += char((u >> (8 * k)) & 0xff);
  } else {  // LONG1: the shortest little-endian two's complement
    std::string b;
    uint64_t u = uint64_t(i);
    for (int k = 0; k < 8; ++k) b += char((u >> (8 * k)) & 0xff);
    while (b.size() > 1) {
      unsigned char last = b.back(), prev = b[b.size() - 2];
      if ((last == 0x00 && !(prev & 0x80)) || (last == 0xff && (prev & 0x80))) b.pop_back();
      else break;
    }
    out_ += char(LONG1);
    out_ += char(b.size());
    out_ += b;
  }
}

void Pickler::save_str(const std::string& s) {
  EMBER_CHECK(valid_utf8(s), op_, "cannot save a string that is not valid UTF-8");
  EMBER_CHECK(s.size() <= 0xffffffffu, op_, "string too long");
  out_ += char(BINUNICODE);
  uint32_t n = uint32_t(s.size());
  for (int k = 0; k < 4; ++k) out_ += char((n >> (8 * k)) & 0xff);
  out_ += s;
}

void Pickler::save_items(const std::vector<ValuePtr>& items, int depth) {
  // Batches of 1000 as Python's pickler writes them.
  for (size_t i = 0; i < items.size(); i += 1000) {
    out_ += char(MARK);
    for (size_t j = i; j < std::min(items.size(), i + 1000); ++j) save(*items[j], depth + 1);
    out_ += char(APPENDS);
  }
}

void Pickler::save_dict_items(const Value& d, int depth) {
  auto& e = d.entries();
  for (size_t i = 0; i < e.size(); i += 1000) {
    out_ += char(MARK);
    for (size_t j = i; j < std::min(e.size(), i + 1000); ++j) {
      save(*e[j].first, depth + 1);
      save(*e[j].second, depth + 1);
    }
    out_ += char(SETITEMS);
  }
}

void Pickler::save_storage_pid(const Tensor& flat) {
  const Ref<Storage>& st = flat.storage();
  Dtype dt = flat.dtype();
  check_device_available(st->device(), op_);
  int64_t numel = int64_t(st->nbytes() / itemsize(dt));
  auto [it, fresh] = storage_index_.emplace(st.get(), storages_.size());
  if (fresh) storages_.push_back({std::to_string(storages_.size()), st, dt, numel});
  const SavedStorage& s = storages_[it->second];
  EMBER_CHECK(s.dtype == dt, op_, "cannot save multiple tensors or storages that view the same data as different types (",
              dtype_name(s.dtype), " and ", dtype_name(dt), ")");
  out_ += char(MARK);
  save_str("storage");
  save_global("torch", storage_type_name(dt));
  save_str(s.key);
  save_str(st->device().str());
  save_int(s.numel);
  if (opts_.legacy) out_ += char(NONE);  // view_metadata
  out_ += char(TUPLE);
  out_ += char(BINPERSID);
}

void Pickler::save_tensor(const Value& v, const Tensor& t, int depth) {
  // nn.Parameter: _rebuild_parameter(data, requires_grad, OrderedDict()[, state]) around the detached data.
  bool param = v.parameter();
  if (param) {
    save_global("torch._utils", v.attrs().empty() ? "_rebuild_parameter" : "_rebuild_parameter_with_state");
    out_ += char(MARK);
  }
  save_global("torch._utils", "_rebuild_tensor_v2");
  out_ += char(MARK);
  save_storage_pid(t);
  save_int(t.storage_offset());
  out_ += char(MARK);
  for (auto s : t.sizes()) save_int(s);
  out_ += char(TUPLE);
  out_ += char(MARK);
  for (auto s : t.strides()) save_int(s);
  out_ += char(TUPLE);
  out_ += char(!param && t.requires_grad() ? NEWTRUE : NEWFALSE);
  save_global("collections", "OrderedDict");
  out_ += char(EMPTY_TUPLE);
  out_ += char(REDUCE);
  out_ += char(TUPLE);
  out_ += char(REDUCE);
  if (param) {
    out_ += char(t.requires_grad() ? NEWTRUE : NEWFALSE);
    save_global("collections", "OrderedDict");
    out_ += char(EMPTY_TUPLE);
    out_ += char(REDUCE);
    if (!v.attrs().empty()) {
      out_ += char(EMPTY_DICT);
      out_ += char(MARK);
      for (auto& [k, a] : v.attrs()) {
        save_str(k);
        save(*a, depth + 1);
      }
      out_ += char(SETITEMS);
    }
    out_ += char(TUPLE);
    out_ += char(REDUCE);
  }
  memoize(&v);
}

void Pickler::save(const Value& v, int depth) {
  EMBER_CHECK(depth <= kMaxNesting, op_, "cannot save containers nested more than ", kMaxNesting,
              " deep (or a self-referencing one)");
  using K = Value::Kind;
  switch (v.kind()) {
    case K::None: out_ += char(NONE); return;
    case K::Bool: out_ += char(v.as_bool() ? NEWTRUE : NEWFALSE); return;
    case K::Int: save_int(v.as_int()); return;
    case K::Float: {
      double d = v.as_double();
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      out_ += char(BINFLOAT);
      for (int i = 7; i >= 0; --i) out_ += char((bits >> (8 * i)) & 0xff);
      return;
    }
    case K::String: save_str(v.as_string()); return;
    case K::Bytes: {
      const std::string& b = v.as_string();
      if (opts_.protocol >= 3) {
        out_ += char(BINBYTES);
        uint32_t n = uint32_t(b.size());
        for (int k = 0; k < 4; ++k) out_ += char((n >> (8 * k)) & 0xff);
        out_ += b;
      } else if (b.empty()) {
        save_global("__builtin__", "bytes");
        out_ += char(EMPTY_TUPLE);
        out_ += char(REDUCE);
      } else {
        save_global("_codecs", "encode");
        save_str(latin1_to_utf8(b));
        save_str("latin1");
        out_ += char(TUPLE2);
        out_ += char(REDUCE);
      }
      return;
    }
    case K::Tensor:
      if (save_memo_get(&v)) return;
      save_tensor(v, v.as_tensor(), depth);
      return;
    case K::Storage: {
      if (save_memo_get(&v)) return;
      const Tensor& flat = v.as_tensor();
      EMBER_CHECK(flat.storage_offset() == 0 && size_t(flat.numel()) * itemsize(flat.dtype()) == flat.storage()->nbytes(),
                  op_, "cannot save a view of a storage; save the tensor instead");
      save_storage_pid(flat);
      memoize(&v);
      return;
    }
    case K::List:
      if (save_memo_get(&v)) return;
      out_ += char(EMPTY_LIST);
      memoize(&v);
      save_items(v.items(), depth);
      return;
    case K::Tuple: {
      if (save_memo_get(&v)) return;
      auto& items = v.items();
      if (items.empty()) { out_ += char(EMPTY_TUPLE); return; }
      if (items.size() <= 3) {
        for (auto& i : items) save(*i, depth + 1);
        out_ += char(TUPLE1 + items.size() - 1);
      } else {
        out_ += char(MARK);
        for (auto& i : items) save(*i, depth + 1);
        out_ += char(TUPLE);
      }
      memoize(&v);
      return;
    }
    case K::Dict:
      if (save_memo_get(&v)) return;
      if (v.ordered()) {
        save_global("collections", "OrderedDict");
        out_ += char(EMPTY_TUPLE);
        out_ += char(REDUCE);
      } else {
        out_ += char(EMPTY_DICT);
      }
      memoize(&v);
      save_dict_items(v, depth);
      if (!v.attrs().empty()) {
        EMBER_CHECK(v.ordered(), op_, "only an OrderedDict can carry attributes");
        out_ += char(EMPTY_DICT);
        out_ += char(MARK);
        for (auto& [k, a] : v.attrs()) {
          save_str(k);
          save(*a, depth + 1);
        }
        out_ += char(SETITEMS);
        out_ += char(BUILD);
      }
      return;
    case K::Set:
    case K::FrozenSet:
      if (save_memo_get(&v)) return;
      save_global("__builtin__", v.kind() == K::Set ? "set" : "frozenset");
      out_ += char(EMPTY_LIST);
      save_items(v.items(), depth);
      out_ += char(TUPLE1);
      out_ += char(REDUCE);
      memoize(&v);
      return;
    case K::Size:
      save_global("torch", "Size");
      out_ += char(MARK);
      for (auto s : v.as_size()) save_int(s);
      out_ += char(TUPLE);
      out_ += char(TUPLE1);
      out_ += char(REDUCE);
      return;
    case K::Dtype: save_global("torch", dtype_name(v.as_dtype())); return;
    case K::Device:
      save_global("torch", "device");
      save_str(v.as_device().str());
      out_ += char(TUPLE1);
      out_ += char(REDUCE);
      return;
    case K::Global: EMBER_FAIL(op_, "cannot save the global '", v.as_string(), "'");
  }
}

}  // namespace ember::serialize
