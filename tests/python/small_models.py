"""Small models shared by the JIT and ONNX tests."""
import ember
import ember.nn as nn
import ember.nn.functional as F


class CNN(nn.Module):
    """conv-bn-relu-pool, a 'same'-padded conv with gelu, adaptive pooling, a linear head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, padding="same")
        self.pool = nn.AdaptiveAvgPool2d((2, 2))
        self.fc = nn.Linear(24, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv1(x))), 2)
        x = self.pool(F.gelu(self.conv2(x)))
        return self.fc(ember.flatten(x, 1))
