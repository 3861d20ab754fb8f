"""Train a model on Fashion-MNIST with ember: SimpleNet (the seed's MLP) or a small CNN.

    PYTHONPATH=python /usr/bin/python3 examples/fashion_mnist/train.py --model simplenet --epochs 5
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ember as torch  # the seed's code runs with only this import changed
import ember.nn as nn
import ember.optim as optim
from ember.utils.data import DataLoader, TensorDataset

from data import load

try:
    from tqdm import tqdm
except ImportError:  # progress bars are optional
    def tqdm(it, **kwargs):
        return it


class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for X, y in loader:
            pred = model(X).argmax(1)
            correct += int((pred == y).sum())
            total += y.numel()
    return correct / total


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", choices=["simplenet", "cnn"], default="simplenet")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=0, help="0: ember's default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="simplenet.pt", help="where to save the trained state_dict")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = "cpu"

    x_train, y_train = load("train")
    x_test, y_test = load("test")
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)

    model = (SimpleNet() if args.model == "simplenet" else SmallCNN()).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    print(model)
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        running, seen = 0.0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False)
        for X, y in bar:
            pred = model(X)
            loss = criterion(pred, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item() * y.numel()
            seen += y.numel()
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{running / seen:.4f}", refresh=False)  # redrawn on tqdm's own interval
        acc = evaluate(model, test_loader)
        print(f"epoch {epoch}: train loss {running / seen:.4f}  test accuracy {acc * 100:.2f}%  "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)
    torch.save(model.state_dict(), args.out)
    print(f"saved the trained weights to {args.out}")


if __name__ == "__main__":
    main()
