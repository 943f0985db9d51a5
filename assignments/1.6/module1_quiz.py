# %% [markdown]
# # Lesson 1.6 — Recap: module 1 quiz
#
# Twelve questions on module 1: the training loop (1.1), linear regression by hand (1.2),
# batch, stochastic and mini-batch gradient descent (1.3), the loss landscape (1.4) and
# gradient checking (1.5). Work them out on paper (or with a few lines of PyTorch in a
# scratch cell), then write your answers in the `ANSWERS` dict at the end of this file.
#
# How to answer:
# - a multiple-choice question takes **one letter** as a string: `"a"`, `"b"`, `"c"` or `"d"`;
# - a numeric question takes **a number** (an `int` or a `float`, not a string and not a
#   tensor), e.g. `12` or `0.25`; some numeric answers are checked exactly, others to a
#   small tolerance;
# - leave `None` for a question you have not answered yet.
#
# Check your work with `grade 1.6` in this folder: a wrong answer tells you which lesson
# and which idea to revisit.

# %% [markdown]
# ## Question 1 — the loop (lesson 1.1)
# For each batch `(xb, yb)`, which sequence of calls trains the model correctly?
# (*forward* stands for `loss = loss_fn(model(xb), yb)`.)
#
# - **a)** forward, `loss.backward()`, `optimizer.step()`
# - **b)** `optimizer.zero_grad()`, forward, `loss.backward()`, `optimizer.step()`
# - **c)** forward, `loss.backward()`, `optimizer.zero_grad()`, `optimizer.step()`
# - **d)** `optimizer.zero_grad()`, forward, `optimizer.step()`, `loss.backward()`

# %% [markdown]
# ## Question 2 — why `zero_grad` (lesson 1.1)
# Why does the loop call `optimizer.zero_grad()` once for every batch?
#
# - **a)** It resets the parameters to their initial values before each step.
# - **b)** It frees the computation graph of the previous batch, so memory does not grow.
# - **c)** `loss.backward()` adds this batch's gradient to whatever is already in each
#   parameter's `.grad`; without clearing it, the gradients of earlier batches pile up.
# - **d)** It tells the optimizer that a new batch begins, so it can adjust its learning rate.

# %% [markdown]
# ## Question 3 — updates per epoch (lesson 1.3)
# On a training set of $n$ examples, how many parameter updates does one epoch make with
# batch gradient descent, and how many with stochastic gradient descent (batch size 1)?
#
# - **a)** batch gradient descent: $1$; SGD: $n$
# - **b)** batch gradient descent: $n$; SGD: $1$
# - **c)** batch gradient descent: $n$; SGD: $n$
# - **d)** batch gradient descent: $1$; SGD: $1$

# %% [markdown]
# ## Question 4 — mini-batches (lesson 1.3), numeric
# Mini-batch gradient descent on $n = 1000$ examples with `batch_size = 64` and
# `drop_last = False`. How many updates does one epoch make?

# %% [markdown]
# ## Question 5 — `drop_last` (lesson 1.3), numeric
# The same, $n = 1000$ and `batch_size = 64`, but with `drop_last = True`. How many
# updates does one epoch make?

# %% [markdown]
# ## Question 6 — the MSE gradient (lesson 1.2)
# For $L(w, b) = \frac{1}{n}\sum_{i=1}^{n} (x_i^\top w + b - y_i)^2$, with $X$ the
# $(n, d)$ matrix whose rows are the $x_i$ and the residual $r = X w + b - y$, the
# gradient $\partial L / \partial w$ is:
#
# - **a)** $\frac{1}{n} X^\top r$
# - **b)** $2 X^\top r$
# - **c)** $\frac{2}{n} X^\top (y - X w - b)$
# - **d)** $\frac{2}{n} X^\top r$

