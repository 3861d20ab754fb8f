"""Dropout layers."""
from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability p in training and scales the rest by 1 / (1 - p).

    Defaults: p=0.5, inplace=False. In eval() mode the input passes through unchanged.
    """

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability p in training.

    Defaults: p=0.5, inplace=False. In eval() mode the input passes through unchanged.
    """

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) input with probability p in training.

    3-D input is taken as (N, C, L), with a warning, as torch does. Defaults: p=0.5, inplace=False. In eval() mode
    the input passes through unchanged.
    """

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p in training.

    Defaults: p=0.5, inplace=False. In eval() mode the input passes through unchanged.
    """

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the self-normalising statistics of SELU networks.

    Defaults: p=0.5. The inplace flag is accepted and ignored, as in torch.
    """

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, *) input.

    Defaults: p=0.5. The inplace flag is accepted and ignored, as in torch.
    """

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)
