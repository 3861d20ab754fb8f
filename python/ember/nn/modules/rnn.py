"""Recurrent layers: RNN, LSTM, GRU and their cells. The input projection of all time
steps is one matrix product; the recurrence runs step by step."""
import math

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (weights, checks, packed sequences); use those classes.

    RNNBase(mode, input_size, hidden_size, ...) with mode 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate_size = {"LSTM": 4 * hidden_size, "GRU": 3 * hidden_size}.get(mode, hidden_size)
        dtype = dtype or _C.get_default_dtype()
        self._flat_weights_names = []
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params = [("weight_ih_l{}{}", (gate_size, layer_input_size)),
                          ("weight_hh_l{}{}", (gate_size, real_hidden_size))]
                if bias:
                    params += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    params += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                for fmt, shape in params:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(_C.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def flatten_parameters(self):
        pass

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ---- one direction of one layer over a (T, B, F) input
    def _cell(self, x_proj_t, h, c, w_hh, b_hh, w_hr):
        gh = F.linear(h, w_hh, b_hh)
        if self.mode == "LSTM":
            gates = x_proj_t + gh
            i, f, g, o = gates.chunk(4, 1)
            i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            if w_hr is not None:
                h = F.linear(h, w_hr)
            return h, c
        if self.mode == "GRU":
            ir, iz, in_ = x_proj_t.chunk(3, 1)
            hr, hz, hn = gh.chunk(3, 1)
            r = (ir + hr).sigmoid()
            z = (iz + hz).sigmoid()
            n = (in_ + r * hn).tanh()
            return (1 - z) * n + z * h, None
        pre = x_proj_t + gh
        return (pre.tanh() if self.mode == "RNN_TANH" else pre.relu()), None

    def _run_direction(self, x, h, c, layer, direction, batch_sizes):
        suffix = "_reverse" if direction == 1 else ""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
        w_hr = getattr(self, f"weight_hr_l{layer}{suffix}") if self.proj_size > 0 else None
        T = x.size(0)
        x_proj = F.linear(x, w_ih, b_ih)
        steps = range(T - 1, -1, -1) if direction == 1 else range(T)
        outputs = [None] * T
        if batch_sizes is None:
            for t in steps:
                h, c = self._cell(x_proj[t], h, c, w_hh, b_hh, w_hr)
                outputs[t] = h
            return _C.stack(outputs), h, c
        # packed: at step t only the first batch_sizes[t] sequences (sorted by length) are active
        full_h, full_c = h, c
        h_final = [None] * h.size(0)
        c_final = [None] * h.size(0)
        cur_h, cur_c = h, c
        for t in steps:
            bs = batch_sizes[t]
            if direction == 0:
                if bs < cur_h.size(0):
                    for b in range(bs, cur_h.size(0)):
                        h_final[b] = cur_h[b]
                        c_final[b] = cur_c[b] if cur_c is not None else None
                    cur_h = cur_h[:bs]
                    cur_c = cur_c[:bs] if cur_c is not None else None
            else:
                if bs > cur_h.size(0) or t == T - 1:
                    start = 0 if t == T - 1 else cur_h.size(0)
                    add_h = full_h[start:bs]
                    cur_h = add_h if t == T - 1 else _C.cat([cur_h, add_h])
                    if full_c is not None:
                        add_c = full_c[start:bs]
                        cur_c = add_c if t == T - 1 else _C.cat([cur_c, add_c])
            cur_h, cur_c = self._cell(x_proj[t][:bs], cur_h, cur_c, w_hh, b_hh, w_hr)
            outputs[t] = cur_h
        if direction == 0:
            for b in range(cur_h.size(0)):
                h_final[b] = cur_h[b]
                c_final[b] = cur_c[b] if cur_c is not None else None
            h_out = _C.stack(h_final)
            c_out = _C.stack(c_final) if full_c is not None else None
        else:
            h_out, c_out = cur_h, cur_c
        return outputs, h_out, c_out

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence
        packed = isinstance(input, PackedSequence)
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if packed:
            data, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = batch_sizes_t.tolist()
            max_batch = batch_sizes[0]
            # rebuild a padded (T, B, F) view of the packed data for the input projection
            T = len(batch_sizes)
            chunks, offset = [], 0
            for bs in batch_sizes:
                chunks.append(data[offset:offset + bs])
                offset += bs
            is_batched = True
        else:
            batch_sizes = None
            is_batched = input.dim() == 3
            if input.dim() not in (2, 3):
                raise RuntimeError(f"{self.mode.split('_')[0]}: Expected input to be 2D or 3D, got {input.dim()}D "
                                   "instead")
            if not is_batched:
                input = input.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
            max_batch = input.size(1)
            if input.size(-1) != self.input_size:
                raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                                   f"got {input.size(-1)}")
        dtype = (data if packed else input).dtype
        if hx is None:
            h0 = _C.zeros((self.num_layers * num_directions, max_batch, real_hidden), dtype=dtype)
            c0 = _C.zeros((self.num_layers * num_directions, max_batch, self.hidden_size), dtype=dtype) \
                if self.mode == "LSTM" else None
        else:
            if self.mode == "LSTM":
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            if not packed:
                _check_hx_rank(self.mode, h0, c0, is_batched)
            if not packed and not is_batched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            if packed and sorted_indices is not None:
                h0 = h0.index_select(1, sorted_indices)
                c0 = c0.index_select(1, sorted_indices) if c0 is not None else None
            expected = (self.num_layers * num_directions, max_batch, real_hidden)
            label = "hidden[0]" if self.mode == "LSTM" else "hidden"
            if tuple(h0.shape) != expected:
                raise RuntimeError(f"Expected {label} size {expected}, got {list(h0.shape)}")
            expected_c = (self.num_layers * num_directions, max_batch, self.hidden_size)
            if c0 is not None and tuple(c0.shape) != expected_c:
                raise RuntimeError(f"Expected hidden[1] size {expected_c}, got {list(c0.shape)}")
        h_n, c_n = [], []
        if packed:
            layer_input = chunks
        else:
            layer_input = input
        for layer in range(self.num_layers):
            dir_outputs = []
            for direction in range(num_directions):
                idx = layer * num_directions + direction
                h = h0[idx]
                c = c0[idx] if c0 is not None else None
                if packed:
                    # pad the step list into (T, max_batch, F) for one projection, then slice per step
                    feat = layer_input[0].size(-1)
                    padded = _C.zeros((len(layer_input), max_batch, feat), dtype=dtype)
                    padded = _C.stack([_C.cat([ch, padded[t][ch.size(0):]]) if ch.size(0) < max_batch else ch
                                       for t, ch in enumerate(layer_input)])
                    out, h, c = self._run_direction(padded, h, c, layer, direction, batch_sizes)
                else:
                    out, h, c = self._run_direction(layer_input, h, c, layer, direction, None)
                dir_outputs.append(out)
                h_n.append(h)
                if c is not None:
                    c_n.append(c)
            if packed:
                if num_directions == 2:
                    layer_output = [_C.cat([a, b], -1) for a, b in zip(dir_outputs[0], dir_outputs[1])]
                else:
                    layer_output = dir_outputs[0]
                if self.dropout and self.training and layer < self.num_layers - 1:
                    layer_output = [F.dropout(o, self.dropout, True) for o in layer_output]
            else:
                layer_output = _C.cat(dir_outputs, -1) if num_directions == 2 else dir_outputs[0]
                if self.dropout and self.training and layer < self.num_layers - 1:
                    layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        h_n = _C.stack(h_n)
        c_n = _C.stack(c_n) if c_n else None
        if packed:
            output = PackedSequence(_C.cat(layer_input), batch_sizes_t, sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = c_n.index_select(1, unsorted_indices) if c_n is not None else None
        else:
            output = layer_input
            if not is_batched:
                output = output.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if c_n is not None else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        if self.mode == "LSTM":
            return output, (h_n, c_n)
        return output, h_n


def _check_hx_rank(mode, h0, c0, is_batched):
    """torch's messages for initial states whose rank does not fit the input's."""
    want = 3 if is_batched else 2
    kind = "batched 3-D" if is_batched else "unbatched 2-D"
    if mode == "LSTM":
        if h0.dim() != want or c0.dim() != want:
            raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                               f"({h0.dim()}-D, {c0.dim()}-D) tensors")
    elif h0.dim() != want:
        raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {h0.dim()}-D tensor")


