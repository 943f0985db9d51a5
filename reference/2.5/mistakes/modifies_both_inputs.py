"""Standardises both the caller's tensors in place (train -= mean; test -= mean)."""


def standardize(train: Tensor, test: Tensor) -> tuple[Tensor, Tensor]:
    mean = train.mean(dim=0)
    std = train.std(dim=0, correction=0)
    std = torch.where(std == 0, torch.ones_like(std), std)
    test -= mean
    test /= std
    train -= mean
    train /= std
    return train, test
