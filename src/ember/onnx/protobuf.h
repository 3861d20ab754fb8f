// A minimal protocol-buffers wire-format writer: enough to write ONNX models
// without linking libprotobuf (so C++ programs can export too).
//
// Fields are written in the order the caller adds them; repeated numeric
// fields are written unpacked (proto2's default, which every parser accepts).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace ember::onnx::pb {

class Writer {
 public:
  void varint_field(int field, uint64_t v) {
    tag(field, 0);
    varint(v);
  }
  void int_field(int field, int64_t v) { varint_field(field, uint64_t(v)); }  // int32/int64: two's complement
  void float_field(int field, float v) {
    tag(field, 5);
    char b[4];
    std::memcpy(b, &v, 4);
    out_.append(b, 4);
  }
  void bytes_field(int field, const std::string& v) { bytes_field(field, v.data(), v.size()); }
  void bytes_field(int field, const void* data, size_t n) {
    tag(field, 2);
    varint(n);
    out_.append(static_cast<const char*>(data), n);
  }
  void message_field(int field, const Writer& m) { bytes_field(field, m.out_); }
  const std::string& bytes() const { return out_; }

 private:
  void tag(int field, int wire) { varint((uint64_t(field) << 3) | uint64_t(wire)); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(char(uint8_t(v) | 0x80));
      v >>= 7;
    }
    out_.push_back(char(v));
  }
  std::string out_;
};

}  // namespace ember::onnx::pb
