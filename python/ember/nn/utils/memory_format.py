from ..modules.conv import Conv2d, ConvTranspose2d


def convert_conv2d_weight_memory_format(module, memory_format):
    """Stores every Conv2d / ConvTranspose2d weight in the given memory format (values unchanged)."""
    if isinstance(module, (Conv2d, ConvTranspose2d)):
        module.weight.data = module.weight.detach().clone().contiguous(memory_format=memory_format)
    for child in module.children():
        convert_conv2d_weight_memory_format(child, memory_format)
    return module
