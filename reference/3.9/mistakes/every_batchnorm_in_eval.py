"""train_mode puts every BatchNorm layer in eval mode, the trainable ones too."""


def train_mode(model: nn.Module) -> None:
    model.train()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
