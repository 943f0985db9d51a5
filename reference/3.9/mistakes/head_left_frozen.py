"""The old head's tensors overwritten: its Parameters, frozen or not, stay."""


def replace_head(model: nn.Module, num_classes: int, generator: torch.Generator) -> nn.Linear:
    head = model.head
    head.weight.data = torch.randn(num_classes, head.in_features, generator=generator) * 0.01
    head.bias.data = torch.zeros(num_classes)
    head.out_features = num_classes
    return head
