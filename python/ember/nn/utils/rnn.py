"""Variable-length sequences for recurrent layers."""
from collections import namedtuple

from ... import _C

_PackedSequenceBase = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """Time-major packed batch: data holds step 0 of every sequence, then step 1 of those still running, ..."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return self.data.is_pinned()

    def pin_memory(self):
        return type(self)(self.data.pin_memory(), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cuda(self, *args, **kwargs):
        return type(self)(self.data.cuda(*args, **kwargs), self.batch_sizes, self.sorted_indices,
                          self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self.to(device="cpu")

    # dtype conversions touch only the data (batch sizes and permutations stay int64)
    def double(self):
        return self.to(dtype=_C.float64)

    def float(self):
        return self.to(dtype=_C.float32)

    def half(self):
        return self.to(dtype=_C.float16)

    def long(self):
        return self.to(dtype=_C.int64)

    def int(self):
        return self.to(dtype=_C.int32)

    def short(self):
        return self.to(dtype=_C.int16)

    def char(self):
        return self.to(dtype=_C.int8)

    def byte(self):
        return self.to(dtype=_C.uint8)


def _invert_permutation(permutation):
    output = _C.empty_like(permutation)
    output.scatter_(0, permutation, _C.arange(0, permutation.numel(), dtype=permutation.dtype))
    return output


def pad_sequence(sequences, batch_first=False, padding_value=0.0):
    """Stacks variable-length sequences (L_i, *) into (L_max, B, *) (or (B, L_max, *)), padding the tails."""
    if isinstance(sequences, _C._TensorBase):
        sequences = sequences.unbind(0)
    max_len = max(s.size(0) for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    out = _C.full((len(sequences), max_len) + trailing, padding_value, dtype=sequences[0].dtype)
    rows = []
    for i, s in enumerate(sequences):
        n = s.size(0)
        if n < max_len:
            rows.append(_C.cat([s, out[i, n:]]))
        else:
            rows.append(s)
    out = _C.stack(rows)
    return out if batch_first else out.transpose(0, 1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    if not isinstance(lengths, _C._TensorBase):
        lengths = _C.tensor(lengths, dtype=_C.int64)
    lengths = lengths.to(_C.int64)
    if enforce_sorted:
        if bool((lengths[:-1] < lengths[1:]).any()) if lengths.numel() > 1 else False:
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        lengths, sorted_indices = _C.sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    lens = lengths.tolist()
    if any(n <= 0 for n in lens):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    max_len = lens[0]
    if max_len > input.size(0):
        raise RuntimeError(f"Expected sequence length to be at most {input.size(0)}, but got {max_len}")
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(max_len)]
    data = _C.cat([input[t, :bs] for t, bs in enumerate(batch_sizes)])
    return PackedSequence(data, _C.tensor(batch_sizes, dtype=_C.int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    data, batch_sizes, sorted_indices, unsorted_indices = sequence
    bs_list = batch_sizes.tolist()
    max_batch = bs_list[0]
    T = len(bs_list)
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {T}")
        T_out = total_length
    else:
        T_out = T
    trailing = tuple(data.shape[1:])
    steps, offset = [], 0
    pad_row = _C.full((max_batch,) + trailing, padding_value, dtype=data.dtype)
    for bs in bs_list:
        chunk = data[offset:offset + bs]
        offset += bs
        steps.append(_C.cat([chunk, pad_row[bs:]]) if bs < max_batch else chunk)
    for _ in range(T_out - T):
        steps.append(pad_row)
    out = _C.stack(steps)
    lengths = [sum(1 for bs in bs_list if bs > b) for b in range(max_batch)]
    lengths = _C.tensor(lengths, dtype=_C.int64)
    if unsorted_indices is not None:
        out = out.index_select(1, unsorted_indices)
        lengths = lengths[unsorted_indices]
    if batch_first:
        out = out.transpose(0, 1)
    return out, lengths


def pack_sequence(sequences, enforce_sorted=True):
    lengths = _C.tensor([v.size(0) for v in sequences], dtype=_C.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    return _invert_permutation(permutation)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences from a padded batch and its lengths (inverse of pad_sequence)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = lengths.tolist() if isinstance(lengths, _C._TensorBase) else list(lengths)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]


def unpack_sequence(packed_sequences):
    """The list of sequences in a PackedSequence (inverse of pack_sequence)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
