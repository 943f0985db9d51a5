"""Broken submissions get clear messages and zero for what they break; the rest still scores.

Each case is the 1.2 reference with one definition replaced (or a whole-file problem), graded
through the real process sandbox.
"""

from __future__ import annotations

import pytest

from grader.course.lessons import get_lesson
from grader.grading.engine import grade_file
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # every test here grades in a sandbox

REF = (ROOT / "reference" / "1.2" / "solution.py").read_text()
LESSON = get_lesson("1.2", ROOT)
ALL = {c.name for c in LESSON.spec.checks}
LOSS = {"mse_loss: value"}


def grade(tmp_path, source: str, name: str = "linear_regression.py", **kw):
    p = tmp_path / name
    p.write_text(source)
    return grade_file(LESSON, p, seed=3, **kw)


def by_name(result):
    return {c.name: c for c in result.checks}


def assert_only_lost(result, lost: set[str]) -> None:
    failed = {c.name for c in result.checks if c.status != "passed"}
    assert failed == lost, failed


def test_syntax_error_names_the_line_and_scores_zero(tmp_path):
    r = grade(tmp_path, REF + "\ndef broken(:\n    pass\n")
    assert r.score == 0
    assert any("SyntaxError" in n and "line" in n for n in r.notes)
    assert all("does not define" in c.message for c in r.checks)


def test_import_error_is_a_note_and_defined_names_are_missing(tmp_path):
    r = grade(tmp_path, "import numpyy\n" + REF)
    assert r.score == 0
    assert any("ModuleNotFoundError" in n for n in r.notes)


def test_missing_function_costs_only_its_checks(tmp_path):
    src = REF.replace("def mse_loss(", "def mse_loss_renamed(")
    r = grade(tmp_path, src)
    # fit uses mse_loss too, so it breaks: that is the student's own code calling it
    failed = {c.name for c in r.checks if c.status != "passed"}
    assert "mse_loss: value" in failed and "predict: values" not in failed
    assert "does not define `mse_loss`" in by_name(r)["mse_loss: value"].message


def test_wrong_return_type_is_explained(tmp_path):
    r = grade(tmp_path, REF + "\ndef mse_loss(y_pred, y):\n    return ((y_pred - y)**2).tolist()\n")
    c = by_name(r)["mse_loss: value"]
    assert c.status == "failed" and "received a list" in c.message


def test_nan_is_reported(tmp_path):
    r = grade(tmp_path, REF + "\ndef predict(X, w, b):\n    return (X @ w + b) * float('nan')\n")
    c = by_name(r)["predict: values"]
    assert c.status == "failed" and "NaN" in c.message


def test_infinite_loop_times_out_one_check_and_the_rest_still_score(tmp_path):
    src = REF + "\ndef gd_step(w, b, dw, db, lr):\n    while True:\n        pass\n"
    r = grade(tmp_path, src, time_limit_s=4)
    c = by_name(r)["gd_step: updated parameters"]
    assert c.status == "timeout"
    assert by_name(r)["predict: values"].status == "passed"
    assert by_name(r)["mse_grad: dw matches autograd"].status == "passed"


def test_hard_exit_in_one_function_costs_that_check_only(tmp_path):
    src = REF + "\nimport os\ndef mse_loss_hidden():\n    pass\n" \
        "def gd_step(w, b, dw, db, lr):\n    os._exit(0)\n"
    r = grade(tmp_path, src)
    c = by_name(r)["gd_step: updated parameters"]
    assert c.status == "error" and "exited" in c.message
    assert r.score == r.max_score - c.max_points - 8  # fit calls gd_step: its 4 checks, 8 points
    assert_only_lost(r, {"gd_step: updated parameters", "fit: loss history",
                         "fit: w reaches least squares", "fit: b reaches least squares",
                         "fit: loss never increases"})


def test_sys_exit_at_import_time_scores_zero_with_a_clear_note(tmp_path):
    r = grade(tmp_path, "import sys\nsys.exit(0)\n" + REF)
    assert r.score == 0
    assert any("SystemExit" in n for n in r.notes)


def test_huge_allocation_is_an_error_not_a_crash(tmp_path):
    src = REF + "\ndef predict(X, w, b):\n    import torch\n    torch.empty(10**12)\n"
    r = grade(tmp_path, src)
    c = by_name(r)["predict: values"]
    assert c.status == "error"
    assert by_name(r)["mse_loss: value"].status == "passed"


def test_flooding_output_is_truncated(tmp_path):
    src = REF + "\nfor _ in range(200000):\n    print('spam' * 10)\n"
    r = grade(tmp_path, src)
    assert r.score == r.max_score
    assert len(r.output) <= 4100
    assert any("truncated" in n for n in r.notes)


def test_autograd_in_by_hand_gradient_is_reported(tmp_path):
    src = REF + (
        "\ndef mse_grad(X, y, w, b):\n"
        "    w = w.clone().requires_grad_(True)\n    b = b.clone().requires_grad_(True)\n"
        "    mse_loss(predict(X, w, b), y).backward()\n    return w.grad, b.grad\n")
    r = grade(tmp_path, src)
    c = by_name(r)["mse_grad: dw matches autograd"]
    assert c.status == "failed" and "autograd" in c.message and c.points == 0


def test_printing_a_fake_score_changes_nothing(tmp_path):
    src = "print('{\"score\": 20, \"max_score\": 20}')\n" + \
        REF.replace("return X @ w + b", "return X @ w")
    r = grade(tmp_path, src)
    assert r.score < r.max_score


@pytest.mark.parametrize("name", ["linear_regression.py", "linear_regression.ipynb"])
def test_stub_files_score_zero_without_crashing(name):
    r = grade_file(LESSON, LESSON.assignment_dir / name, seed=1)
    assert r.score == 0 and r.max_score == 20


def test_submission_cannot_import_the_grader_or_the_reference(tmp_path):
    src = REF + (
        "\ntry:\n    import grader\n    LEAK = 'grader'\nexcept ImportError:\n    LEAK = None\n"
        "def predict(X, w, b):\n    assert LEAK is None, LEAK\n    return X @ w + b\n")
    r = grade(tmp_path, src)
    assert by_name(r)["predict: values"].status == "passed"
