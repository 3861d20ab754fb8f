#include "ember/serialize/safetensors.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "ember/core/error.h"

namespace ember::serialize::safetensors {

namespace {

constexpr const char* kSave = "safetensors.save";
constexpr const char* kLoad = "safetensors.load";
constexpr uint64_t kMaxHeader = 100'000'000;  // the reference implementation's limit

struct DtypeCode {
  const char* code;
  Dtype dtype;
  int rank;  // position in the reference implementation's dtype enum: files put higher ranks first
};
constexpr DtypeCode kCodes[] = {
    {"BOOL", Dtype::Bool, 0}, {"U8", Dtype::UInt8, 1},   {"I8", Dtype::Int8, 2},    {"I16", Dtype::Int16, 5},
    {"F16", Dtype::Float16, 7}, {"BF16", Dtype::BFloat16, 8}, {"I32", Dtype::Int32, 9}, {"F32", Dtype::Float32, 11},
    {"F64", Dtype::Float64, 12}, {"I64", Dtype::Int64, 13},
};

const DtypeCode& code_of(Dtype d) {
  for (auto& c : kCodes)
    if (c.dtype == d) return c;
  EMBER_FAIL(kSave, "dtype ", dtype_name(d), " has no safetensors code");
}

struct Info {
  std::string name;
  Dtype dtype;
  Shape shape;
  uint64_t begin, end;
};

Contents parse(const ByteSource& src) {
  const uint64_t size = src.size();
  EMBER_CHECK(size >= 8, kLoad, "the file is ", size, " bytes long, too short for the 8-byte header length");
  unsigned char len_bytes[8];
  src.read(0, len_bytes, 8);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(len_bytes[i]) << (8 * i);
  EMBER_CHECK(n <= kMaxHeader, kLoad, "header length ", n, " exceeds the limit of ", kMaxHeader, " bytes");
  EMBER_CHECK(n <= size - 8, kLoad, "header length ", n, " runs past the end of the ", size, "-byte file");
  std::string text = src.read_string(8, size_t(n));
  EMBER_CHECK(!text.empty() && text[0] == '{', kLoad, "the header does not start with '{'");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    EMBER_FAIL(kLoad, "the header is not valid JSON: ", e.what());
  }
  EMBER_CHECK(header.is_object(), kLoad, "the header is not a JSON object");
  const uint64_t data_start = 8 + n, data_len = size - data_start;

  Contents out;
  std::vector<Info> infos;
  for (auto& [name, v] : header.items()) {
    if (name == "__metadata__") {
      EMBER_CHECK(v.is_object(), kLoad, "__metadata__ must be an object of strings");
      for (auto& [k, s] : v.items()) {
        EMBER_CHECK(s.is_string(), kLoad, "__metadata__ value for '", k, "' is not a string");
        out.metadata[k] = s.get<std::string>();
      }
      continue;
    }
    EMBER_CHECK(v.is_object(), kLoad, "the entry for tensor '", name, "' is not an object");
    auto field = [&](const char* f) -> const nlohmann::json& {
      auto it = v.find(f);
      EMBER_CHECK(it != v.end(), kLoad, "tensor '", name, "' has no \"", f, "\"");
      return *it;
    };
    Info info;
    info.name = name;
    const auto& dt = field("dtype");
    EMBER_CHECK(dt.is_string(), kLoad, "the dtype of tensor '", name, "' is not a string");
    std::string code = dt.get<std::string>();
    const DtypeCode* c = nullptr;
    for (auto& k : kCodes)
      if (code == k.code) c = &k;
    EMBER_CHECK(c, kLoad, "tensor '", name, "' has dtype '", code, "', which ember does not support");
    info.dtype = c->dtype;
    const auto& shape = field("shape");
    EMBER_CHECK(shape.is_array(), kLoad, "the shape of tensor '", name, "' is not a list");
    unsigned __int128 numel = 1;
    for (auto& d : shape) {
      EMBER_CHECK(d.is_number_unsigned(), kLoad, "the shape of tensor '", name, "' holds ", d.dump(),
                  ", not a non-negative integer");
      uint64_t s = d.get<uint64_t>();
      EMBER_CHECK(s < (uint64_t(1) << 62), kLoad, "tensor '", name, "' has a dimension of ", s);
      numel *= s;
      if (numel > (unsigned __int128)(1) << 62) numel = (unsigned __int128)(1) << 62;
      info.shape.push_back(int64_t(s));
    }
    EMBER_CHECK(info.shape.size() <= 64, kLoad, "tensor '", name, "' has ", info.shape.size(), " dimensions");
    const auto& offs = field("data_offsets");
    EMBER_CHECK(offs.is_array() && offs.size() == 2 && offs[0].is_number_unsigned() && offs[1].is_number_unsigned(), kLoad,
                "data_offsets of tensor '", name, "' must be two non-negative integers");
    info.begin = offs[0].get<uint64_t>();
    info.end = offs[1].get<uint64_t>();
    EMBER_CHECK(info.begin <= info.end, kLoad, "tensor '", name, "' has data_offsets [", info.begin, ", ", info.end,
                "] that end before they begin");
    unsigned __int128 nbytes = numel * itemsize(info.dtype);
    EMBER_CHECK(nbytes == info.end - info.begin, kLoad, "tensor '", name, "' of shape ", shape_str(info.shape), " and dtype ",
                code, " needs ", uint64_t(nbytes), " bytes but its data_offsets [", info.begin, ", ", info.end, "] span ",
                info.end - info.begin);
    infos.push_back(std::move(info));
  }
  // The tensors must tile the data: no gaps, no overlaps, nothing left over.
  std::vector<const Info*> by_offset;
  for (auto& i : infos) by_offset.push_back(&i);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Info* a, const Info* b) { return a->begin != b->begin ? a->begin < b->begin : a->end < b->end; });
  uint64_t at = 0;
  for (auto* i : by_offset) {
    EMBER_CHECK(i->begin == at, kLoad, "tensor '", i->name, "' starts at byte ", i->begin, " of the data, expected ", at,
                " (the data has a gap or overlapping tensors)");
    at = i->end;
  }
  EMBER_CHECK(at == data_len, kLoad, "the tensors cover ", at, " bytes but the file holds ", data_len, " bytes of data");

  std::sort(infos.begin(), infos.end(), [](const Info& a, const Info& b) { return a.name < b.name; });
  for (auto& i : infos) {
    Tensor t = empty(i.shape, i.dtype);
    src.read(data_start + i.begin, t.raw_data(), size_t(i.end - i.begin));
    if (i.dtype == Dtype::Bool) {
      auto p = static_cast<const unsigned char*>(t.raw_data());
      for (uint64_t k = 0; k < i.end - i.begin; ++k)
        EMBER_CHECK(p[k] <= 1, kLoad, "tensor '", i.name, "' holds a bool that is neither 0 nor 1");
    }
    out.tensors.emplace_back(i.name, std::move(t));
  }
  return out;
}

}  // namespace

