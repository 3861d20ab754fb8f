#include "ember/data/idx.h"

#include <zlib.h>

#include <cstring>
#include <vector>

#include "ember/ops/ops.h"

namespace ember::data {

namespace {
std::vector<unsigned char> read_all(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files too
  EMBER_CHECK(f != nullptr, "read_idx", "cannot open '", path, "'");
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  int err = 0;
  const char* msg = gzerror(f, &err);
  gzclose(f);
  EMBER_CHECK(n == 0 && (err == Z_OK || err == Z_STREAM_END), "read_idx", "'", path, "' is corrupt: ", msg);
  return out;
}
}  // namespace

Tensor read_idx(const std::string& path) {
  std::vector<unsigned char> d = read_all(path);
  EMBER_CHECK(d.size() >= 4 && d[0] == 0 && d[1] == 0, "read_idx", "'", path, "' is not an IDX file");
  EMBER_CHECK(d[2] == 0x08, "read_idx", "'", path, "': only unsigned byte IDX data is supported (type 0x", std::hex,
              int(d[2]), ")");
  int ndim = d[3];
  EMBER_CHECK(d.size() >= size_t(4 + 4 * ndim), "read_idx", "'", path, "' is truncated (header)");
  Shape shape;
  size_t n = 1;
  for (int i = 0; i < ndim; ++i) {
    const unsigned char* p = d.data() + 4 + 4 * i;
    int64_t s = (int64_t(p[0]) << 24) | (int64_t(p[1]) << 16) | (int64_t(p[2]) << 8) | int64_t(p[3]);
    shape.push_back(s);
    n *= size_t(s);
  }
  size_t header = size_t(4 + 4 * ndim);
  EMBER_CHECK(d.size() == header + n, "read_idx", "'", path, "' is truncated or has trailing data: ", d.size() - header,
              " data bytes for shape ", shape_str(shape));
  Tensor t = empty(shape, Dtype::UInt8);
  std::memcpy(t.raw_data(), d.data() + header, n);
  return t;
}

std::pair<Tensor, Tensor> load_mnist(const std::string& root, const std::string& split) {
  EMBER_CHECK_VALUE(split == "train" || split == "test", "load_mnist", "split must be 'train' or 'test', got ", split);
  std::string prefix = root + "/" + (split == "train" ? "train" : "t10k");
  Tensor images = read_idx(prefix + "-images-idx3-ubyte.gz");
  Tensor labels = read_idx(prefix + "-labels-idx1-ubyte.gz");
  EMBER_CHECK(images.dim() == 3 && labels.dim() == 1 && images.size(0) == labels.size(0), "load_mnist",
              "unexpected shapes ", shape_str(images.sizes()), " and ", shape_str(labels.sizes()));
  Tensor x = div(to_dtype(unsqueeze(images, 1), Dtype::Float32), wrap_scalar(255.0));
  return {x, to_dtype(labels, Dtype::Int64)};
}

}  // namespace ember::data