# %% [markdown]
# ## Question 7 — the MSE gradient on numbers (lesson 1.2), numeric
# One feature and two examples: $x = (1, 2)$, $y = (3, 5)$. The current parameters are
# $w = 1$, $b = 0$. What is $\partial L / \partial w$ for the loss $L$ of question 6?

# %% [markdown]
# ## Question 8 — the loss grid (lesson 1.4)
# `G = loss_grid(X, y, w_values, b_values)` with 30 values of $w$ and 20 values of $b$,
# where `G[i, j]` is the loss at `(w_values[i], b_values[j])`. What shape does `G` have,
# and which call builds parameter grids `W, B` in that orientation?
#
# - **a)** `(20, 30)`, from `W, B = torch.meshgrid(w_values, b_values, indexing="xy")`
# - **b)** `(30, 20)`, from `W, B = torch.meshgrid(w_values, b_values, indexing="xy")`
# - **c)** `(30, 20)`, from `W, B = torch.meshgrid(w_values, b_values, indexing="ij")`
# - **d)** `(20, 30)`, from `W, B = torch.meshgrid(w_values, b_values, indexing="ij")`

# %% [markdown]
# ## Question 9 — the path (lesson 1.4), numeric
# A gradient-descent trajectory records the starting point $(w_0, b_0)$ and then the
# point reached after each step, one row per point. With `steps = 50`, how many rows
# does it have?

# %% [markdown]
# ## Question 10 — finite differences (lesson 1.5)
# With a step $\varepsilon$, the forward difference
# $\frac{f(x + \varepsilon) - f(x)}{\varepsilon}$ and the central difference
# $\frac{f(x + \varepsilon) - f(x - \varepsilon)}{2\varepsilon}$ both estimate $f'(x)$.
# How does the error of each (ignoring floating-point round-off) shrink as
# $\varepsilon \to 0$?
#
# - **a)** forward: $O(\varepsilon^2)$; central: $O(\varepsilon)$
# - **b)** forward: $O(\varepsilon)$; central: $O(\varepsilon^2)$
# - **c)** both $O(\varepsilon)$
# - **d)** both $O(\varepsilon^2)$

# %% [markdown]
# ## Question 11 — a central difference (lesson 1.5), numeric
# Estimate $f'(1)$ for $f(x) = x^3$ with the central difference and $\varepsilon = 0.1$.
# (The exact value is $3$; give the estimate, to at least three decimals.)

# %% [markdown]
# ## Question 12 — relative error (lesson 1.5), numeric
# A gradient check compares an analytic gradient $a = (6, 8)$ with a numerical gradient
# $b = (6, 7.5)$. What is their relative error
# $\frac{\lVert a - b \rVert}{\max(\lVert a \rVert, \lVert b \rVert)}$ (Euclidean norms)?

# %% [markdown]
# ## Your answers
# One entry per question: a letter as a string for a choice, a number for a numeric
# question. Keep the keys `"q1"` to `"q12"` as they are.

# %%
ANSWERS: dict[str, str | float | None] = {
    "q1": None,   # a letter: "a", "b", "c" or "d"
    "q2": None,   # a letter: "a", "b", "c" or "d"
    "q3": None,   # a letter: "a", "b", "c" or "d"
    "q4": None,   # a number (updates per epoch)
    "q5": None,   # a number (updates per epoch)
    "q6": None,   # a letter: "a", "b", "c" or "d"
    "q7": None,   # a number (the value of dL/dw)
    "q8": None,   # a letter: "a", "b", "c" or "d"
    "q9": None,   # a number (rows of the trajectory)
    "q10": None,  # a letter: "a", "b", "c" or "d"
    "q11": None,  # a number (the estimate of f'(1))
    "q12": None,  # a number (the relative error)
}

# %%
if __name__ == "__main__":
    todo = [q for q, answer in ANSWERS.items() if answer is None]
    print(f"{len(ANSWERS) - len(todo)} of {len(ANSWERS)} answered;",
          "still to answer: " + ", ".join(todo) if todo else "run `grade 1.6` to check them")
