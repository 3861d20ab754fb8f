// Datasets and a batching loader for C++ users.
//
//   auto ds = std::make_shared<data::TensorDataset>(images, labels);
//   data::DataLoader loader(ds, {.batch_size = 64, .shuffle = true});
//   for (auto& batch : loader) { ... batch.data, batch.target ... }
#pragma once
#include <memory>
#include <vector>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember::data {

struct Example {
  Tensor data, target;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Example get(int64_t index) const = 0;
  // A batch of the given indices; the default stacks get(i).
  virtual Example get_batch(const std::vector<int64_t>& indices) const;
};

// Samples are the i-th rows of two tensors; batches gather rows directly.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor data, Tensor target);
  int64_t size() const override { return data_.size(0); }
  Example get(int64_t index) const override;
  Example get_batch(const std::vector<int64_t>& indices) const override;

 private:
  Tensor data_, target_;
};

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;
  Generator* generator = nullptr;  // shuffling draws from it (default: the global generator)
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options);

  class Iterator {
   public:
    Iterator(const DataLoader* loader, size_t batch) : loader_(loader), batch_(batch) {}
    Example operator*() const { return loader_->batch(batch_); }
    Iterator& operator++() { ++batch_; return *this; }
    bool operator!=(const Iterator& o) const { return batch_ != o.batch_; }

   private:
    const DataLoader* loader_;
    size_t batch_;
  };
  // Each begin() starts an epoch: a new order when shuffling.
  Iterator begin();
  Iterator end() const { return Iterator(this, num_batches()); }
  size_t num_batches() const;

 private:
  Example batch(size_t b) const;
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::vector<int64_t> order_;
};

}  // namespace ember::data
