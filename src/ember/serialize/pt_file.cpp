#include "ember/serialize/pt_file.h"

#include <cstring>
#include <unordered_map>

#include "ember/core/error.h"
#include "ember/serialize/pickle.h"

namespace ember::serialize {

namespace {

constexpr const char* kLoad = "ember.load";
constexpr const char* kSave = "ember.save";

// torch's legacy format starts with this number, pickled.
constexpr unsigned char kLegacyMagic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kLegacyProtocolVersion = 1001;

Tensor flat_bytes(const Tensor& flat) {
  return Tensor(make_ref<TensorImpl>(flat.storage(), Shape{int64_t(flat.storage()->nbytes())}, Shape{1}, 0, Dtype::UInt8));
}

// Decides where a loaded storage goes; ember has only the CPU, so this checks that it may stay there.
void place(const Tensor& flat, const std::string& location, const LoadOptions& opts) {
  Device d;
  if (opts.map_location) {
    d = opts.map_location(location, flat_bytes(flat));
  } else {
    try {
      d = Device(location);
    } catch (const std::exception&) {
      EMBER_FAIL(kLoad, "the file keeps a storage on '", location, "', a device ember does not know; pass map_location='cpu'");
    }
  }
  check_device_available(d, kLoad);
}

void check_bools(const Tensor& flat, const std::string& key) {
  if (flat.dtype() != Dtype::Bool) return;
  auto p = static_cast<const unsigned char*>(flat.storage()->data());
  for (size_t i = 0, n = flat.storage()->nbytes(); i < n; ++i)
    EMBER_CHECK(p[i] <= 1, kLoad, "storage '", key, "' holds a bool that is neither 0 nor 1 (the file is damaged)");
}

struct StoragePid {
  Dtype dtype;
  std::string key, location;
  int64_t numel;
  ValuePtr view;  // legacy: view_metadata or None
};

StoragePid parse_pid(const Value& pid, bool legacy) {
  EMBER_CHECK(pid.kind() == Value::Kind::Tuple, kLoad, "malformed persistent id (a ", pid.kind_name(), ")");
  auto& a = pid.items();
  EMBER_CHECK(!a.empty() && a[0]->is_string(), kLoad, "malformed persistent id");
  EMBER_CHECK(a[0]->as_string() == "storage", kLoad, "refusing persistent id of type '", a[0]->as_string(),
              "': only storages are allowed");
  size_t want = legacy ? 6 : 5;
  EMBER_CHECK(a.size() == want || (legacy && a.size() == 5), kLoad, "malformed storage persistent id with ", a.size(), " fields");
  StoragePid p;
  EMBER_CHECK(a[1]->kind() == Value::Kind::Global && storage_type_dtype(a[1]->as_string(), p.dtype), kLoad,
              "malformed storage persistent id: unknown storage type ",
              a[1]->kind() == Value::Kind::Global ? "'" + a[1]->as_string() + "'" : std::string("(a ") + a[1]->kind_name() + ")");
  EMBER_CHECK(a[2]->is_string() && a[3]->is_string() && a[4]->kind() == Value::Kind::Int, kLoad,
              "malformed storage persistent id");
  p.key = a[2]->as_string();
  p.location = a[3]->as_string();
  p.numel = a[4]->as_int();
  EMBER_CHECK(p.numel >= 0 && p.numel <= (int64_t(1) << 60) / int64_t(itemsize(p.dtype)), kLoad,
              "malformed storage persistent id: ", p.numel, " elements");
  if (a.size() == 6) p.view = a[5];
  return p;
}

// ---- zip format

ValuePtr load_zip(const ByteSource& src, const LoadOptions& opts) {
  ZipReader zip(src, kLoad);
  EMBER_CHECK(!zip.entries().empty(), kLoad, "the zip archive is empty; not a PyTorch checkpoint");
  const std::string& first = zip.entries()[0].name;
  auto slash = first.find('/');
  EMBER_CHECK(slash != std::string::npos, kLoad, "not a PyTorch checkpoint: the archive's first entry '", first,
              "' is not inside a folder");
  const std::string prefix = first.substr(0, slash + 1);
  EMBER_CHECK(!zip.find(prefix + "constants.pkl"), kLoad,
              "this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint");
  const auto* pkl = zip.find(prefix + "data.pkl");
  EMBER_CHECK(pkl, kLoad, "not a PyTorch checkpoint: the archive has no '", prefix, "data.pkl'");
  if (const auto* bo = zip.find(prefix + "byteorder")) {
    EMBER_CHECK(bo->size <= 16, kLoad, "damaged byteorder record");
    std::string order = zip.read_string(*bo);
    EMBER_CHECK(order == "little", kLoad, "the checkpoint was written with '", order,
                "' byte order; only little-endian checkpoints are supported");
  }
  std::string pickle = zip.read_string(*pkl);

  std::unordered_map<std::string, ValuePtr> storages;
  PersistentLoad pl = [&](const Value& pid_value) -> ValuePtr {
    StoragePid pid = parse_pid(pid_value, false);
    auto it = storages.find(pid.key);
    if (it != storages.end()) {
      EMBER_CHECK(it->second->as_tensor().dtype() == pid.dtype, kLoad, "storage '", pid.key, "' is used with two dtypes");
      return it->second;
    }
    std::string name = prefix + "data/" + pid.key;
    const auto* rec = zip.find(name);
    EMBER_CHECK(rec, kLoad, "the checkpoint is missing the storage record '", name, "'");
    uint64_t need = uint64_t(pid.numel) * itemsize(pid.dtype);
    EMBER_CHECK(rec->size >= need, kLoad, "storage record '", name, "' is truncated: ", rec->size, " bytes for ",
                pid.numel, " ", dtype_name(pid.dtype), " elements (", need, " bytes)");
    EMBER_CHECK(rec->method == 0 ? rec->size <= src.size() : rec->size <= rec->compressed_size * 1100 + 1024, kLoad,
                "damaged zip archive: storage record '", name, "' declares an impossible size");
    auto st = Storage::allocate(size_t(rec->size));
    zip.read(*rec, st->data());
    Tensor flat(make_ref<TensorImpl>(st, Shape{int64_t(rec->size / itemsize(pid.dtype))}, Shape{1}, 0, pid.dtype));
    check_bools(flat, pid.key);
    place(flat, pid.location, opts);
    ValuePtr v = Value::storage(std::move(flat));
    storages.emplace(pid.key, v);
    return v;
  };
  return unpickle(pickle.data(), pickle.size(), pl, kLoad);
}

// ---- legacy format: magic, protocol version, sys_info, the object, storage keys, then each storage's bytes

size_t skip_legacy_magic(const std::string& buf) {
  auto p = reinterpret_cast<const unsigned char*>(buf.data());
  size_t n = buf.size(), i = 0;
  auto fail = [] { EMBER_FAIL(kLoad, "not a PyTorch checkpoint (neither a zip archive nor the legacy format)"); };
  if (n < 2 || p[0] != 0x80) fail();
  i = 2;
  if (i < n && p[i] == 0x95) i += 9;  // FRAME
  if (i + 12 > n || p[i] != 0x8a || p[i + 1] != 10 || std::memcmp(p + i + 2, kLegacyMagic, 10) != 0) fail();
  i += 12;
  if (i < n && p[i] == 0x94) ++i;  // MEMOIZE
  if (i >= n || p[i] != '.') fail();
  return i + 1;
}

ValuePtr load_legacy(const ByteSource& src, const LoadOptions& opts) {
  std::string buf = src.read_string(0, size_t(src.size()));
  size_t pos = skip_legacy_magic(buf), used = 0;
  auto next_pickle = [&](const PersistentLoad& pl) {
    ValuePtr v = unpickle(buf.data() + pos, buf.size() - pos, pl, kLoad, &used);
    pos += used;
    return v;
  };
  ValuePtr version = next_pickle(nullptr);
  EMBER_CHECK(version->kind() == Value::Kind::Int && version->as_int() == kLegacyProtocolVersion, kLoad,
              "unsupported legacy checkpoint protocol version");
  ValuePtr sys_info = next_pickle(nullptr);
  EMBER_CHECK(sys_info->is_dict(), kLoad, "damaged legacy checkpoint: bad sys_info record");
  if (ValuePtr le = sys_info->get("little_endian"))
    EMBER_CHECK(le->kind() == Value::Kind::Bool && le->as_bool(), kLoad,
                "the checkpoint was written on a big-endian machine; only little-endian checkpoints are supported");

  struct Root {
    Tensor flat;
    std::string location;
    bool filled = false;
  };
  std::unordered_map<std::string, Root> roots;
  std::unordered_map<std::string, ValuePtr> values;  // by root key, or view key for storage views
  PersistentLoad pl = [&](const Value& pid_value) -> ValuePtr {
    StoragePid pid = parse_pid(pid_value, true);
    auto it = roots.find(pid.key);
    if (it == roots.end()) {
      uint64_t need = uint64_t(pid.numel) * itemsize(pid.dtype);
      EMBER_CHECK(need <= buf.size() - pos, kLoad, "damaged legacy checkpoint: storage '", pid.key, "' of ", pid.numel,
                  " elements is larger than the file");
      Tensor flat(make_ref<TensorImpl>(Storage::allocate(size_t(need)), Shape{pid.numel}, Shape{1}, 0, pid.dtype));
      it = roots.emplace(pid.key, Root{flat, pid.location}).first;
      values.emplace(pid.key, Value::storage(flat));
    }
    const Tensor& root = it->second.flat;
    EMBER_CHECK(root.dtype() == pid.dtype, kLoad, "storage '", pid.key, "' is used with two dtypes");
    if (!pid.view || pid.view->is_none()) return values.at(pid.key);
    // (view_key, offset, view_size): a storage that is a slice of the root one (very old files).
    auto& m = pid.view->items();
    EMBER_CHECK(pid.view->kind() == Value::Kind::Tuple && m.size() == 3 && m[0]->is_string() &&
                    m[1]->kind() == Value::Kind::Int && m[2]->kind() == Value::Kind::Int,
                kLoad, "malformed storage view metadata");
    int64_t off = m[1]->as_int(), len = m[2]->as_int();
    EMBER_CHECK(off >= 0 && len >= 0 && off <= root.numel() && len <= root.numel() - off, kLoad,
                "storage view out of bounds");
    auto vit = values.find(m[0]->as_string());
    if (vit == values.end())
      vit = values.emplace(m[0]->as_string(), Value::storage(make_view(root, {len}, {1}, off))).first;
    return vit->second;
  };
  ValuePtr result = next_pickle(pl);
  ValuePtr keys = next_pickle(nullptr);
  EMBER_CHECK(keys->kind() == Value::Kind::List, kLoad, "damaged legacy checkpoint: bad storage key list");
  for (auto& k : keys->items()) {
    EMBER_CHECK(k->is_string(), kLoad, "damaged legacy checkpoint: bad storage key");
    auto it = roots.find(k->as_string());
    EMBER_CHECK(it != roots.end(), kLoad, "damaged legacy checkpoint: data for unknown storage '", k->as_string(), "'");
    Root& r = it->second;
    EMBER_CHECK(!r.filled, kLoad, "damaged legacy checkpoint: storage '", k->as_string(), "' stored twice");
    EMBER_CHECK(buf.size() - pos >= 8, kLoad, "the legacy checkpoint is truncated (storage '", k->as_string(), "')");
    int64_t numel;
    std::memcpy(&numel, buf.data() + pos, 8);
    pos += 8;
    EMBER_CHECK(numel == r.flat.numel(), kLoad, "damaged legacy checkpoint: storage '", k->as_string(), "' holds ", numel,
                " elements, not ", r.flat.numel());
    size_t nbytes = r.flat.storage()->nbytes();
    EMBER_CHECK(buf.size() - pos >= nbytes, kLoad, "the legacy checkpoint is truncated (storage '", k->as_string(), "')");
    if (nbytes) std::memcpy(r.flat.storage()->data(), buf.data() + pos, nbytes);
    pos += nbytes;
    r.filled = true;
    check_bools(r.flat, k->as_string());
  }
  for (auto& [key, r] : roots) {
    EMBER_CHECK(r.filled, kLoad, "the legacy checkpoint is truncated: no data for storage '", key, "'");
    place(r.flat, r.location, opts);
  }
  return result;
}

void write_le64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s += char((v >> (8 * i)) & 0xff);
}

void save_legacy(const Value& v, ByteSink& sink, const SaveOptions& opts) {
  Pickler p({opts.protocol, /*legacy=*/true}, kSave);
  std::string head;
  head += char(0x80);
  head += char(opts.protocol);
  head += char(0x8a);
  head += char(10);
  head.append(reinterpret_cast<const char*>(kLegacyMagic), 10);
  head += '.';
  sink.write(head.data(), head.size());
  p.dump(*Value::integer(kLegacyProtocolVersion));
  ValuePtr sys_info = Value::dict();
  sys_info->set("protocol_version", Value::integer(kLegacyProtocolVersion));
  sys_info->set("little_endian", Value::boolean(true));
  ValuePtr sizes = Value::dict();
  sizes->set("short", Value::integer(2));
  sizes->set("int", Value::integer(4));
  sizes->set("long", Value::integer(4));
  sys_info->set("type_sizes", sizes);
  p.dump(*sys_info);
  p.dump(v);
  ValuePtr keys = Value::list();
  for (auto& s : p.storages()) keys->items().push_back(Value::string(s.key));
  p.dump(*keys);
  std::string pickles = p.take_out();
  sink.write(pickles.data(), pickles.size());
  for (auto& s : p.storages()) {
    std::string n;
    write_le64(n, uint64_t(s.numel));
    sink.write(n.data(), n.size());
    sink.write(s.storage->data(), size_t(s.numel) * itemsize(s.dtype));
  }
}

}  // namespace

