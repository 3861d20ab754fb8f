// Helpers of the indexing family: index dtype checks, geometry-only views,
// and the offsets of broadcast index tensors.
#include "ember/ops/index_util.h"

#include "ember/core/parallel.h"
#include "ember/ops/cpu/kernels.h"

namespace ember::detail {

void check_index_dtype(const char* op, const Tensor& index, bool allow_int32, bool index_error) {
  bool ok = index.dtype() == Dtype::Int64 || (allow_int32 && index.dtype() == Dtype::Int32);
  if (ok) return;
  if (index_error)
    EMBER_CHECK_INDEX(false, op, "Expected dtype int64", allow_int32 ? " or int32" : "", " for index, but got ",
                      dtype_name(index.dtype()));
  EMBER_CHECK(false, op, "Expected dtype int64", allow_int32 ? " or int32" : "", " for index, but got ",
              dtype_name(index.dtype()));
}

Tensor index_as_long(const Tensor& index) {
  if (index.dtype() == Dtype::Int64 && index.is_contiguous()) return index;
  Tensor out = empty(index.sizes(), Dtype::Int64);
  cpu::copy_kernel(out, index);
  return out;
}

Tensor raw_view(const Tensor& t, const Shape& sizes) {
  EMBER_CHECK(t.is_contiguous() && shape_numel(sizes) == t.numel(), "view", "internal: cannot view ",
              shape_str(t.sizes()), " as ", shape_str(sizes));
  return make_view(t, sizes, contiguous_strides(sizes), t.storage_offset());
}

Tensor raw_expand(const Tensor& t, const Shape& sizes) {
  if (t.sizes() == sizes) return t;
  int64_t off = int64_t(sizes.size()) - t.dim();
  EMBER_CHECK(off >= 0, "expand", "cannot expand ", shape_str(t.sizes()), " to ", shape_str(sizes));
  Shape strides(sizes.size(), 0);
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t s = t.sizes()[d];
    EMBER_CHECK(s == sizes[d + off] || s == 1, "expand", "The expanded size of the tensor (", sizes[d + off],
                ") must match the existing size (", s, ") at non-singleton dimension ", d + off, ".  Target sizes: ",
                shape_str(sizes), ".  Tensor sizes: ", shape_str(t.sizes()));
    strides[d + off] = s == 1 ? 0 : t.strides()[d];
  }
  return make_view(t, sizes, strides, t.storage_offset());
}

Tensor raw_unsqueeze(const Tensor& t, int64_t dim) {
  Shape sizes = t.sizes(), strides = t.strides();
  int64_t st = dim < t.dim() ? sizes[dim] * strides[dim] : 1;
  sizes.insert(sizes.begin() + dim, 1);
  strides.insert(strides.begin() + dim, st);
  return make_view(t, sizes, strides, t.storage_offset());
}

Tensor raw_squeeze(const Tensor& t, int64_t dim) {
  Shape sizes = t.sizes(), strides = t.strides();
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  return make_view(t, sizes, strides, t.storage_offset());
}

Tensor raw_movedim_front(const Tensor& t, int64_t dim) {
  Shape sizes = t.sizes(), strides = t.strides();
  int64_t s = sizes[dim], st = strides[dim];
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  sizes.insert(sizes.begin(), s);
  strides.insert(strides.begin(), st);
  return make_view(t, sizes, strides, t.storage_offset());
}

IndexOffsets compute_index_offsets(const std::vector<Tensor>& indices, const std::vector<int64_t>& dims,
                                   const Shape& sizes, const Shape& strides, const char* op) {
  IndexOffsets r;
  r.bshape = indices[0].sizes();
  for (size_t k = 1; k < indices.size(); ++k) {
    const Shape& s = indices[k].sizes();
    bool ok = true;
    size_t n = std::max(r.bshape.size(), s.size());
    Shape out(n);
    for (size_t i = 0; i < n && ok; ++i) {
      int64_t a = i < n - r.bshape.size() ? 1 : r.bshape[i - (n - r.bshape.size())];
      int64_t b = i < n - s.size() ? 1 : s[i - (n - s.size())];
      ok = a == b || a == 1 || b == 1;
      out[i] = a == 1 ? b : a;
    }
    if (!ok) {
      std::string shapes;
      for (size_t j = 0; j < indices.size(); ++j) shapes += (j ? ", " : "") + shape_str(indices[j].sizes());
      EMBER_CHECK_INDEX(false, op, "shape mismatch: indexing tensors could not be broadcast together with shapes ", shapes);
    }
    r.bshape = out;
  }
  int64_t nb = shape_numel(r.bshape);
  r.offsets.assign(size_t(nb), 0);
  for (size_t k = 0; k < indices.size(); ++k) {
    Tensor idx = index_as_long(indices[k]);
    if (idx.sizes() != r.bshape) {
      Tensor full = empty(r.bshape, Dtype::Int64);
      cpu::copy_kernel(full, idx);
      idx = full;
    }
    const int64_t* p = idx.data_ptr<int64_t>();
    int64_t size = sizes[dims[k]], stride = strides[dims[k]], dim = dims[k];
    int64_t* off = r.offsets.data();
    parallel_for(0, nb, kGrainElementwise, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        int64_t v = p[i];
        if (v < -size || v >= size)
          ::ember::detail::fail(ErrorKind::Index, op, "index ", v, " is out of bounds for dimension ", dim, " with size ", size);
        off[i] += (v < 0 ? v + size : v) * stride;
      }
    });
  }
  return r;
}

}  // namespace ember::detail
