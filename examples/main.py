"""ember's main job (for now): a short tour of tensors and autograd.
The nn issue replaces this with training SimpleNet on Fashion-MNIST."""
import ember as torch

x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
print("x =", x)
print("x.T @ x =", x.T @ x)
w = torch.randn(3, requires_grad=True)
loss = ((x @ w).sigmoid() - 0.5).pow(2).sum()
loss.backward()
print("loss =", loss.item())
print("d loss / d w =", w.grad)
