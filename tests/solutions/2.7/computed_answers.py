"""Correct 2.7 answers computed with PyTorch (autograd, torch.optim, nn modules), one by one."""

import torch
from torch import nn

ANSWERS: dict[str, str | float | None] = {f"q{i}": None for i in range(1, 13)}

mlp = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))
ANSWERS["q2"] = sum(p.numel() for p in mlp.parameters())

z = torch.tensor([-1.5, 0.5, 2.0, -0.5], requires_grad=True)
torch.relu(z).backward(torch.tensor([3.0, -2.0, 4.0, -1.0]))
ANSWERS["q4"] = z.grad.sum().item()

ANSWERS["q5"] = torch.softmax(torch.tensor([1000.0, 1000.0, 998.0]), dim=0)[0].item()

x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
torch.nn.functional.gelu(x).backward()
ANSWERS["q6"] = x.grad.item()

H = torch.tensor([[0, 1.2, 0, 0], [0, 0, 0, 3.1], [0, 0.5, 0, 0]])
ANSWERS["q7"] = (H == 0).all(dim=0).float().mean().item()

ANSWERS["q10"] = 3.0 / (1 - 0.2)

layer = nn.Linear(2, 2)
with torch.no_grad():
    layer.weight.copy_(torch.tensor([[1.0, -2.0], [0.0, 3.0]]))
    layer.bias.copy_(torch.tensor([5.0, -1.0]))
ANSWERS["q11"] = (0.1 / 2 * layer.weight.pow(2).sum()).item()

w = nn.Parameter(torch.tensor([2.0], dtype=torch.float64))
opt = torch.optim.SGD([w], lr=0.1, weight_decay=0.01)
w.grad = torch.tensor([0.5], dtype=torch.float64)
opt.step()
ANSWERS["q12"] = w.item()

ANSWERS.update(q1="b", q3="b", q8="b", q9="a")
