"""Moves each image up and left for positive shifts: out[r, c] = in[r + dy, c + dx]."""


def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    """Shift each 8x8 image (rows of images (N, 64)) by dy, dx in {-1, 0, 1}, zero fill."""
    n = images.shape[0]
    shifts = torch.randint(-1, 2, (n, 2), generator=generator)
    padded = F.pad(images.reshape(n, 8, 8), (1, 1, 1, 1))  # zeros around each image
    grid = torch.arange(8)
    rows = grid[None, :] + 1 + shifts[:, 0:1]  # out[r] = in[r - dy]: row r of the padded
    cols = grid[None, :] + 1 + shifts[:, 1:2]  # image r + 1 - dy
    out = padded[torch.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out.reshape(n, 64)
