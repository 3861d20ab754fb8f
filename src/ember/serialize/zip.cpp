#include "ember/serialize/zip.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ember/core/error.h"

namespace ember::serialize {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint32_t k32 = 0xffffffffu;
constexpr uint64_t kAlign = 64;  // torch aligns record data so it could be mapped in place

uint16_t get16(const unsigned char* p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t get32(const unsigned char* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t get64(const unsigned char* p) { return uint64_t(get32(p)) | uint64_t(get32(p + 4)) << 32; }

void put16(std::string& s, uint16_t v) { s += char(v & 0xff); s += char(v >> 8); }
void put32(std::string& s, uint32_t v) { put16(s, uint16_t(v)); put16(s, uint16_t(v >> 16)); }
void put64(std::string& s, uint64_t v) { put32(s, uint32_t(v)); put32(s, uint32_t(v >> 32)); }

class FileSource : public ByteSource {
 public:
  FileSource(const std::string& path, const char* op) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EMBER_CHECK(fd_ >= 0, op, "cannot open '", path, "': ", std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      EMBER_FAIL(op, "'", path, "' is not a regular file");
    }
    size_ = uint64_t(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  void read(uint64_t off, void* dst, size_t n) const override {
    EMBER_CHECK(off <= size_ && n <= size_ - off, "serialize", "unexpected end of file: wanted ", n,
                " bytes at offset ", off, " of a ", size_, "-byte file");
    char* p = static_cast<char*>(dst);
    while (n > 0) {
      ssize_t got = ::pread(fd_, p, std::min<size_t>(n, size_t(1) << 30), off_t(off));
      if (got < 0 && errno == EINTR) continue;
      EMBER_CHECK(got > 0, "serialize", "read failed at offset ", off, ": ",
                  got < 0 ? std::strerror(errno) : "unexpected end of file");
      p += got;
      off += uint64_t(got);
      n -= size_t(got);
    }
  }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const void* data, size_t n) : data_(static_cast<const char*>(data)), size_(n) {}
  uint64_t size() const override { return size_; }
  void read(uint64_t off, void* dst, size_t n) const override {
    EMBER_CHECK(off <= size_ && n <= size_ - off, "serialize", "unexpected end of data: wanted ", n,
                " bytes at offset ", off, " of ", size_);
    if (n) std::memcpy(dst, data_ + off, n);
  }

 private:
  const char* data_;
  uint64_t size_;
};

class FileSink : public ByteSink {
 public:
  FileSink(const std::string& path, const char* op) : path_(path), op_(op) {
    f_ = std::fopen(path.c_str(), "wb");
    EMBER_CHECK(f_, op, "cannot open '", path, "' for writing: ", std::strerror(errno));
  }
  ~FileSink() override {
    if (f_) std::fclose(f_);
  }
  void write(const void* data, size_t n) override {
    if (n && std::fwrite(data, 1, n, f_) != n) EMBER_FAIL(op_, "writing '", path_, "' failed: ", std::strerror(errno));
    pos_ += n;
  }
  void close() override {
    FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) EMBER_FAIL(op_, "writing '", path_, "' failed: ", std::strerror(errno));
  }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  const char* op_;
};

class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  void write(const void* data, size_t n) override {
    out_.append(static_cast<const char*>(data), n);
    pos_ += n;
  }

 private:
  std::string& out_;
};

}  // namespace

std::string ByteSource::read_string(uint64_t offset, size_t n) const {
  std::string s(n, '\0');
  read(offset, s.data(), n);
  return s;
}
std::unique_ptr<ByteSource> ByteSource::open_file(const std::string& path, const char* op) {
  return std::make_unique<FileSource>(path, op);
}
std::unique_ptr<ByteSource> ByteSource::memory(const void* data, size_t n) { return std::make_unique<MemorySource>(data, n); }
std::unique_ptr<ByteSink> ByteSink::create_file(const std::string& path, const char* op) {
  return std::make_unique<FileSink>(path, op);
}
std::unique_ptr<ByteSink> ByteSink::to_string(std::string& out) { return std::make_unique<StringSink>(out); }

uint32_t crc32_of(const void* data, uint64_t n, uint32_t crc) {
  auto p = static_cast<const Bytef*>(data);
  while (n > 0) {
    uInt chunk = uInt(std::min<uint64_t>(n, uint64_t(1) << 30));
    crc = uint32_t(::crc32(crc, p, chunk));
    p += chunk;
    n -= chunk;
  }
  return crc;
}

