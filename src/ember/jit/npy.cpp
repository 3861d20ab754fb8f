// NumPy .npy reading and writing.
#include "ember/jit/npy.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ember/ops/ops.h"

namespace ember::jit {

namespace {

struct Descr {
  Dtype dtype;
  bool swap;
};

Descr parse_descr(const std::string& d, const std::string& what) {
  EMBER_CHECK(d.size() >= 3, "npy", what, ": unsupported dtype descriptor '", d, "'");
  char order = d[0], kind = d[1];
  std::string size = d.substr(2);
  bool big = order == '>';
  EMBER_CHECK(order == '<' || order == '>' || order == '|' || order == '=', "npy", what, ": bad byte order in '", d, "'");
  Dtype t;
  if (kind == 'f' && size == "2") t = Dtype::Float16;
  else if (kind == 'f' && size == "4") t = Dtype::Float32;
  else if (kind == 'f' && size == "8") t = Dtype::Float64;
  else if (kind == 'i' && size == "1") t = Dtype::Int8;
  else if (kind == 'i' && size == "2") t = Dtype::Int16;
  else if (kind == 'i' && size == "4") t = Dtype::Int32;
  else if (kind == 'i' && size == "8") t = Dtype::Int64;
  else if (kind == 'u' && size == "1") t = Dtype::UInt8;
  else if (kind == 'b' && size == "1") t = Dtype::Bool;
  else EMBER_FAIL("npy", what, ": dtype '", d, "' is not supported (float16/32/64, int8/16/32/64, uint8, bool are)");
  return {t, big && itemsize(t) > 1};
}

// The value of 'key' in the header dict, as raw text up to the next top-level comma.
std::string dict_value(const std::string& h, const std::string& key, const std::string& what) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) k = h.find("\"" + key + "\"");
  EMBER_CHECK(k != std::string::npos, "npy", what, ": header has no '", key, "'");
  size_t colon = h.find(':', k + key.size() + 2);
  EMBER_CHECK(colon != std::string::npos, "npy", what, ": malformed header");
  size_t i = colon + 1;
  while (i < h.size() && h[i] == ' ') ++i;
  if (i < h.size() && h[i] == '(') {
    size_t close = h.find(')', i);
    EMBER_CHECK(close != std::string::npos, "npy", what, ": malformed shape");
    return h.substr(i, close - i + 1);
  }
  if (i < h.size() && (h[i] == '\'' || h[i] == '"')) {
    size_t close = h.find(h[i], i + 1);
    EMBER_CHECK(close != std::string::npos, "npy", what, ": malformed header");
    return h.substr(i + 1, close - i - 1);
  }
  size_t end = h.find_first_of(",}", i);
  std::string v = h.substr(i, end == std::string::npos ? std::string::npos : end - i);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

Shape parse_shape(const std::string& s, const std::string& what) {
  Shape out;
  size_t i = 1;
  while (i < s.size() - 1) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= s.size() - 1) break;
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    EMBER_CHECK(j > i, "npy", what, ": malformed shape ", s);
    out.push_back(std::stoll(s.substr(i, j - i)));
    i = j;
  }
  return out;
}

const char* descr_of(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "<f4";
    case Dtype::Float64: return "<f8";
    case Dtype::Float16: return "<f2";
    case Dtype::Int8: return "|i1";
    case Dtype::Int16: return "<i2";
    case Dtype::Int32: return "<i4";
    case Dtype::Int64: return "<i8";
    case Dtype::UInt8: return "|u1";
    case Dtype::Bool: return "|b1";
    default: return nullptr;
  }
}

}  // namespace

Tensor parse_npy(const std::string& b, const std::string& what) {
  EMBER_CHECK(b.size() >= 10 && std::memcmp(b.data(), "\x93NUMPY", 6) == 0, "npy", what, " is not a .npy file");
  uint8_t major = uint8_t(b[6]);
  size_t hlen, start;
  if (major == 1) {
    hlen = uint8_t(b[8]) | (size_t(uint8_t(b[9])) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    EMBER_CHECK(b.size() >= 12, "npy", what, " is truncated");
    uint32_t l;
    std::memcpy(&l, b.data() + 8, 4);
    hlen = l;
    start = 12;
  } else {
    EMBER_FAIL("npy", what, ": unsupported .npy format version ", int(major));
  }
  EMBER_CHECK(start + hlen <= b.size(), "npy", what, " is truncated (header)");
  std::string header = b.substr(start, hlen);
  Descr d = parse_descr(dict_value(header, "descr", what), what);
  std::string fo = dict_value(header, "fortran_order", what);
  EMBER_CHECK(fo == "True" || fo == "False", "npy", what, ": bad fortran_order ", fo);
  bool fortran = fo == "True";
  Shape shape = parse_shape(dict_value(header, "shape", what), what);
  uint64_t numel = 1;
  for (int64_t s : shape)
    EMBER_CHECK(!__builtin_mul_overflow(numel, uint64_t(s), &numel), "npy", what, ": shape too large");
  size_t data = start + hlen;
  uint64_t bytes = numel * itemsize(d.dtype);
  EMBER_CHECK(b.size() - data == bytes, "npy", what, b.size() - data < bytes ? " is truncated" : " has trailing data",
              " (expected ", bytes, " data bytes, found ", b.size() - data, ")");
  Shape storage_shape = shape;
  if (fortran) std::reverse(storage_shape.begin(), storage_shape.end());
  Tensor t = empty(storage_shape, d.dtype);
  if (bytes) std::memcpy(t.raw_data(), b.data() + data, bytes);
  if (d.swap) {
    char* p = static_cast<char*>(t.raw_data());
    size_t w = itemsize(d.dtype);
    for (uint64_t i = 0; i < numel; ++i) std::reverse(p + i * w, p + (i + 1) * w);
  }
  if (fortran && t.dim() > 1) {
    Dims rev;
    for (int64_t i = t.dim() - 1; i >= 0; --i) rev.push_back(i);
    t = contiguous(permute(t, rev));
  }
  return t;
}

Tensor read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EMBER_CHECK(f, "npy", "cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_npy(ss.str(), "'" + path + "'");
}

std::string npy_bytes(const Tensor& t0) {
  Tensor t = t0.dtype() == Dtype::BFloat16 ? to_dtype(t0, Dtype::Float32) : t0;
  t = contiguous(t.detach());
  const char* descr = descr_of(t.dtype());
  EMBER_CHECK(descr, "npy", "cannot write dtype ", dtype_name(t.dtype()));
  std::string shape = "(";
  for (int64_t i = 0; i < t.dim(); ++i) shape += std::to_string(t.sizes()[size_t(i)]) + (t.dim() == 1 ? "," : i + 1 < t.dim() ? ", " : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += char(header.size() & 0xff);
  out += char((header.size() >> 8) & 0xff);
  out += header;
  if (t.nbytes()) out.append(static_cast<const char*>(t.raw_data()), t.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  std::string b = npy_bytes(t);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  EMBER_CHECK(f, "npy", "cannot open '", path, "' for writing");
  f.write(b.data(), std::streamsize(b.size()));
  f.close();
  EMBER_CHECK(f, "npy", "writing '", path, "' failed");
}

}  // namespace ember::jit