namespace {

// What a file holds, in order: the length-prefixed header, then each tensor's contiguous bytes.
struct Layout {
  std::string head;
  std::vector<Tensor> data;
  uint64_t total = 0;
};

Layout layout(const nn::NamedTensors& tensors, const Metadata& metadata) {
  struct Item {
    const std::string* name;
    Tensor t;
    const DtypeCode* code;
  };
  std::vector<Item> items;
  std::set<std::string> names;
  for (auto& [name, t] : tensors) {
    EMBER_CHECK_VALUE(name != "__metadata__", kSave, "'__metadata__' is reserved and cannot name a tensor");
    EMBER_CHECK_VALUE(names.insert(name).second, kSave, "the name '", name, "' is used twice");
    EMBER_CHECK(t.defined(), kSave, "tensor '", name, "' is undefined");
    check_device_available(t.device(), kSave);
    items.push_back({&name, t.contiguous(), &code_of(t.dtype())});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.code->rank != b.code->rank ? a.code->rank > b.code->rank : *a.name < *b.name;
  });
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t at = 0;
  Layout out;
  for (auto& i : items) {
    uint64_t n = i.t.nbytes();
    header[*i.name] = {{"dtype", i.code->code}, {"shape", i.t.sizes()}, {"data_offsets", {at, at + n}}};
    at += n;
    out.data.push_back(i.t);
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    EMBER_FAIL(kSave, "cannot encode the header (names and metadata must be valid UTF-8): ", e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  for (int k = 0; k < 8; ++k) out.head += char((uint64_t(text.size()) >> (8 * k)) & 0xff);
  out.head += text;
  out.total = out.head.size() + at;
  return out;
}

void write(const Layout& l, ByteSink& sink) {
  sink.write(l.head.data(), l.head.size());
  for (auto& t : l.data) sink.write(t.raw_data(), t.nbytes());
  sink.close();
}

}  // namespace

std::string save(const nn::NamedTensors& tensors, const Metadata& metadata) {
  Layout l = layout(tensors, metadata);
  std::string out;
  out.reserve(size_t(l.total));
  write(l, *ByteSink::to_string(out));
  return out;
}

void save_file(const nn::NamedTensors& tensors, const std::string& path, const Metadata& metadata) {
  Layout l = layout(tensors, metadata);  // checks everything before the file is created
  write(l, *ByteSink::create_file(path, kSave));
}

Contents load(const void* data, size_t n) { return parse(*ByteSource::memory(data, n)); }

Contents load(const ByteSource& src) { return parse(src); }

Contents load_file(const std::string& path) { return parse(*ByteSource::open_file(path, kLoad)); }

}  // namespace ember::serialize::safetensors
