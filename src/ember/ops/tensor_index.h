// Python-style indexing from C++: t[1:, None, idx] is
//
//   using namespace ember::indexing;
//   getitem(t, {Slice{1, std::nullopt}, None, idx});
//   setitem_(t, {0, Ellipsis}, 1.5);
//
// Integers, slices, None, Ellipsis and bools are basic indices: they give a view
// of t (no copy). Tensors (integer, bool or uint8) are advanced indices and go
// through ember::index / index_put_ with torch's placement rules.
#pragma once
#include <optional>
#include <type_traits>
#include <vector>

#include "ember/ops/ops.h"

namespace ember {
namespace indexing {

struct Slice {
  std::optional<int64_t> start, stop;
  int64_t step = 1;  // must be > 0
};
struct EllipsisIndexType {};
inline constexpr EllipsisIndexType Ellipsis{};
struct NoneIndexType {};
inline constexpr NoneIndexType None{};

class TensorIndex {
 public:
  enum class Kind : uint8_t { Int, Slice, None, Ellipsis, Bool, Tensor };
  TensorIndex(NoneIndexType) : kind_(Kind::None) {}
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  TensorIndex(I i) : kind_(Kind::Int), int_(int64_t(i)) {}
  TensorIndex(bool b) : kind_(Kind::Bool), int_(b) {}
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}

  Kind kind() const { return kind_; }
  int64_t integer() const { return int_; }
  bool boolean() const { return int_ != 0; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  int64_t int_ = 0;
  Slice slice_;
  Tensor tensor_;
};

}  // namespace indexing

// t[index]: a view for basic indices, a new tensor when the index has tensors.
Tensor getitem(const Tensor& t, const std::vector<indexing::TensorIndex>& index);
// t[index] = value: value is broadcast and cast to t's dtype; basic indices write
// through a view (so autograd sees an in-place op on a view), tensors through index_put_.
Tensor& setitem_(Tensor& t, const std::vector<indexing::TensorIndex>& index, const Tensor& value);
Tensor& setitem_(Tensor& t, const std::vector<indexing::TensorIndex>& index, const Scalar& value);

}  // namespace ember
