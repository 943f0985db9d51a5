"""Reference answers of the module 2 quiz (lesson 2.7): the stub with ANSWERS filled in."""

# %% [markdown]
# # Lesson 2.7 — Recap: module 2 quiz
#
# Twelve questions on module 2: from linear to nonlinear (2.1), forward and backward
# passes (2.2), a network from scratch (2.3), activations (2.4), mini-batching and data
# pipelines (2.5), and regularization (2.6). Work them out on paper (or with a few lines of
# PyTorch in a scratch cell), then write your answers in the `ANSWERS` dict at the end of
# this file.
#
# How to answer:
# - a multiple-choice question takes **one letter** as a string: `"a"`, `"b"`, `"c"` or `"d"`;
# - a numeric question takes **a number** (an `int` or a `float`, not a string and not a
#   tensor), e.g. `12` or `0.25`; counts are checked exactly, other values to a small
#   tolerance (three decimals are enough);
# - leave `None` for a question you have not answered yet.
#
# Check your work with `grade 2.7` in this folder: a wrong answer tells you which lesson
# and which idea to revisit.

# %% [markdown]
# ## Question 1 — depth without activations (lesson 2.1)
# `nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 8), nn.Linear(8, 1))` stacks three linear
# layers with no activation between them. Which functions can it represent?
#
# - **a)** More than a single linear layer can: every extra layer adds expressive power, so
#   with training it can learn XOR.
# - **b)** Exactly those of a single `nn.Linear(2, 1)`: a composition of affine maps is
#   affine, so it cannot solve XOR.
# - **c)** Any continuous function of two inputs, given enough hidden units (the universal
#   approximation theorem).
# - **d)** Only linear functions through the origin: the biases of the layers cancel out.

# %% [markdown]
# ## Question 2 — counting parameters (lesson 2.1), numeric
# How many trainable parameters (`sum(p.numel() for p in model.parameters())`) does
# `nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))`
# have?

# %% [markdown]
# ## Question 3 — the weight gradient (lesson 2.2)
# A layer computes $Y = X W + b$ with $X$ of shape $(N, d_{in})$, $W$ of shape
# $(d_{in}, d_{out})$ and $b$ of shape $(d_{out},)$. Given the upstream gradient
# $G = \partial L / \partial Y$ of shape $(N, d_{out})$, which is $\partial L / \partial W$?
#
# - **a)** $G^\top X$, of shape $(d_{out}, d_{in})$
# - **b)** $X^\top G$, of shape $(d_{in}, d_{out})$
# - **c)** $X G^\top$, of shape $(N, N)$
# - **d)** $G W^\top$, of shape $(N, d_{in})$

# %% [markdown]
# ## Question 4 — ReLU's backward (lesson 2.2), numeric
# A ReLU $a = \max(z, 0)$ receives the input $z = (-1.5, 0.5, 2.0, -0.5)$, and the
# gradient flowing back into its output is $\partial L / \partial a = (3, -2, 4, -1)$.
# Compute $\partial L / \partial z$ and give **the sum of its four entries**.

# %% [markdown]
# ## Question 5 — a stable softmax (lesson 2.3), numeric
# What is the first entry of $\mathrm{softmax}(z)$ for the logits $z = (1000, 1000, 998)$?
# (In float32, `torch.exp(z) / torch.exp(z).sum()` returns NaN here; the answer is a
# perfectly ordinary number. Three decimals are enough.)

# %% [markdown]
# ## Question 6 — GELU's derivative (lesson 2.4), numeric
# The exact GELU is $\mathrm{GELU}(x) = x\,\Phi(x)$ with $\Phi$ the standard normal CDF and
# $\varphi(x) = e^{-x^2/2} / \sqrt{2\pi}$ its density. What is $\mathrm{GELU}'(1)$?
# (Three decimals are enough; $\Phi(1) \approx 0.8413$.)

# %% [markdown]
# ## Question 7 — dead units (lesson 2.4), numeric
# On a batch of three examples, a ReLU layer of four units outputs
#
# $$H = \begin{pmatrix} 0 & 1.2 & 0 & 0 \\ 0 & 0 & 0 & 3.1 \\ 0 & 0.5 & 0 & 0 \end{pmatrix}$$
#
# (one row per example, one column per unit). What fraction of the layer's units is dead on
# this batch?

