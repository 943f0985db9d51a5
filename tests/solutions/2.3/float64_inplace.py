"""A correct 2.3 solution that computes in float64, keeps a list cache and updates in place."""

import torch
from torch import Tensor


def init_params(sizes: list[int], generator: torch.Generator) -> dict[str, Tensor]:
    params = {}
    for i in range(len(sizes) - 1):
        fan_in, fan_out = sizes[i], sizes[i + 1]
        w = torch.randn(fan_in, fan_out, generator=generator)  # drawn in float32, as asked
        params[f"W{i + 1}"] = w.double().mul_((2.0 / fan_in) ** 0.5)
        params[f"b{i + 1}"] = torch.zeros(fan_out, dtype=torch.float64)
    return params


def softmax(logits: Tensor) -> Tensor:
    z = logits.double()
    z = z - z.amax(dim=-1, keepdim=True)
    p = torch.exp(z)
    p /= p.sum(dim=-1, keepdim=True)
    return p


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    z = logits.double()
    m = z.amax(dim=1)
    lse = m + torch.log(torch.exp(z - m[:, None]).sum(dim=1))
    picked = z.gather(1, y.view(-1, 1)).squeeze(1)
    return (lse - picked).sum() / z.shape[0]


def forward(params: dict[str, Tensor], X: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    layers = len(params) // 2
    acts = [X.double()]
    pre = []
    for i in range(1, layers + 1):
        z = torch.addmm(params[f"b{i}"].double(), acts[-1], params[f"W{i}"].double())
        pre.append(z)
        if i < layers:
            acts.append(torch.relu(z))
    return pre[-1], {"acts": acts, "pre": pre}


def backprop(params: dict[str, Tensor], cache: dict[str, Tensor],
             y: Tensor) -> dict[str, Tensor]:
    acts, pre = cache["acts"], cache["pre"]
    layers = len(pre)
    n = y.numel()
    onehot = torch.nn.functional.one_hot(y, pre[-1].shape[1]).double()
    delta = (softmax(pre[-1]) - onehot) / n
    grads = {}
    for i in reversed(range(layers)):
        grads[f"W{i + 1}"] = torch.einsum("ni,nj->ij", acts[i], delta)
        grads[f"b{i + 1}"] = delta.sum(dim=0)
        if i > 0:
            delta = torch.where(pre[i - 1] > 0, delta @ params[f"W{i + 1}"].double().T, 0.0)
    return grads


def sgd_update(params: dict[str, Tensor], grads: dict[str, Tensor],
               lr: float) -> dict[str, Tensor]:
    for name in params:
        params[name].sub_(grads[name].to(params[name].dtype), alpha=lr)
    return params


def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    params = init_params(sizes, generator)
    X64 = X.double()
    for _epoch in range(epochs):
        order = torch.randperm(X.shape[0], generator=generator)
        for batch in torch.split(order, batch_size):
            _, cache = forward(params, X64[batch])
            sgd_update(params, backprop(params, cache, y[batch]), lr)
    return params