// ---------------------------------------------------------------- reading

ZipReader::ZipReader(const ByteSource& src, const char* op) : src_(src), op_(op) {
  const uint64_t size = src.size();
  EMBER_CHECK(size >= 22, op, "not a zip archive (", size, " bytes is too short)");
  // The end record sits in the last 22 + (up to 65535 comment) bytes; scan backwards for it.
  uint64_t tail_len = std::min<uint64_t>(size, 22 + 65535);
  std::string tail = src.read_string(size - tail_len, size_t(tail_len));
  auto t = reinterpret_cast<const unsigned char*>(tail.data());
  int64_t at = -1;
  for (int64_t i = int64_t(tail_len) - 22; i >= 0; --i) {
    if (get32(t + i) == kEndSig && uint64_t(i) + 22 + get16(t + i + 20) == tail_len) { at = i; break; }
  }
  EMBER_CHECK(at >= 0, op, "not a zip archive or a truncated one (no end of central directory record)");
  const unsigned char* end = t + at;
  uint64_t end_pos = size - tail_len + uint64_t(at);
  EMBER_CHECK(get16(end + 4) == 0 && get16(end + 6) == 0, op, "multi-disk zip archives are not supported");
  uint64_t count = get16(end + 10), dir_size = get32(end + 12), dir_offset = get32(end + 16);
  uint64_t dir_limit = end_pos;

  // A zip64 locator just before the end record points at the zip64 end record with the full-width values.
  if (end_pos >= 20) {
    unsigned char loc[20];
    src.read(end_pos - 20, loc, 20);
    if (get32(loc) == kLocator64Sig) {
      uint64_t e64 = get64(loc + 8);
      EMBER_CHECK(e64 <= end_pos - 20 && end_pos - 20 - e64 >= 56, op, "damaged zip64 locator (offset ", e64, ")");
      unsigned char rec[56];
      src.read(e64, rec, 56);
      EMBER_CHECK(get32(rec) == kEnd64Sig, op, "damaged zip64 end of central directory record");
      count = get64(rec + 32);
      dir_size = get64(rec + 40);
      dir_offset = get64(rec + 48);
      dir_limit = e64;
    }
  }
  EMBER_CHECK(dir_offset <= dir_limit && dir_size <= dir_limit - dir_offset, op,
              "damaged zip archive: the central directory (offset ", dir_offset, ", ", dir_size,
              " bytes) lies outside the file");
  EMBER_CHECK(count <= dir_size / 46, op, "damaged zip archive: ", count, " entries cannot fit in a ", dir_size,
              "-byte central directory");
  directory_offset_ = dir_offset;

  std::string dir = src.read_string(dir_offset, size_t(dir_size));
  auto d = reinterpret_cast<const unsigned char*>(dir.data());
  uint64_t pos = 0;
  entries_.reserve(size_t(count));
  for (uint64_t i = 0; i < count; ++i) {
    EMBER_CHECK(dir_size - pos >= 46 && get32(d + pos) == kCentralSig, op,
                "damaged zip archive: bad central directory entry ", i);
    const unsigned char* h = d + pos;
    Entry e;
    e.flags = get16(h + 8);
    e.method = get16(h + 10);
    e.crc = get32(h + 16);
    e.compressed_size = get32(h + 20);
    e.size = get32(h + 24);
    uint64_t name_len = get16(h + 28), extra_len = get16(h + 30), comment_len = get16(h + 32);
    e.header_offset = get32(h + 42);
    EMBER_CHECK(dir_size - pos - 46 >= name_len + extra_len + comment_len, op,
                "damaged zip archive: central directory entry ", i, " runs past the directory");
    e.name.assign(reinterpret_cast<const char*>(h + 46), size_t(name_len));
    // zip64 extra field: the 64-bit values, present for each 32-bit field that is 0xffffffff.
    const unsigned char* x = h + 46 + name_len;
    for (uint64_t xp = 0; xp + 4 <= extra_len;) {
      uint16_t id = get16(x + xp), len = get16(x + xp + 2);
      EMBER_CHECK(xp + 4 + len <= extra_len, op, "damaged zip archive: bad extra field in entry '", e.name, "'");
      if (id == 1) {
        const unsigned char* v = x + xp + 4;
        uint64_t left = len;
        auto take = [&](uint64_t& field) {
          if (field != k32) return;
          EMBER_CHECK(left >= 8, op, "damaged zip archive: short zip64 field in entry '", e.name, "'");
          field = get64(v);
          v += 8;
          left -= 8;
        };
        take(e.size);
        take(e.compressed_size);
        take(e.header_offset);
      }
      xp += 4 + len;
    }
    EMBER_CHECK(index_.emplace(e.name, entries_.size()).second, op, "damaged zip archive: duplicate entry '", e.name, "'");
    entries_.push_back(std::move(e));
    pos += 46 + name_len + extra_len + comment_len;
  }
}

