// The zip container of torch's checkpoints, read and written without a zip
// library: stored (and, for reading, deflated) entries, zip64 when sizes need
// it, CRC-32 checked on every read. Every offset and length read from a file
// is checked against the file before use, so a damaged archive raises an
// ember::Error and never reads out of bounds.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ember::serialize {

// Random-access bytes to read from: a file (read on demand) or a buffer in memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset; throws when they are not all there.
  virtual void read(uint64_t offset, void* dst, size_t n) const = 0;
  std::string read_string(uint64_t offset, size_t n) const;

  static std::unique_ptr<ByteSource> open_file(const std::string& path, const char* op);
  // Borrows the buffer: it must outlive the source.
  static std::unique_ptr<ByteSource> memory(const void* data, size_t n);
};

// Where written bytes go: a file or a string.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const void* data, size_t n) = 0;
  // Flushes and closes (a file), throwing if that fails.
  virtual void close() {}
  uint64_t position() const { return pos_; }

  static std::unique_ptr<ByteSink> create_file(const std::string& path, const char* op);
  static std::unique_ptr<ByteSink> to_string(std::string& out);

 protected:
  uint64_t pos_ = 0;
};

class ZipReader {
 public:
  struct Entry {
    std::string name;
    uint16_t method = 0;  // 0 stored, 8 deflated
    uint16_t flags = 0;
    uint32_t crc = 0;
    uint64_t compressed_size = 0;
    uint64_t size = 0;
    uint64_t header_offset = 0;
  };

  // Parses the central directory; throws "<op>: ..." when the archive is damaged.
  ZipReader(const ByteSource& src, const char* op);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;  // nullptr when absent
  // Reads an entry's bytes into dst (entry.size bytes), checking its CRC.
  void read(const Entry& e, void* dst) const;
  std::string read_string(const Entry& e) const;

 private:
  uint64_t data_offset(const Entry& e) const;
  const ByteSource& src_;
  const char* op_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
  uint64_t directory_offset_ = 0;
};

class ZipWriter {
 public:
  // force_zip64 writes zip64 records even for small archives (to test that path).
  ZipWriter(ByteSink& sink, const char* op, bool force_zip64 = false);
  // Adds a stored entry whose data starts on a 64-byte boundary (as torch's writer does).
  void add(const std::string& name, const void* data, uint64_t n);
  // Writes the central directory; no entries may follow.
  void finish();

 private:
  struct Written {
    std::string name;
    uint32_t crc;
    uint64_t size, offset;
  };
  ByteSink& sink_;
  const char* op_;
  bool force_zip64_;
  bool finished_ = false;
  std::vector<Written> written_;
};

uint32_t crc32_of(const void* data, uint64_t n, uint32_t crc = 0);

}  // namespace ember::serialize