# %% [markdown]
# ## Question 8 — standardisation (lesson 2.5)
# You standardise the digits' features before training a classifier and measuring its
# accuracy on the test split. Which procedure is right?
#
# - **a)** Compute each feature's mean and std on the training and test splits together,
#   and apply them to both.
# - **b)** Compute each feature's mean and std on the training split only, and apply those
#   same numbers to both splits.
# - **c)** Standardise each split with its own per-feature mean and std, so that both end
#   up with mean 0 and std 1.
# - **d)** Compute one mean and one std over all the training pixels at once, and apply
#   them to both splits.

# %% [markdown]
# ## Question 9 — shuffling with a generator (lesson 2.5)
# Two separate runs each build
# `loader = DataLoader(ds, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))`
# and iterate over it for two epochs. What do they see?
#
# - **a)** The same batches in the same order in both runs; the second epoch's order
#   differs from the first's.
# - **b)** The same batches in both runs, and the second epoch repeats the first epoch's
#   order.
# - **c)** Different batches: `shuffle=True` draws from the global random generator, not
#   from `generator`.
# - **d)** The same examples in each batch in both runs, but the batches come in a
#   different order.

# %% [markdown]
# ## Question 10 — inverted dropout (lesson 2.6), numeric
# Inverted dropout with drop probability $p = 0.2$, in training mode. An activation of
# value $3.0$ is kept (not dropped). What value does dropout output for it?

# %% [markdown]
# ## Question 11 — the L2 penalty (lesson 2.6), numeric
# A model `nn.Linear(2, 2)` has weight $\begin{pmatrix} 1 & -2 \\ 0 & 3 \end{pmatrix}$ and
# bias $(5, -1)$. With the penalty $\frac{\lambda}{2} \sum w^2$ over the **weights only**
# (biases are not penalised) and $\lambda = 0.1$, what is the penalty?

# %% [markdown]
# ## Question 12 — weight decay (lesson 2.6), numeric
# `torch.optim.SGD(params, lr=0.1, weight_decay=0.01)` takes one step on a weight
# $w = 2.0$ whose loss gradient is $0.5$. (Weight decay $\lambda$ is the gradient of the
# penalty $\frac{\lambda}{2} w^2$, added to the loss gradient.) What is $w$ after the step,
# to at least three decimals?

# %% [markdown]
# ## Your answers
# One entry per question: a letter as a string for a choice, a number for a numeric
# question. Keep the keys `"q1"` to `"q12"` as they are.

# %%
ANSWERS: dict[str, str | float | None] = {
    "q1": "b",       # W3 (W2 (W1 x + b1) + b2) + b3 = (W3 W2 W1) x + b': one affine map
    "q2": 2778,      # (64*32 + 32) + (32*16 + 16) + (16*10 + 10) = 2080 + 528 + 170
    "q3": "b",       # X^T G: (d_in, N) @ (N, d_out), the shape of W
    "q4": 2,         # mask z > 0 = (0, 1, 1, 0): dL/dz = (0, -2, 4, 0)
    "q5": 0.4683,    # 1 / (2 + e^-2) after subtracting the max 1000
    "q6": 1.0833,    # Phi(1) + 1 * phi(1) = 0.8413 + 0.2420
    "q7": 0.5,       # units 1 and 3 are 0 on every row: 2 of 4
    "q8": "b",       # statistics from the training split only, applied to both
    "q9": "a",       # the same seed replays the same sequence of permutations
    "q10": 3.75,     # kept values are divided by 1 - p = 0.8
    "q11": 0.7,      # (0.1 / 2) * (1 + 4 + 0 + 9)
    "q12": 1.948,    # 2 - 0.1 * (0.5 + 0.01 * 2)
}

# %%
if __name__ == "__main__":
    todo = [q for q, answer in ANSWERS.items() if answer is None]
    print(f"{len(ANSWERS) - len(todo)} of {len(ANSWERS)} answered;",
          "still to answer: " + ", ".join(todo) if todo else "run `grade 2.7` to check them")
