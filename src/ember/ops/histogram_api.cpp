// histogram and histogramdd: equal-width bins over a range (default the data's), or given
// edges; the last bin of each dim is closed; not differentiable, as in torch.
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/tensorapi.h"

namespace ember {

namespace {
Tensor S(const Scalar& v) { return wrap_scalar(v); }
}  // namespace

// ---------------------------------------------------------------- histogram
namespace {

void check_histogram_input(const Tensor& t, const std::optional<Tensor>& weight) {
  EMBER_CHECK(t.dtype() == Dtype::Float32 || t.dtype() == Dtype::Float64, "", "\"histogramdd\" not implemented for '",
              scalar_type_name(t.dtype()), "'");
  if (weight) {
    EMBER_CHECK(weight->sizes() == t.sizes(), "", "torch.histogramdd: if weight tensor is provided it should have the same "
                "shape as the input tensor excluding its innermost dimension, but got input with shape ",
                shape_str(t.sizes()), " and weight with shape ", shape_str(weight->sizes()));
    EMBER_CHECK(weight->dtype() == t.dtype(), "", "torch.histogramdd: if weight tensor is provided, it should have the same "
                "dtype as the input tensor, but got input with dtype ", scalar_type_name(t.dtype()),
                " and weight with dtype ", scalar_type_name(weight->dtype()));
  }
}

// Counts (or weight sums) of the values in [edges[0], edges[-1]]; the last bin is closed.
std::pair<Tensor, Tensor> bin_counts(const Tensor& t, const Tensor& edges, const std::optional<Tensor>& weight, bool density) {
  autograd::NoGradGuard guard;  // torch.histogram is not differentiable
  const int64_t nbins = edges.numel() - 1;
  Tensor flat = reshape(detach(t), {-1});
  Tensor hist;
  if (nbins <= 0) {
    hist = zeros({std::max<int64_t>(nbins, 0)}, t.dtype());
  } else {
    Tensor inside = logical_and(ge(flat, select(edges, 0, 0)), le(flat, select(edges, 0, -1)));
    Tensor vals = masked_select(flat, inside);
    Tensor bins = sub(searchsorted(edges, vals, true), S(1));
    bins = clamp(bins, std::optional<Scalar>(0), std::optional<Scalar>(nbins - 1));
    Tensor w = weight ? masked_select(reshape(detach(*weight), {-1}), inside) : Tensor();
    hist = to_dtype(bincount(bins, w, nbins), t.dtype());
  }
  if (density) hist = div(div(hist, sum(hist)), diff(edges));
  return {hist, edges};
}

}  // namespace

std::pair<Tensor, Tensor> histogram(const Tensor& t, int64_t bins, std::optional<std::pair<double, double>> range,
                                    const std::optional<Tensor>& weight, bool density) {
  check_histogram_input(t, weight);
  EMBER_CHECK(bins > 0, "", "torch.histogram(): bins must be > 0, but got ", bins, " for dimension 0");
  double lo = 0, hi = 1;  // numpy's range for an empty input
  if (range) {
    lo = range->first;
    hi = range->second;
  } else if (t.numel() > 0) {
    lo = amin(detach(t)).item().to_double();
    hi = amax(detach(t)).item().to_double();
  }
  EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "", "torch.histogramdd: dimension 0's range [", lo, ", ", hi,
              "] is not finite");
  EMBER_CHECK(lo <= hi, "", "torch.histogramdd: min should not exceed max, but got min ", lo, " max ", hi, " for dimension 0");
  if (lo == hi) {  // widen an empty range, as numpy does
    lo -= 0.5;
    hi += 0.5;
  }
  return bin_counts(t, linspace(lo, hi, bins + 1, t.dtype()), weight, density);
}

std::pair<Tensor, Tensor> histogram(const Tensor& t, const Tensor& bin_edges, const std::optional<Tensor>& weight,
                                    bool density) {
  check_histogram_input(t, weight);
  EMBER_CHECK(bin_edges.dim() == 1, "", "torch.histogramdd: bins tensor should have one dimension, but got ",
              bin_edges.dim(), " dimensions in the bins tensor for dimension 0");
  EMBER_CHECK(bin_edges.dtype() == t.dtype(), "", "torch.histogramdd: input tensor and bins tensors should have the same "
              "dtype, but got input with dtype ", dtype_name(t.dtype()), " and bins for dimension 0 with dtype ",
              dtype_name(bin_edges.dtype()));
  EMBER_CHECK(bin_edges.numel() > 1, "", "torch.histogram(): bins must be > 0, but got ", bin_edges.numel() - 1,
              " for dimension 0");
  return bin_counts(t, clone(detach(bin_edges)), weight, density);
}

