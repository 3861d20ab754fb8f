// Reader for the IDX format of MNIST-style datasets (optionally gzip-compressed).
#pragma once
#include <string>

#include "ember/core/tensor.h"

namespace ember::data {

// A uint8 tensor with the file's dimensions. Throws a clear error for a missing,
// truncated or malformed file.
Tensor read_idx(const std::string& path);

// Fashion-MNIST/MNIST: images (N, 1, 28, 28) float32 in [0, 1] and labels (N,) int64.
// split: "train" or "test"; root holds {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
std::pair<Tensor, Tensor> load_mnist(const std::string& root, const std::string& split);

}  // namespace ember::data
