"""Draws the initial weights with torch.randn from the global RNG, not the generator."""


def init_params(sizes: list[int], generator: torch.Generator) -> dict[str, Tensor]:
    params: dict[str, Tensor] = {}
    for layer in range(1, len(sizes)):
        fan_in, fan_out = sizes[layer - 1], sizes[layer]
        params[f"W{layer}"] = torch.randn(fan_in, fan_out) * math.sqrt(2.0 / fan_in)
        params[f"b{layer}"] = torch.zeros(fan_out)
    return params