const ZipReader::Entry* ZipReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

uint64_t ZipReader::data_offset(const Entry& e) const {
  EMBER_CHECK(e.header_offset <= directory_offset_ && directory_offset_ - e.header_offset >= 30, op_,
              "damaged zip archive: entry '", e.name, "' points outside the file");
  unsigned char h[30];
  src_.read(e.header_offset, h, 30);
  EMBER_CHECK(get32(h) == kLocalSig, op_, "damaged zip archive: bad local header for entry '", e.name, "'");
  uint64_t start = e.header_offset + 30 + get16(h + 26) + get16(h + 28);
  EMBER_CHECK(start <= directory_offset_ && e.compressed_size <= directory_offset_ - start, op_,
              "damaged zip archive: the data of entry '", e.name, "' runs past the end of the file");
  return start;
}

void ZipReader::read(const Entry& e, void* dst) const {
  EMBER_CHECK(!(e.flags & 1), op_, "entry '", e.name, "' is encrypted");
  uint64_t start = data_offset(e);
  if (e.method == 0) {
    EMBER_CHECK(e.compressed_size == e.size, op_, "damaged zip archive: stored entry '", e.name,
                "' has different stored and declared sizes");
    src_.read(start, dst, size_t(e.size));
  } else if (e.method == 8) {
    z_stream zs{};
    EMBER_CHECK(inflateInit2(&zs, -MAX_WBITS) == Z_OK, op_, "zlib initialisation failed");
    struct Guard { z_stream* z; ~Guard() { inflateEnd(z); } } guard{&zs};
    std::vector<unsigned char> buf(std::min<uint64_t>(e.compressed_size, uint64_t(1) << 20));
    uint64_t in_done = 0, out_done = 0;
    auto out = static_cast<unsigned char*>(dst);
    for (;;) {
      if (zs.avail_in == 0 && in_done < e.compressed_size) {
        size_t n = size_t(std::min<uint64_t>(buf.size(), e.compressed_size - in_done));
        src_.read(start + in_done, buf.data(), n);
        in_done += n;
        zs.next_in = buf.data();
        zs.avail_in = uInt(n);
      }
      uInt room = uInt(std::min<uint64_t>(e.size - out_done, uint64_t(1) << 30));
      zs.next_out = out + out_done;
      zs.avail_out = room;
      uInt had_in = zs.avail_in;
      int rc = inflate(&zs, Z_NO_FLUSH);
      out_done += room - zs.avail_out;
      if (rc == Z_STREAM_END) break;
      bool progress = zs.avail_out != room || zs.avail_in != had_in;
      EMBER_CHECK(rc == Z_OK || rc == Z_BUF_ERROR, op_, "damaged zip archive: cannot inflate entry '", e.name, "'");
      if (!progress) {
        EMBER_CHECK(out_done < e.size, op_, "damaged zip archive: entry '", e.name, "' inflates to more than its declared ",
                    e.size, " bytes");
        EMBER_FAIL(op_, "damaged zip archive: deflated entry '", e.name, "' is truncated");
      }
    }
    EMBER_CHECK(out_done == e.size, op_, "damaged zip archive: entry '", e.name, "' inflates to ", out_done,
                " bytes, not ", e.size);
  } else {
    EMBER_FAIL(op_, "entry '", e.name, "' uses zip compression method ", e.method, "; only stored and deflated are supported");
  }
  EMBER_CHECK(crc32_of(dst, e.size) == e.crc, op_, "damaged zip archive: CRC-32 mismatch in entry '", e.name, "'");
}

std::string ZipReader::read_string(const Entry& e) const {
  if (e.method == 8)
    EMBER_CHECK(e.size <= e.compressed_size * 1100 + 1024, op_, "damaged zip archive: entry '", e.name,
                "' declares an impossible size");
  else
    EMBER_CHECK(e.size <= src_.size(), op_, "damaged zip archive: entry '", e.name, "' is larger than the file");
  std::string s(size_t(e.size), '\0');
  read(e, s.data());
  return s;
}