// ---------------------------------------------------------------- histogramdd
namespace {

// Points (rows of the last dim) counted into the grid of bins the edges define; a point
// outside any dim's [first, last] edge is dropped; the last bin of each dim is closed.
std::pair<Tensor, TensorList> grid_counts(const Tensor& points, const TensorList& edges,
                                          const std::optional<Tensor>& weight, bool density) {
  autograd::NoGradGuard guard;  // torch.histogramdd is not differentiable
  const int64_t nd = int64_t(edges.size());
  Shape grid;
  for (const Tensor& e : edges) grid.push_back(e.numel() - 1);
  Tensor inside = ones({points.size(0)}, Dtype::Bool);
  Tensor flat = zeros({points.size(0)}, Dtype::Int64);
  for (int64_t d = 0; d < nd; ++d) {
    Tensor col = select(points, 1, d);
    const Tensor& e = edges[size_t(d)];
    inside = logical_and(inside, logical_and(ge(col, select(e, 0, 0)), le(col, select(e, 0, -1))));
    Tensor bin = clamp(sub(searchsorted(e, contiguous(col), true), S(1)), std::optional<Scalar>(0),
                       std::optional<Scalar>(grid[size_t(d)] - 1));
    flat = add(mul(flat, S(grid[size_t(d)])), bin);
  }
  Tensor w = weight ? masked_select(reshape(detach(*weight), {-1}), inside) : Tensor();
  Tensor hist = reshape(to_dtype(bincount(masked_select(flat, inside), w, shape_numel(grid)), points.dtype()), grid);
  if (density) {
    hist = div(hist, sum(hist));
    for (int64_t d = 0; d < nd; ++d) {
      Shape s(size_t(nd), 1);
      s[size_t(d)] = -1;
      hist = div(hist, reshape(diff(edges[size_t(d)]), s));
    }
  }
  return {hist, edges};
}

Tensor histogramdd_points(const Tensor& t, const std::optional<Tensor>& weight) {
  EMBER_CHECK(t.dtype() == Dtype::Float32 || t.dtype() == Dtype::Float64, "", "\"histogramdd\" not implemented for '",
              scalar_type_name(t.dtype()), "'");
  EMBER_CHECK(t.dim() >= 2, "", "torch.histogramdd: input tensor should have at least 2 dimensions");
  if (weight) {
    Shape outer(t.sizes().begin(), t.sizes().end() - 1);
    EMBER_CHECK(weight->sizes() == outer, "", "torch.histogramdd: if weight tensor is provided it should have the same "
                "shape as the input tensor excluding its innermost dimension, but got input with shape ",
                shape_str(t.sizes()), " and weight with shape ", shape_str(weight->sizes()));
    EMBER_CHECK(weight->dtype() == t.dtype(), "", "torch.histogramdd: if weight tensor is provided, it should have the "
                "same dtype as the input tensor, but got input with dtype ", scalar_type_name(t.dtype()),
                " and weight with dtype ", scalar_type_name(weight->dtype()));
  }
  return reshape(detach(t), {-1, t.size(-1)});
}

}  // namespace

std::pair<Tensor, TensorList> histogramdd(const Tensor& t, const std::vector<int64_t>& bins,
                                          const std::optional<std::vector<double>>& range,
                                          const std::optional<Tensor>& weight, bool density) {
  Tensor points = histogramdd_points(t, weight);
  const int64_t nd = points.size(1);
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t b = d < int64_t(bins.size()) ? bins[size_t(d)] : 0;
    EMBER_CHECK(b > 0, "", "torch.histogram(): bins must be > 0, but got ", b, " for dimension ", d);
  }
  if (range)
    EMBER_CHECK(int64_t(range->size()) == 2 * nd, "", "torch.histogramdd: for a ", nd,
                "-dimensional histogram range should have ", 2 * nd, " elements, but got ", range->size());
  TensorList edges;
  for (int64_t d = 0; d < nd; ++d) {
    double lo = 0, hi = 1;  // numpy's range for no points
    if (range) {
      lo = (*range)[size_t(2 * d)];
      hi = (*range)[size_t(2 * d + 1)];
    } else if (points.size(0) > 0) {
      Tensor col = select(points, 1, d);
      lo = amin(col).item().to_double();
      hi = amax(col).item().to_double();
    }
    EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "", "torch.histogramdd: dimension ", d, "'s range [", lo, ", ",
                hi, "] is not finite");
    EMBER_CHECK(lo <= hi, "", "torch.histogramdd: min should not exceed max, but got min ", lo, " max ", hi,
                " for dimension ", d);
    if (lo == hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    edges.push_back(linspace(lo, hi, bins[size_t(d)] + 1, t.dtype()));
  }
  return grid_counts(points, edges, weight, density);
}

std::pair<Tensor, TensorList> histogramdd(const Tensor& t, const TensorList& bin_edges, const std::optional<Tensor>& weight,
                                          bool density) {
  Tensor points = histogramdd_points(t, weight);
  const int64_t nd = points.size(1);
  EMBER_CHECK(int64_t(bin_edges.size()) == nd, "", "torch.histogramdd: expected ", nd, " sequences of bin edges for a ",
              nd, "-dimensional histogram but got ", bin_edges.size());
  TensorList edges;
  for (int64_t d = 0; d < nd; ++d) {
    const Tensor& e = bin_edges[size_t(d)];
    EMBER_CHECK(e.dim() == 1, "", "torch.histogramdd: bins tensor should have one dimension, but got ", e.dim(),
                " dimensions in the bins tensor for dimension ", d);
    EMBER_CHECK(e.dtype() == t.dtype(), "", "torch.histogramdd: input tensor and bins tensors should have the same "
                "dtype, but got input with dtype ", dtype_name(t.dtype()), " and bins for dimension ", d, " with dtype ",
                dtype_name(e.dtype()));
    EMBER_CHECK(e.numel() > 1, "", "torch.histogram(): bins must be > 0, but got ", e.numel() - 1, " for dimension ", d);
    edges.push_back(clone(detach(e)));
  }
  return grid_counts(points, edges, weight, density);
}

}  // namespace ember
