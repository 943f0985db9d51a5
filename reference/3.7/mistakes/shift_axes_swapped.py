"""Shifts the columns by shifts[i, 0] and the rows by shifts[i, 1]."""


def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    """Shift each 8x8 image (rows of images (N, 64)) by dy, dx in {-1, 0, 1}, zero fill."""
    n = images.shape[0]
    shifts = torch.randint(-1, 2, (n, 2), generator=generator)
    padded = F.pad(images.reshape(n, 8, 8), (1, 1, 1, 1))  # zeros around each image
    grid = torch.arange(8)
    rows = grid[None, :] + 1 - shifts[:, 1:2]
    cols = grid[None, :] + 1 - shifts[:, 0:1]
    out = padded[torch.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out.reshape(n, 64)
