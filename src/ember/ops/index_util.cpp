// Helpers of the indexing family: index dtype checks, geometry-only views,
// and the offsets of broadcast index tensors.
#include "ember/ops/index_util.h"

#include "ember/core/parallel.h"
#include "ember/ops/cpu/index_kernels.h"
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

// ---------------------------------------------------------------- copies of an indexed block
namespace {

// An operand laid out as outer + [b dims] + inner (a result, or values expanded to it).
cpu::IndexOperand result_operand(const Tensor& t, size_t n_outer, const Shape& bshape, size_t n_inner,
                                 std::vector<int64_t>& boff_storage) {
  cpu::IndexOperand o;
  o.base = static_cast<char*>(t.raw_data());
  const Shape& st = t.strides();
  o.outer_strides.assign(st.begin(), st.begin() + int64_t(n_outer));
  o.inner_strides.assign(st.end() - int64_t(n_inner), st.end());
  size_t nbd = bshape.size();
  if (nbd == 0) {
    o.bstride = 0;
  } else if (nbd == 1) {
    o.bstride = st[n_outer];
  } else {
    // Dense row-major b dims collapse to one stride; anything else gets a table.
    bool dense = true;
    for (size_t k = 0; k + 1 < nbd && dense; ++k)
      dense = bshape[k] == 1 || st[n_outer + k] == st[n_outer + k + 1] * bshape[k + 1];
    int64_t inner_b = st[n_outer + nbd - 1];
    if (dense) {
      o.bstride = inner_b;
    } else {
      int64_t nb = shape_numel(bshape);
      boff_storage.assign(size_t(nb), 0);
      for (int64_t b = 0; b < nb; ++b) {
        int64_t rem = b, off = 0;
        for (int64_t k = int64_t(nbd) - 1; k >= 0; --k) {
          off += (rem % bshape[k]) * st[n_outer + k];
          rem /= bshape[k];
        }
        boff_storage[b] = off;
      }
      o.boff = boff_storage.data();
    }
  }
  return o;
}

cpu::IndexOperand self_operand(const Tensor& self, const IndexedBlock& a) {
  cpu::IndexOperand o;
  o.base = static_cast<char*>(self.raw_data());
  o.outer_strides = a.outer_strides;
  o.inner_strides = a.inner_strides;
  o.boff = a.off.offsets.data();
  return o;
}

// Values may alias self (x[i] = x[j]): read them from a private copy.
Tensor unaliased(const Tensor& values, const Tensor& self) {
  if (values.storage() != self.storage()) return values;
  Tensor c = empty(values.sizes(), values.dtype());
  cpu::copy_kernel(c, values);
  return c;
}

}  // namespace

Tensor copy_block_out(const Tensor& self, const IndexedBlock& a) {
  Tensor out = empty(a.result_shape, self.dtype());
  std::vector<int64_t> unused;
  cpu::IndexOperand dst = result_operand(out, a.outer_sizes.size(), a.off.bshape, a.inner_sizes.size(), unused);
  cpu::index_copy_loop(dst, self_operand(self, a), a.outer_sizes, int64_t(a.off.offsets.size()), a.inner_sizes,
                       self.dtype(), false, false);
  return out;
}

void copy_block_in(const Tensor& self, const IndexedBlock& a, const Tensor& values, bool accumulate) {
  Tensor v = raw_expand(unaliased(values, self), a.result_shape);
  std::vector<int64_t> vboff;
  cpu::IndexOperand src = result_operand(v, a.outer_sizes.size(), a.off.bshape, a.inner_sizes.size(), vboff);
  cpu::index_copy_loop(self_operand(self, a), src, a.outer_sizes, int64_t(a.off.offsets.size()), a.inner_sizes,
                       self.dtype(), accumulate, true);
}

}  // namespace ember::detail
