// Advanced indexing: index and index_put with torch's rules (bool masks become
// integer indices; index tensors broadcast; adjacent indexed dims keep their
// place in the result, separated ones move the broadcast dims to the front).
// The copies themselves are detail::copy_block_out/_in: every index position
// becomes one element offset first, so out-of-range indices raise before
// anything is written.
#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/index_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using autograd::SavedTensor;
using detail::IndexOffsets;

namespace {

using OptTensors = std::vector<std::optional<Tensor>>;

// ---------------------------------------------------------------- the indexed block
// `index`/`index_put` arguments after bool masks became integer indices.
struct AdvIndex : detail::IndexedBlock {
  std::vector<Tensor> tensors;  // int64 indices, tensors[k] indexes dims[k]
  std::vector<int64_t> dims;    // ascending
  std::vector<int64_t> outer_dims, inner_dims;
  OptTensors expanded;          // the integer form, for backward
};

Tensor long_nonzero_column(const Tensor& nz, int64_t col);

// torch's expandTensors + the placement rules: adjacent indexed dims keep their
// place in the result; separated ones move the broadcast block to the front.
AdvIndex prepare(const Tensor& self, const OptTensors& indices, const char* op) {
  AdvIndex a;
  EMBER_CHECK_INDEX(int64_t(indices.size()) <= self.dim(), op, "too many indices for tensor of dimension ", self.dim(),
                    " (got ", indices.size(), ")");
  OptTensors& ex = a.expanded;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!indices[i] || !indices[i]->defined()) {
      ex.emplace_back();
      continue;
    }
    const Tensor& t = *indices[i];
    Dtype d = t.dtype();
    if (d == Dtype::Bool || d == Dtype::UInt8) {
      // A 0-d mask needs a new dim to select along: the Python layer turns x[True] into x[None][[0]].
      EMBER_CHECK_INDEX(t.dim() > 0, op, "a 0-dimensional boolean index needs a dimension to index");
      int64_t start = int64_t(ex.size());
      EMBER_CHECK_INDEX(start + t.dim() <= self.dim(), op, "too many indices for tensor of dimension ", self.dim());
      for (int64_t j = 0; j < t.dim(); ++j)
        EMBER_CHECK_INDEX(t.sizes()[j] == self.sizes()[start + j], op, "The shape of the mask ", shape_str(t.sizes()),
                          " at index ", j, " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
                          " at index ", start + j);
      Tensor nz = nonzero(t);
      for (int64_t j = 0; j < t.dim(); ++j) ex.emplace_back(long_nonzero_column(nz, j));
      continue;
    }
    EMBER_CHECK_INDEX(d == Dtype::Int64, op, "tensors used as indices must be long, byte or bool tensors (got ",
                      dtype_name(d), ")");
    ex.emplace_back(t);
  }
  EMBER_CHECK_INDEX(int64_t(ex.size()) <= self.dim(), op, "too many indices for tensor of dimension ", self.dim(),
                    " (got ", ex.size(), ")");
  for (size_t i = 0; i < ex.size(); ++i)
    if (ex[i]) {
      a.tensors.push_back(*ex[i]);
      a.dims.push_back(int64_t(i));
    }
  EMBER_CHECK_INDEX(!a.tensors.empty(), op, "at least one index tensor is needed");
  bool adjacent = a.dims.back() - a.dims.front() + 1 == int64_t(a.dims.size());
  a.off = detail::compute_index_offsets(a.tensors, a.dims, self.sizes(), self.strides(), op);
  std::vector<bool> indexed(size_t(self.dim()), false);
  for (int64_t d : a.dims) indexed[d] = true;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (indexed[d]) continue;
    bool before = adjacent && d < a.dims.front();
    (before ? a.outer_dims : a.inner_dims).push_back(d);
  }
  for (int64_t d : a.outer_dims) {
    a.outer_sizes.push_back(self.sizes()[d]);
    a.outer_strides.push_back(self.strides()[d]);
  }
  for (int64_t d : a.inner_dims) {
    a.inner_sizes.push_back(self.sizes()[d]);
    a.inner_strides.push_back(self.strides()[d]);
  }
  a.result_shape = a.outer_sizes;
  a.result_shape.insert(a.result_shape.end(), a.off.bshape.begin(), a.off.bshape.end());
  a.result_shape.insert(a.result_shape.end(), a.inner_sizes.begin(), a.inner_sizes.end());
  return a;
}

