"""start + batch_size < len(X) (range(0, len(X) - batch_size, batch_size)): when batch_size
divides len(X), the last batch is a full one, and it is dropped too."""


def fine_tune(model: nn.Module, X: Tensor, y: Tensor, epochs: int, batch_size: int,
              backbone_lr: float, head_lr: float, momentum: float, weight_decay: float,
              generator: torch.Generator) -> list[float]:
    optimizer = torch.optim.SGD(param_groups(model, backbone_lr, head_lr), lr=head_lr,
                                momentum=momentum, weight_decay=weight_decay)
    losses = []
    for _ in range(epochs):
        train_mode(model)
        order = torch.randperm(len(X), generator=generator)
        batch_losses = []
        for start in range(0, len(X) - batch_size, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        losses.append(sum(batch_losses) / len(batch_losses))
    return losses