class RNN(RNNBase):
    """Multi-layer Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False). forward(input, hx=None): input
    (L, N, H_in), (N, L, H_in) if batch_first, (L, H_in) unbatched, or a PackedSequence;
    returns (output, h_n) with h_n (num_layers * num_directions, N, hidden_size).
    """

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Multi-layer long short-term memory RNN.

    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0). forward(input, (h_0, c_0)=None) returns
    (output, (h_n, c_n)); input as for RNN. proj_size > 0 projects h to that size.
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Multi-layer gated recurrent unit RNN.

    GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False). forward(input, hx=None) returns (output, h_n); input as for RNN.
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """Shared weights and checks of RNNCell, LSTMCell and GRUCell; use those classes."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        dtype = dtype or _C.get_default_dtype()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_C.empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(_C.empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_C.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_C.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, hx, n_states):
        if input.dim() not in (1, 2):
            raise AssertionError(f"{type(self).__name__}: Expected input to be 1-D or 2-D but received "
                                 f"{input.dim()}-D tensor")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = _C.zeros((input.size(0), self.hidden_size), dtype=input.dtype)
            hx = zeros if n_states == 1 else (zeros, zeros)
        elif not is_batched:
            hx = hx.unsqueeze(0) if n_states == 1 else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        # torch's checks (check_rnn_cell_forward_input / _hidden)
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        for label, h in enumerate([hx] if n_states == 1 else list(hx)):
            if h.dim() != 2 or h.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{label} batch size "
                                   f"{h.size(0) if h.dim() else 0}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got {h.size(1)}, expected "
                                   f"{self.hidden_size}")
        return input, hx, is_batched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

    RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh'). forward(input, hx=None):
    input (N, input_size) or (input_size,); hx defaults to zeros. Returns h'.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hx, is_batched = self._prepare(input, hx, 1)
        pre = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(hx, self.weight_hh, self.bias_hh)
        if self.nonlinearity == "tanh":
            h = pre.tanh()
        elif self.nonlinearity == "relu":
            h = pre.relu()
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One step of an LSTM.

    LSTMCell(input_size, hidden_size, bias=True). forward(input, (h, c)=None): input
    (N, input_size) or (input_size,); returns (h', c').
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, (h, c), is_batched = self._prepare(input, hx, 2)
        gates = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if not is_batched:
            return h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    """One step of a GRU.

    GRUCell(input_size, hidden_size, bias=True). forward(input, hx=None): input
    (N, input_size) or (input_size,); returns h'.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, h, is_batched = self._prepare(input, hx, 1)
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        gh = F.linear(h, self.weight_hh, self.bias_hh)
        ir, iz, in_ = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r = (ir + hr).sigmoid()
        z = (iz + hz).sigmoid()
        n = (in_ + r * hn).tanh()
        h = (1 - z) * n + z * h
        return h if is_batched else h.squeeze(0)
