"""batch_norm through torch's, imported under another name: the scan follows the alias."""

from torch.nn.functional import batch_norm as _normalise

LOSES = ["batch_norm, training: output", "batch_norm, training: running mean",
         "batch_norm, training: running variance",
         "batch_norm, training on (N, C, L), float64: output and running statistics",
         "batch_norm, eval: normalised with the running statistics, which stay unchanged",
         "batch_norm: running statistics after three training steps",
         "batch_norm, training: gradients (input, weight, bias), float64"]


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    return _normalise(x, running_mean, running_var, weight, bias, training, momentum, eps)
