"""Fashion-MNIST from the IDX files of Debian's dataset-fashion-mnist package."""
import gzip
import os

import numpy as np

import ember

ROOT = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = 4 + 4 * ndim + int(np.prod(dims))
    if len(data) != expected:
        raise ValueError(f"{path}: truncated or corrupt IDX file ({len(data)} bytes, expected {expected})")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split):
    """(images float32 (N, 1, 28, 28) in [0, 1], labels int64 (N,)) as ember tensors."""
    prefix = "train" if split == "train" else "t10k"
    images = _read_idx(os.path.join(ROOT, f"{prefix}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(ROOT, f"{prefix}-labels-idx1-ubyte.gz"))
    x = ember.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = ember.from_numpy(labels.astype(np.int64))
    return x, y
