#include "ember/data/dataloader.h"

#include "ember/ops/ops.h"

namespace ember::data {

Example Dataset::get_batch(const std::vector<int64_t>& indices) const {
  TensorList xs, ys;
  for (int64_t i : indices) {
    Example e = get(i);
    xs.push_back(e.data);
    ys.push_back(e.target);
  }
  return {stack(xs), stack(ys)};
}

TensorDataset::TensorDataset(Tensor data, Tensor target) : data_(std::move(data)), target_(std::move(target)) {
  EMBER_CHECK_VALUE(data_.dim() >= 1 && target_.dim() >= 1 && data_.size(0) == target_.size(0), "TensorDataset",
                    "Size mismatch between tensors: ", shape_str(data_.sizes()), " and ", shape_str(target_.sizes()));
}

Example TensorDataset::get(int64_t i) const { return {select(data_, 0, i), select(target_, 0, i)}; }

Example TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  Tensor idx = empty({int64_t(indices.size())}, Dtype::Int64);
  std::copy(indices.begin(), indices.end(), idx.data_ptr<int64_t>());
  return {index_select(data_, 0, idx), index_select(target_, 0, idx)};
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  EMBER_CHECK_VALUE(options_.batch_size > 0, "DataLoader", "batch_size should be a positive integer value, but got ",
                    options_.batch_size);
  order_.resize(size_t(dataset_->size()));
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = int64_t(i);
}

DataLoader::Iterator DataLoader::begin() {
  if (options_.shuffle) {
    Tensor perm = randperm(dataset_->size(), Dtype::Int64, options_.generator);
    const int64_t* p = perm.data_ptr<int64_t>();
    order_.assign(p, p + perm.numel());
  }
  return Iterator(this, 0);
}

size_t DataLoader::num_batches() const {
  size_t n = order_.size(), b = size_t(options_.batch_size);
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

Example DataLoader::batch(size_t b) const {
  size_t start = b * size_t(options_.batch_size);
  size_t end = std::min(order_.size(), start + size_t(options_.batch_size));
  std::vector<int64_t> idx(order_.begin() + long(start), order_.begin() + long(end));
  return dataset_->get_batch(idx);
}

}  // namespace ember::data
