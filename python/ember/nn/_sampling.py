"""affine_grid and grid_sample, composed from ember ops (gather, floor, where), so both are
differentiable with respect to the input and the grid, and double backward works.

Coordinates follow torch's grid sampler: grid[..., 0] is x (width), grid[..., 1] is y (height),
grid[..., 2] is z (depth) for volumes; -1 and 1 are the centres of the edge pixels with
align_corners=True, their outer edges otherwise."""
import warnings

from .. import _C

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _linspace_from_neg_one(steps, align_corners, dtype):
    if steps <= 1:
        return _C.zeros(max(steps, 0), dtype=dtype) if steps <= 0 else _C.zeros(1, dtype=dtype)
    r = _C.linspace(-1.0, 1.0, steps, dtype=dtype)
    if not align_corners:
        r = r * ((steps - 1) / steps)
    return r


def affine_grid(theta, size, align_corners=None):
    """Sampling grid for grid_sample from a batch of affine matrices.

    theta: (N, 2, 3) for size (N, C, H, W), giving (N, H, W, 2); or (N, 3, 4) for
    (N, C, D, H, W), giving (N, D, H, W, 3). align_corners=None warns and means False.
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    n = size[0]
    dt = theta.dtype
    # base grid (*spatial, d + 1) holding (x, y[, z], 1): x runs along the last spatial dim
    axes = [_linspace_from_neg_one(s, align_corners, dt) for s in spatial]  # (D,) H, W
    mesh = _C.meshgrid(*axes, indexing="ij")                                   # each (*spatial)
    coords = list(reversed(mesh)) + [_C.ones(tuple(spatial), dtype=dt)]       # x, y, (z), 1
    base = _C.stack(coords, -1)
    npts = 1
    for s in spatial:
        npts *= s
    grid = base.reshape(1, npts, len(spatial) + 1).expand(n, npts, len(spatial) + 1).bmm(theta.transpose(1, 2))
    return grid.reshape(n, *spatial, len(spatial))


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low, twice_high):
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    coord = (coord - low).abs()
    extra = coord.fmod(span)
    flips = (coord / span).floor()
    return _C.where(flips.fmod(2) == 0, extra + low, span - extra + low)


def _apply_padding(coord, size, padding_mode, align_corners):
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        return coord.clamp(0, size - 1)
    return coord


def _gather(flat, idx_parts, sizes, n, c):
    """Values of input at integer coordinates (a list, slowest dim first), zero outside the input.
    flat is (N, C, prod(sizes)); each index part is (N, P); returns (N, C, P)."""
    inside = None
    lin = None
    for part, size in zip(idx_parts, sizes):
        ok = (part >= 0) & (part <= size - 1)
        inside = ok if inside is None else inside & ok
        clamped = part.clamp(0, size - 1)
        lin = clamped if lin is None else lin * size + clamped
    p = lin.shape[1]
    vals = flat.gather(2, lin.unsqueeze(1).expand(n, c, p))
    return vals * inside.unsqueeze(1).to(flat.dtype)


def _cubic_weights(t, a=-0.75):
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Samples input at the normalised coordinates of grid (x, y[, z] in [-1, 1]).

    input: (N, C, H, W) with grid (N, H_out, W_out, 2), or (N, C, D, H, W) with grid
    (N, D_out, H_out, W_out, 3). mode: 'bilinear' (default), 'nearest' or 'bicubic' (4-D only);
    padding_mode: 'zeros' (default), 'border' or 'reflection'. align_corners=None warns, means False.
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.size(0) != grid.size(0):
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    d = input.dim() - 2
    if grid.size(-1) != d:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {d} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    for i in range(2, input.dim()):
        if input.size(i) <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {i} being empty")
    if mode == "bicubic" and d != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    n, c = input.shape[:2]
    sizes = list(input.shape[2:])                       # (D,) H, W: slowest first
    out_spatial = list(grid.shape[1:-1])
    p = 1
    for s in out_spatial:
        p *= s
    flat = input.reshape(n, c, -1)
    g = grid.reshape(n, p, d)
    # source coordinates, slowest dim first (grid's last entry is x = the fastest dim)
    raw = [_unnormalize(g[..., d - 1 - k], sizes[k], align_corners) for k in range(d)]
    if mode == "bicubic":
        out = _bicubic(flat, raw, sizes, n, c, padding_mode, align_corners)
    else:
        src = [_apply_padding(r, s, padding_mode, align_corners) for r, s in zip(raw, sizes)]
        if mode == "nearest":
            out = _gather(flat, [s.round().to(_C.int64) for s in src], sizes, n, c)
            if g.requires_grad:
                # torch's grid gradient is zeros (not None) in nearest mode: a factor of exactly 1 whose
                # derivative with respect to the grid is 0 keeps the grid in the graph
                one = _C.where(_C.ones_like(src[0], dtype=_C.bool), _C.ones_like(src[0]), src[0])
                out = out * one.unsqueeze(1)
        else:
            lo = [s.floor() for s in src]
            frac = [s - f for s, f in zip(src, lo)]
            lo_i = [f.to(_C.int64) for f in lo]
            out = None
            for corner in range(1 << d):
                parts, w = [], None
                for k in range(d):
                    up = (corner >> (d - 1 - k)) & 1
                    parts.append(lo_i[k] + up)
                    wk = frac[k] if up else 1 - frac[k]
                    w = wk if w is None else w * wk
                term = _gather(flat, parts, sizes, n, c) * w.unsqueeze(1)
                out = term if out is None else out + term
    return out.reshape(n, c, *out_spatial)


def _bicubic(flat, raw, sizes, n, c, padding_mode, align_corners):
    """4x4 cubic convolution (A = -0.75); padding applies to each tap's coordinate, as in torch."""
    y, x = raw
    y0, x0 = y.floor(), x.floor()
    wy, wx = _cubic_weights(y - y0), _cubic_weights(x - x0)
    out = None
    for i in range(4):
        yi = _apply_padding(y0 + (i - 1), sizes[0], padding_mode, align_corners).to(_C.int64)
        for j in range(4):
            xj = _apply_padding(x0 + (j - 1), sizes[1], padding_mode, align_corners).to(_C.int64)
            term = _gather(flat, [yi, xj], sizes, n, c) * (wy[i] * wx[j]).unsqueeze(1)
            out = term if out is None else out + term
    return out


