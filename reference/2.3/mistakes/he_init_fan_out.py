"""He initialisation scaled by sqrt(2 / fan_out) instead of sqrt(2 / fan_in)."""


def init_params(sizes: list[int], generator: torch.Generator) -> dict[str, Tensor]:
    params: dict[str, Tensor] = {}
    for layer in range(1, len(sizes)):
        fan_in, fan_out = sizes[layer - 1], sizes[layer]
        params[f"W{layer}"] = torch.randn(fan_in, fan_out, generator=generator) \
            * math.sqrt(2.0 / fan_out)
        params[f"b{layer}"] = torch.zeros(fan_out)
    return params
