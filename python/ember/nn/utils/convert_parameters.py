from ... import _C


def parameters_to_vector(parameters):
    """All parameters flattened into one 1-D tensor."""
    return _C.cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copies slices of a 1-D tensor into the parameters (in place, in order)."""
    if not isinstance(vec, _C._TensorBase):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
