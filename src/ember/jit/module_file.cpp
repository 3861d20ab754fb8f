// The model file: graph and weights in one file.
//
//   offset  size  field
//   0       8     magic "EMBERJIT"
//   8       4     format version (1), little-endian like every number below
//   12      4     flags (0)
//   16      8     payload length in bytes
//   24      4     CRC-32 (zlib) of the payload
//   28      ...   payload:
//                   tensor table: u32 count, then per tensor: u8 dtype, u32 ndim,
//                     i64 sizes[ndim], u64 byte count, raw C-contiguous data
//                   graph (below)
//
// graph: u32 n, per input: str name, meta
//        u32 n, per parameter: str name, meta, u32 tensor index
//        u32 n, per constant: str name, u8 fresh_per_run, meta, u32 tensor index
//        u32 n, per node: str op, u32 n_args, args, u32 n_outputs, per output: str name, meta,
//                         u8 has_body, [body graph]
//        u32 n, output value numbers; str input_spec; str output_spec
// Values are numbered in the order they are defined: inputs, parameters,
// constants, then node outputs; an argument may only name a value defined
// before it. meta: u8 known, [u8 dtype, u32 ndim, i64 sizes[ndim]].
// arg: u8 kind (0 value: u32 number | 1 list: u32 n, u32 numbers, 0xffffffff
// for None | 2 literal: IValue). IValue: u8 tag (IValue::Tag), then f64 / i64 /
// u8 / str / u32 n + items / u8 dtype. str: u32 length, bytes.
//
// The reader checks every length against what is left, every number against
// what is defined and the checksum first, so a damaged file is a clear error.
#include <zlib.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "ember/jit/module.h"
#include "ember/ops/ops.h"