// ---------------------------------------------------------------- writing

ZipWriter::ZipWriter(ByteSink& sink, const char* op, bool force_zip64) : sink_(sink), op_(op), force_zip64_(force_zip64) {}

void ZipWriter::add(const std::string& name, const void* data, uint64_t n) {
  EMBER_CHECK(!finished_, op_, "zip archive already finished");
  EMBER_CHECK(name.size() < 0xffff, op_, "entry name too long");
  uint64_t offset = sink_.position();
  bool zip64 = force_zip64_ || n >= k32 || offset >= k32;
  uint32_t crc = crc32_of(data, n);
  std::string h;
  put32(h, kLocalSig);
  put16(h, zip64 ? 45 : 20);  // version needed
  put16(h, 0);                // flags
  put16(h, 0);                // stored
  put32(h, 0);                // time, date
  put32(h, crc);
  put32(h, zip64 ? k32 : uint32_t(n));
  put32(h, zip64 ? k32 : uint32_t(n));
  uint64_t extra = (zip64 ? 20 : 0) + 4;
  uint64_t pad = (kAlign - (offset + 30 + name.size() + extra) % kAlign) % kAlign;
  put16(h, uint16_t(name.size()));
  put16(h, uint16_t(extra + pad));
  h += name;
  if (zip64) {
    put16(h, 1);
    put16(h, 16);
    put64(h, n);
    put64(h, n);
  }
  put16(h, 0x4246);  // "FB": padding, as torch's writer names it
  put16(h, uint16_t(pad));
  h.append(size_t(pad), 'Z');
  sink_.write(h.data(), h.size());
  sink_.write(data, size_t(n));
  written_.push_back({name, crc, n, offset});
}

void ZipWriter::finish() {
  EMBER_CHECK(!finished_, op_, "zip archive already finished");
  finished_ = true;
  uint64_t dir_offset = sink_.position();
  bool any64 = force_zip64_ || written_.size() >= 0xffff;
  std::string d;
  for (auto& w : written_) {
    bool zip64 = force_zip64_ || w.size >= k32 || w.offset >= k32;
    any64 |= zip64;
    put32(d, kCentralSig);
    put16(d, zip64 ? 45 : 20);  // version made by
    put16(d, zip64 ? 45 : 20);  // version needed
    put16(d, 0);
    put16(d, 0);
    put32(d, 0);
    put32(d, w.crc);
    put32(d, zip64 ? k32 : uint32_t(w.size));
    put32(d, zip64 ? k32 : uint32_t(w.size));
    put16(d, uint16_t(w.name.size()));
    put16(d, zip64 ? 28 : 0);
    put16(d, 0);  // comment
    put16(d, 0);  // disk
    put16(d, 0);  // internal attributes
    put32(d, 0);  // external attributes
    put32(d, zip64 ? k32 : uint32_t(w.offset));
    d += w.name;
    if (zip64) {
      put16(d, 1);
      put16(d, 24);
      put64(d, w.size);
      put64(d, w.size);
      put64(d, w.offset);
    }
    if (d.size() >= (1u << 20)) {
      sink_.write(d.data(), d.size());
      d.clear();
    }
  }
  sink_.write(d.data(), d.size());
  uint64_t dir_size = sink_.position() - dir_offset;
  any64 |= dir_offset >= k32 || dir_size >= k32;
  std::string e;
  if (any64) {
    uint64_t e64 = sink_.position();
    put32(e, kEnd64Sig);
    put64(e, 44);
    put16(e, 45);
    put16(e, 45);
    put32(e, 0);
    put32(e, 0);
    put64(e, written_.size());
    put64(e, written_.size());
    put64(e, dir_size);
    put64(e, dir_offset);
    put32(e, kLocator64Sig);
    put32(e, 0);
    put64(e, e64);
    put32(e, 1);
  }
  auto clamp16 = [](uint64_t v) { return uint16_t(v >= 0xffff ? 0xffff : v); };
  auto clamp32 = [](uint64_t v) { return uint32_t(v >= k32 ? k32 : v); };
  put32(e, kEndSig);
  put16(e, 0);
  put16(e, 0);
  put16(e, clamp16(written_.size()));
  put16(e, clamp16(written_.size()));
  put32(e, clamp32(dir_size));
  put32(e, clamp32(dir_offset));
  put16(e, 0);
  sink_.write(e.data(), e.size());
}

}  // namespace ember::serialize