Tensor long_nonzero_column(const Tensor& nz, int64_t col) {
  int64_t n = nz.sizes()[0];
  Tensor c = empty({n}, Dtype::Int64);
  const int64_t* p = nz.data_ptr<int64_t>();
  int64_t* q = c.data_ptr<int64_t>();
  int64_t w = nz.sizes()[1];
  for (int64_t i = 0; i < n; ++i) q[i] = p[i * w + col];
  return c;
}

void index_put_forward(const Tensor& self, const AdvIndex& a, const Tensor& values, bool accumulate, const char* op) {
  EMBER_CHECK(values.dtype() == self.dtype(), op, "Index put requires the source and destination dtypes match, got ",
              dtype_name(self.dtype()), " for the destination and ", dtype_name(values.dtype()), " for the source.");
  EMBER_CHECK(is_expandable_to(values.sizes(), a.result_shape), op, "shape mismatch: value tensor of shape ",
              shape_str(values.sizes()), " cannot be broadcast to indexing result of shape ", shape_str(a.result_shape));
  detail::copy_block_in(self, a, values, accumulate);
}

std::vector<SavedTensor> save_all(const OptTensors& ts) {
  std::vector<SavedTensor> r;
  r.reserve(ts.size());
  for (auto& t : ts) r.push_back(t ? save(*t) : SavedTensor());
  return r;
}
OptTensors unpack_all(const std::vector<SavedTensor>& ss) {
  OptTensors r;
  r.reserve(ss.size());
  for (auto& s : ss) r.push_back(s.defined() ? std::optional<Tensor>(s.unpack()) : std::nullopt);
  return r;
}

// index_put's derivative: self keeps g except where values were written; values get g read back.
auto index_put_backward(const OptTensors& expanded, bool accumulate) {
  return [idx = save_all(expanded), accumulate](const Tensor& g, const autograd::Node& n) -> TensorList {
    OptTensors ix = unpack_all(idx);
    Tensor gs, gv;
    if (n.needs_input_grad(0)) gs = accumulate ? g : index_put(g, ix, zeros({}, g.dtype()), false);
    if (n.needs_input_grad(1)) gv = index(g, ix);
    return {gs, gv};
  };
}

}  // namespace

// ---------------------------------------------------------------- index / index_put
Tensor index(const Tensor& t, const std::vector<std::optional<Tensor>>& indices) {
  AdvIndex a = prepare(t, indices, "index");
  Tensor out = detail::copy_block_out(t, a);
  if (needs_grad(t)) {
    record("IndexBackward0", {t}, out, [sizes = t.sizes(), idx = save_all(a.expanded)](const Tensor& g) -> TensorList {
      return {index_put(zeros(sizes, g.dtype()), unpack_all(idx), g, true)};
    });
  }
  return out;
}

Tensor index_put(const Tensor& t, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
  Tensor out = empty_like(t);
  cpu::copy_kernel(out, t);
  AdvIndex a = prepare(out, indices, "index_put");
  index_put_forward(out, a, values, accumulate, "index_put");
  if (needs_grad(t, values)) record("IndexPutBackward0", {t, values}, out, index_put_backward(a.expanded, accumulate));
  return out;
}

Tensor& index_put_(Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
  AdvIndex a = prepare(self, indices, "index_put_");
  autograd::check_inplace(self, "index_put_");
  index_put_forward(self, a, values, accumulate, "index_put_");
  autograd::record_inplace("IndexPutBackward0", self, {values}, index_put_backward(a.expanded, accumulate));
  return self;
}

}  // namespace ember