namespace ember::jit {

static_assert(std::endian::native == std::endian::little, "the model file format is little-endian");

namespace {

constexpr char kMagic[8] = {'E', 'M', 'B', 'E', 'R', 'J', 'I', 'T'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = 28;
constexpr uint32_t kNone = 0xffffffffu;
constexpr uint32_t kMaxDims = 64;

uint32_t crc32_of(const char* p, size_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    uInt chunk = uInt(std::min<size_t>(n, 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(p), chunk);
    p += chunk;
    n -= chunk;
  }
  return uint32_t(c);
}

// ---------------------------------------------------------------- writing

struct Writer {
  std::string buf;
  template <class T> void num(T v) { buf.append(reinterpret_cast<const char*>(&v), sizeof(T)); }
  void u8(uint8_t v) { num(v); }
  void u32(uint32_t v) { num(v); }
  void str(const std::string& s) {
    u32(uint32_t(s.size()));
    buf.append(s);
  }
  void meta(const TensorMeta& m) {
    u8(m.known);
    if (!m.known) return;
    u8(uint8_t(m.dtype));
    u32(uint32_t(m.sizes.size()));
    for (int64_t s : m.sizes) num<int64_t>(s);
  }
  void ivalue(const IValue& v) {
    u8(uint8_t(v.tag()));
    switch (v.tag()) {
      case IValue::Tag::None: break;
      case IValue::Tag::Double: num<double>(v.to_double()); break;
      case IValue::Tag::Int: num<int64_t>(v.to_int()); break;
      case IValue::Tag::Bool: u8(v.to_bool()); break;
      case IValue::Tag::String: str(v.to_string()); break;
      case IValue::Tag::IntList: {
        auto l = v.to_int_list();
        u32(uint32_t(l.size()));
        for (int64_t x : l) num<int64_t>(x);
        break;
      }
      case IValue::Tag::DoubleList: {
        const auto& l = v.to_double_list();
        u32(uint32_t(l.size()));
        for (double x : l) num<double>(x);
        break;
      }
      case IValue::Tag::Dtype: u8(uint8_t(v.to_dtype())); break;
      case IValue::Tag::Tensor:
      case IValue::Tag::TensorList: EMBER_FAIL("jit.save", "a tensor literal cannot be saved (tensors are graph values)");
    }
  }
};

struct TensorTable {
  std::vector<Tensor> tensors;
  uint32_t add(const Tensor& t) {
    tensors.push_back(t);
    return uint32_t(tensors.size() - 1);
  }
};

void write_graph(Writer& w, const Graph& g, TensorTable& table, int depth) {
  std::unordered_map<const Value*, uint32_t> num;
  uint32_t next = 0;
  w.u32(uint32_t(g.inputs().size()));
  for (const Value* v : g.inputs()) {
    w.str(v->name);
    w.meta(v->meta);
    num[v] = next++;
  }
  w.u32(uint32_t(g.parameters().size()));
  for (const Value* v : g.parameters()) {
    w.str(v->name);
    w.meta(v->meta);
    w.u32(table.add(v->data));
    num[v] = next++;
  }
  w.u32(uint32_t(g.constants().size()));
  for (const Value* v : g.constants()) {
    w.str(v->name);
    w.u8(v->fresh_per_run);
    w.meta(v->meta);
    w.u32(table.add(v->data));
    num[v] = next++;
  }
  auto ref = [&](const Value* v) {
    auto it = num.find(v);
    EMBER_CHECK(it != num.end(), "jit.save", "graph reads a value before defining it");
    return it->second;
  };
  w.u32(uint32_t(g.nodes().size()));
  for (const auto& n : g.nodes()) {
    w.str(n->op);
    w.u32(uint32_t(n->args.size()));
    for (const Arg& a : n->args) {
      w.u8(uint8_t(a.kind));
      if (a.kind == Arg::Kind::Value) w.u32(ref(a.value));
      else if (a.kind == Arg::Kind::ValueList) {
        w.u32(uint32_t(a.list.size()));
        for (const Value* v : a.list) w.u32(v ? ref(v) : kNone);
      } else {
        w.ivalue(a.literal);
      }
    }
    w.u32(uint32_t(n->outputs.size()));
    for (const Value* v : n->outputs) {
      w.str(v->name);
      w.meta(v->meta);
      num[v] = next++;
    }
    w.u8(n->body ? 1 : 0);
    if (n->body) {
      EMBER_CHECK(depth == 0, "jit.save", "fused bodies do not nest");
      write_graph(w, *n->body, table, depth + 1);
    }
  }
  w.u32(uint32_t(g.outputs().size()));
  for (const Value* v : g.outputs()) w.u32(ref(v));
  w.str(g.input_spec);
  w.str(g.output_spec);
}

// ---------------------------------------------------------------- reading

struct Reader {
  const char* p;
  size_t size, pos = 0;
  const std::string& what;

  [[noreturn]] void bad(const std::string& why) const {
    EMBER_FAIL("ember.jit.load", what, " is corrupted: ", why, " (at payload byte ", pos, ")");
  }
  size_t remaining() const { return size - pos; }
  void need(size_t n) const {
    if (n > remaining()) bad("unexpected end of data");
  }
  template <class T> T num() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, p + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  uint8_t u8() { return num<uint8_t>(); }
  uint32_t u32() { return num<uint32_t>(); }
  uint32_t count(size_t min_item_bytes = 1) {
    uint32_t n = u32();
    if (uint64_t(n) * min_item_bytes > remaining()) bad("a count of " + std::to_string(n) + " exceeds the data left");
    return n;
  }
  std::string str() {
    uint32_t n = count();
    std::string s(p + pos, n);
    pos += n;
    return s;
  }
  Dtype dtype() {
    uint8_t d = u8();
    if (d >= kNumDtypes) bad("unknown dtype " + std::to_string(d));
    return Dtype(d);
  }
  Shape sizes() {
    uint32_t nd = count(8);
    if (nd > kMaxDims) bad("tensor with " + std::to_string(nd) + " dims");
    Shape s(nd);
    for (auto& x : s) {
      x = num<int64_t>();
      if (x < 0) bad("negative size");
    }
    return s;
  }
  TensorMeta meta() {
    TensorMeta m;
    uint8_t known = u8();
    if (known > 1) bad("bad flag");
    if (!known) return m;
    m.known = true;
    m.dtype = dtype();
    m.sizes = sizes();
    return m;
  }
  IValue ivalue() {
    uint8_t tag = u8();
    switch (IValue::Tag(tag)) {
      case IValue::Tag::None: return IValue();
      case IValue::Tag::Double: return IValue(num<double>());
      case IValue::Tag::Int: return IValue(num<int64_t>());
      case IValue::Tag::Bool: {
        uint8_t b = u8();
        if (b > 1) bad("bad bool");
        return IValue(bool(b));
      }
      case IValue::Tag::String: return IValue(str());
      case IValue::Tag::IntList: {
        uint32_t n = count(8);
        std::vector<int64_t> l(n);
        for (auto& x : l) x = num<int64_t>();
        return IValue(std::move(l));
      }
      case IValue::Tag::DoubleList: {
        uint32_t n = count(8);
        std::vector<double> l(n);
        for (auto& x : l) x = num<double>();
        return IValue(std::move(l));
      }
      case IValue::Tag::Dtype: return IValue(dtype());
      default: bad("unknown literal type " + std::to_string(tag));
    }
  }
  Tensor tensor() {
    Dtype d = dtype();
    Shape s = sizes();
    uint64_t numel = 1;
    for (int64_t x : s)
      if (__builtin_mul_overflow(numel, uint64_t(x), &numel)) bad("tensor size overflows");
    uint64_t bytes = num<uint64_t>();
    uint64_t expect;
    if (__builtin_mul_overflow(numel, uint64_t(itemsize(d)), &expect) || bytes != expect)
      bad("tensor byte count does not match its shape");
    need(size_t(bytes));
    Tensor t = empty(s, d);
    if (bytes) std::memcpy(t.raw_data(), p + pos, size_t(bytes));
    pos += size_t(bytes);
    return t;
  }
};

std::unique_ptr<Graph> read_graph(Reader& r, const std::vector<Tensor>& tensors, int depth) {
  auto g = std::make_unique<Graph>();
  std::vector<Value*> vals;
  auto tensor_ref = [&]() -> const Tensor& {
    uint32_t i = r.u32();
    if (i >= tensors.size()) r.bad("tensor index " + std::to_string(i) + " out of range");
    return tensors[i];
  };
  auto value_ref = [&](uint32_t i) -> Value* {
    if (i >= vals.size()) r.bad("value number " + std::to_string(i) + " used before it is defined");
    return vals[i];
  };
  uint32_t n = r.count();
  for (uint32_t i = 0; i < n; ++i) {
    std::string name = r.str();
    vals.push_back(g->add_input(std::move(name), r.meta()));
  }
  n = r.count();
  for (uint32_t i = 0; i < n; ++i) {
    std::string name = r.str();
    TensorMeta m = r.meta();
    Value* v = g->add_parameter(std::move(name), tensor_ref());
    v->meta = m;
    vals.push_back(v);
  }
  n = r.count();
  for (uint32_t i = 0; i < n; ++i) {
    std::string name = r.str();
    uint8_t fresh = r.u8();
    if (fresh > 1) r.bad("bad flag");
    TensorMeta m = r.meta();
    Value* v = g->add_constant(tensor_ref());
    v->name = std::move(name);
    v->fresh_per_run = fresh;
    v->meta = m;
    vals.push_back(v);
  }
  n = r.count();
  for (uint32_t i = 0; i < n; ++i) {
    std::string op = r.str();
    if (op.empty()) r.bad("node without an op name");
    uint32_t na = r.count();
    std::vector<Arg> args;
    for (uint32_t k = 0; k < na; ++k) {
      uint8_t kind = r.u8();
      if (kind == uint8_t(Arg::Kind::Value)) args.push_back(Arg::of(value_ref(r.u32())));
      else if (kind == uint8_t(Arg::Kind::ValueList)) {
        uint32_t nl = r.count(4);
        std::vector<Value*> l;
        for (uint32_t j = 0; j < nl; ++j) {
          uint32_t id = r.u32();
          l.push_back(id == kNone ? nullptr : value_ref(id));
        }
        args.push_back(Arg::of(std::move(l)));
      } else if (kind == uint8_t(Arg::Kind::Literal)) {
        args.push_back(Arg::lit(r.ivalue()));
      } else {
        r.bad("unknown argument kind " + std::to_string(kind));
      }
    }
    uint32_t no = r.count();
    Node* node = g->append_node(std::move(op), std::move(args), no);
    for (Value* v : node->outputs) {
      v->name = r.str();
      v->meta = r.meta();
      vals.push_back(v);
    }
    uint8_t has_body = r.u8();
    if (has_body > 1) r.bad("bad flag");
    if (has_body) {
      if (depth > 0) r.bad("nested fused bodies");
      node->body = read_graph(r, tensors, depth + 1);
    }
  }
  n = r.count(4);
  std::vector<Value*> outs;
  for (uint32_t i = 0; i < n; ++i) outs.push_back(value_ref(r.u32()));
  g->set_outputs(std::move(outs));
  g->input_spec = r.str();
  g->output_spec = r.str();
  return g;
}

}  // namespace

std::string serialize(const Graph& g) {
  Writer graph_w;
  TensorTable table;
  write_graph(graph_w, g, table, 0);
  Writer w;
  w.u32(uint32_t(table.tensors.size()));
  for (const Tensor& t0 : table.tensors) {
    Tensor t = contiguous(t0.detach());
    w.u8(uint8_t(t.dtype()));
    w.u32(uint32_t(t.dim()));
    for (int64_t s : t.sizes()) w.num<int64_t>(s);
    w.num<uint64_t>(uint64_t(t.nbytes()));
    if (t.nbytes()) w.buf.append(static_cast<const char*>(t.raw_data()), t.nbytes());
  }
  w.buf.append(graph_w.buf);
  Writer head;
  head.buf.append(kMagic, sizeof(kMagic));
  head.u32(kVersion);
  head.u32(0);
  head.num<uint64_t>(uint64_t(w.buf.size()));
  head.u32(crc32_of(w.buf.data(), w.buf.size()));
  return head.buf + w.buf;
}

std::unique_ptr<Graph> deserialize(const std::string& bytes, const std::string& what) {
  const char* op = "ember.jit.load";
  EMBER_CHECK(bytes.size() >= 8 && std::memcmp(bytes.data(), kMagic, 8) == 0, op, what,
              " is not an ember model file (it does not start with EMBERJIT)");
  EMBER_CHECK(bytes.size() >= kHeader, op, what, " is truncated (", bytes.size(), " bytes, shorter than the header)");
  uint32_t version, flags, crc;
  uint64_t len;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&flags, bytes.data() + 12, 4);
  std::memcpy(&len, bytes.data() + 16, 8);
  std::memcpy(&crc, bytes.data() + 24, 4);
  EMBER_CHECK(version == kVersion, op, what, " has format version ", version, "; this build of ember reads version ", kVersion);
  EMBER_CHECK(flags == 0, op, what, " is corrupted: unknown header flags ", flags);
  EMBER_CHECK(len == bytes.size() - kHeader, op, what, len > bytes.size() - kHeader ? " is truncated" : " is corrupted",
              " (the header announces ", len, " bytes of data, the file holds ", bytes.size() - kHeader, ")");
  EMBER_CHECK(crc32_of(bytes.data() + kHeader, size_t(len)) == crc, op, what, " is corrupted (checksum mismatch)");
  Reader r{bytes.data() + kHeader, size_t(len), 0, what};
  uint32_t nt = r.count(13);
  std::vector<Tensor> tensors;
  tensors.reserve(nt);
  for (uint32_t i = 0; i < nt; ++i) tensors.push_back(r.tensor());
  std::unique_ptr<Graph> g = read_graph(r, tensors, 0);
  if (r.remaining() != 0) r.bad("unexpected data after the graph");
  try {
    g->validate();
  } catch (const Error& e) {
    EMBER_FAIL(op, what, " is corrupted: ", e.what());
  }
  return g;
}

std::string Module::save_to_bytes() const { return serialize(graph()); }

void Module::save(const std::string& path) const {
  std::string bytes = save_to_bytes();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  EMBER_CHECK(f, "ember.jit.save", "cannot open '", path, "' for writing");
  f.write(bytes.data(), std::streamsize(bytes.size()));
  f.close();
  EMBER_CHECK(f, "ember.jit.save", "writing '", path, "' failed");
}

Module load_from_bytes(const std::string& bytes, const std::string& what) {
  std::shared_ptr<const Graph> g = deserialize(bytes, what);
  try {
    return Module(g);
  } catch (const Error& e) {
    EMBER_FAIL("ember.jit.load", what, ": ", e.what());
  }
}

Module load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EMBER_CHECK(f, "ember.jit.load", "cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return load_from_bytes(ss.str(), "'" + path + "'");
}

}  // namespace ember::jit