ValuePtr load(const ByteSource& src, const LoadOptions& opts) {
  unsigned char head[4] = {0, 0, 0, 0};
  if (src.size() >= 4) src.read(0, head, 4);
  EMBER_CHECK(src.size() > 0, kLoad, "the file is empty");
  if (head[0] == 'P' && head[1] == 'K') return load_zip(src, opts);
  return load_legacy(src, opts);
}

ValuePtr load(const std::string& path, const LoadOptions& opts) {
  auto src = ByteSource::open_file(path, kLoad);
  return load(*src, opts);
}

ValuePtr load_bytes(const void* data, size_t n, const LoadOptions& opts) {
  auto src = ByteSource::memory(data, n);
  return load(*src, opts);
}

void save(const Value& v, ByteSink& sink, const SaveOptions& opts) {
  if (!opts.zip) {
    save_legacy(v, sink, opts);
    sink.close();
    return;
  }
  EMBER_CHECK_VALUE(!opts.archive_name.empty() && opts.archive_name.find('/') == std::string::npos, kSave,
                    "bad archive name '", opts.archive_name, "'");
  Pickler p({opts.protocol, false}, kSave);
  p.dump(v);
  const std::string dir = opts.archive_name + "/";
  ZipWriter zip(sink, kSave, opts.force_zip64);
  zip.add(dir + "data.pkl", p.out().data(), p.out().size());
  for (auto& s : p.storages()) zip.add(dir + "data/" + s.key, s.storage->data(), uint64_t(s.numel) * itemsize(s.dtype));
  zip.add(dir + "version", "3\n", 2);
  zip.add(dir + "byteorder", "little", 6);
  zip.finish();
  sink.close();
}

void save(const Value& v, const std::string& path, const SaveOptions& opts) {
  auto sink = ByteSink::create_file(path, kSave);
  save(v, *sink, opts);
}

std::string save_bytes(const Value& v, const SaveOptions& opts) {
  std::string out;
  auto sink = ByteSink::to_string(out);
  save(v, *sink, opts);
  return out;
}

ValuePtr state_dict_value(const nn::NamedTensors& state) {
  ValuePtr d = Value::dict(/*ordered=*/true);
  for (auto& [name, t] : state) {
    EMBER_CHECK(t.defined(), kSave, "state_dict entry '", name, "' is an undefined tensor");
    d->set(name, Value::tensor(t.detach()));
  }
  return d;
}

void save_state_dict(const nn::NamedTensors& state, const std::string& path) { save(*state_dict_value(state), path); }

nn::NamedTensors load_state_dict(const std::string& path, const LoadOptions& opts) {
  return to_named_tensors(*load(path, opts), kLoad);
}

}  // namespace ember::serialize