def _fractional_intervals(sample, in_size, out_size, pool, dtype):
    """torch's generate_intervals for a (N, C) tensor of samples: window starts (N, C, out_size),
    computed in the input's dtype like torch's scalar_t arithmetic."""
    n, c = sample.shape
    if out_size > 1:
        alpha = _C.tensor(float(in_size - pool), dtype=dtype) / _C.tensor(float(out_size - 1), dtype=dtype)
        i = _C.arange(out_size - 1, dtype=dtype).reshape(1, 1, -1)
        s = sample.unsqueeze(-1)
        starts = ((i + s) * alpha).to(_C.int64) - (s * alpha).to(_C.int64)
        last = _C.full((n, c, 1), in_size - pool, dtype=_C.int64)
        return _C.cat([starts, last], -1)
    return _C.full((n, c, out_size), in_size - pool, dtype=_C.int64)


def fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, samples, d):
    """Fractional max pooling over the last d dims (d = 2 or 3), as torch.nn.functional's."""
    name = f"fractional_max_pool{d}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    kernel = list(kernel_size) if isinstance(kernel_size, (list, tuple)) else [kernel_size] * d
    if output_size is None:
        ratio = list(output_ratio) if isinstance(output_ratio, (list, tuple)) else [output_ratio] * d
        output_size = [int(input.size(-d + k) * ratio[k]) for k in range(d)]
    out = list(output_size) if isinstance(output_size, (list, tuple)) else [output_size] * d
    if input.dim() not in (d + 1, d + 2):
        # IndexError like torch (whose Python wrapper fails indexing the channel dimension first)
        raise IndexError(f"{name}(): Expected {d + 1}D or {d + 2}D tensor, but got: {list(input.shape)}")
    batched = input.dim() == d + 2
    x = input if batched else input.unsqueeze(0)
    n, c = x.shape[:2]
    sizes = list(x.shape[2:])
    dims = ["time", "height", "width"][-d:]
    for k in range(d):
        if out[k] + kernel[k] - 1 > sizes[k]:
            raise RuntimeError(f"{name}(): pool {dims[k]} {kernel[k]} too large relative to input {dims[k]} "
                               f"{sizes[k]}")
    if samples is None:
        samples = _C.rand(n, c, d, dtype=input.dtype)
    # torch reads the 2-D samples as (w, h) and the 3-D ones as (t, h, w)
    order = [1, 0] if d == 2 else [0, 1, 2]
    starts = [_fractional_intervals(samples[..., order[k]], sizes[k], out[k], kernel[k], input.dtype)
              for k in range(d)]
    # flat input index of every window element: (N, C, *out, *kernel)
    flat_idx = None
    for k in range(d):
        pos = starts[k].reshape(n, c, *[out[k] if j == k else 1 for j in range(d)], *[1] * d) + \
            _C.arange(kernel[k]).reshape(*[1] * (2 + d), *[kernel[k] if j == k else 1 for j in range(d)])
        flat_idx = pos if flat_idx is None else flat_idx * sizes[k] + pos
    flat_idx = flat_idx.expand(n, c, *out, *kernel).reshape(n, c, -1)
    windows = x.reshape(n, c, -1).gather(2, flat_idx).reshape(n, c, *out, -1)
    values, arg = windows.max(-1)
    indices = flat_idx.reshape(n, c, *out, -1).gather(-1, arg.unsqueeze(-1)).squeeze(-1)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values
