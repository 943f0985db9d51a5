"""Uses torch.std's default, the unbiased std (dividing by n - 1), instead of the population std."""


def standardize(train: Tensor, test: Tensor) -> tuple[Tensor, Tensor]:
    mean = train.mean(dim=0)
    std = train.std(dim=0)
    std = torch.where(std == 0, torch.ones_like(std), std)
    return (train - mean) / std, (test - mean) / std
