"""The registry's ``tensors`` kind (a pretrained model's weights as named tensors in a
safetensors file), inputs drawn from it, their validation, and accuracy on some classes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from grader.course.datasets import (
    TensorsInfo,
    dataset_info,
    load_dataset,
    load_tensors,
    public_files,
    tensor_names,
)
from grader.course.inputs import draw_inputs
from grader.course.lessons import Lesson, get_lesson
from grader.course.spec import AccuracyCheck
from grader.errors import SpecError
from grader.grading.checks.accuracy import check_accuracy
from grader.grading.checks.base import CheckContext
from tests.conftest import ROOT

PRETRAINED = "digits_pretrained"


def _tensors_dataset(root: Path, name: str, tensors: dict[str, torch.Tensor],
                     extra: str = "") -> Path:
    folder = root / "datasets" / name
    folder.mkdir(parents=True)
    save_file(tensors, str(folder / "w.safetensors"))
    (folder / "dataset.toml").write_text(
        f'kind = "tensors"\nfile = "w.safetensors"\nlicence = "test"\n{extra}')
    return folder


def test_the_pretrained_weights_are_named_tensors_with_nothing_held_out():
    info = dataset_info(ROOT, PRETRAINED)
    assert isinstance(info, TensorsInfo) and info.held_out == []
    weights = load_tensors(ROOT, PRETRAINED)
    assert list(weights) == sorted(weights) == tensor_names(ROOT, PRETRAINED)
    assert weights["block1.0.weight"].shape == (32, 64)
    assert weights["block1.1.num_batches_tracked"].dtype == torch.int64
    assert (ROOT / "datasets" / PRETRAINED / info.file).stat().st_size <= info.max_bytes


def test_load_tensors_hands_out_copies():
    weights = load_tensors(ROOT, PRETRAINED)
    before = weights["head.bias"].clone()
    weights["head.bias"].fill_(7.0)
    assert torch.equal(load_tensors(ROOT, PRETRAINED)["head.bias"], before)


def test_each_loader_refuses_the_other_kind():
    with pytest.raises(ValueError, match="not a table"):
        load_dataset(ROOT, PRETRAINED, "train")
    with pytest.raises(ValueError, match="not named tensors"):
        load_tensors(ROOT, "digits")
    with pytest.raises(ValueError, match="not named tensors"):
        tensor_names(ROOT, "digits")


def test_a_file_over_max_bytes_or_corrupt_is_the_courses_error(tmp_path):
    _tensors_dataset(tmp_path, "big", {"w": torch.zeros(1000)}, "max_bytes = 100\n")
    with pytest.raises(SpecError, match="more than max_bytes"):
        load_tensors(tmp_path, "big")
    folder = _tensors_dataset(tmp_path, "broken", {"w": torch.zeros(3)})
    (folder / "w.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(SpecError, match="not a readable safetensors file"):
        load_tensors(tmp_path, "broken")
    with pytest.raises(SpecError, match="not a readable safetensors file"):
        tensor_names(tmp_path, "broken")
    (folder / "w.safetensors").write_bytes(b"\x03\x00\x00\x00\x00\x00\x00\x00[1]")
    with pytest.raises(SpecError, match="not a JSON object"):
        tensor_names(tmp_path, "broken")


def test_a_manifest_of_an_unknown_kind_or_file_name_is_refused(tmp_path):
    folder = _tensors_dataset(tmp_path, "odd", {"w": torch.zeros(3)})
    (folder / "dataset.toml").write_text('kind = "pickle"\nfile = "w.pt"\nlicence = "x"\n')
    with pytest.raises(SpecError, match="odd"):
        dataset_info(tmp_path, "odd")
    (folder / "dataset.toml").write_text('kind = "tensors"\nfile = "w.pt"\nlicence = "x"\n')
    with pytest.raises(SpecError, match="file"):
        dataset_info(tmp_path, "odd")


def test_tensor_names_reads_the_header_without_torch():
    code = ("import sys; from pathlib import Path; "
            "from grader.course.datasets import tensor_names; "
            f"names = tensor_names(Path({str(ROOT)!r}), {PRETRAINED!r}); "
            "assert 'torch' not in sys.modules, 'torch imported'; print(len(names))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "14"


def test_a_released_tensors_dataset_is_its_files_unchanged():
    folder = ROOT / "datasets" / PRETRAINED
    assert public_files(ROOT, PRETRAINED) == {p.name: p.read_bytes()
                                              for p in folder.iterdir() if p.is_file()}


def test_inputs_take_one_tensor_each_from_a_tensors_dataset():
    lesson = get_lesson("3.9", ROOT)
    inputs, _ = draw_inputs(lesson.spec, seed=3, root=ROOT)
    weights = load_tensors(ROOT, PRETRAINED)
    for name, spec in lesson.spec.inputs.items():
        if spec.dist == "dataset" and spec.dataset == PRETRAINED:
            assert spec.field is not None
            assert torch.equal(inputs[name], weights[spec.field])
            assert inputs[name].dtype == weights[spec.field].dtype


def _course(tmp_path: Path) -> Path:
    for top in ("reference", "assignments"):
        shutil.copytree(ROOT / top / "3.9", tmp_path / top / "3.9")
    for name in ("digits", PRETRAINED):
        shutil.copytree(ROOT / "datasets" / name, tmp_path / "datasets" / name)
    return tmp_path


@pytest.mark.parametrize("old,new,says", [
    ('field = "block1.1.running_var"', 'field = "block1.1.running_varr"',
     "has no tensor 'block1.1.running_varr'"),
    ('field = "head.bias"', 'field = "head.bias"\nsplit = "train"', "no split"),
    ('dataset = "digits"\nfield = "X"', 'dataset = "digits"\nfield = "Z"',
     "a table's field is 'X' or 'y'"),
    ('evaluate = "digits_net_logits"\ndataset = "digits"',
     f'evaluate = "digits_net_logits"\ndataset = "{PRETRAINED}"', "no 'test' split"),
])
def test_a_wrong_reference_to_a_dataset_is_named(tmp_path, old, new, says):
    root = _course(tmp_path)
    spec = root / "reference" / "3.9" / "spec.toml"
    text = spec.read_text()
    assert old in text, old
    spec.write_text(text.replace(old, new, 1))
    with pytest.raises(SpecError, match=says):
        Lesson("3.9", root).spec  # noqa: B018


def _accuracy(classes: list[int] | None, weights: dict[str, torch.Tensor]) -> tuple[bool, str,
                                                                                     float | None]:
    lesson = get_lesson("3.9", ROOT)
    check = AccuracyCheck(name="acc", points=1, probe="tune_digits", output="weights",
                          evaluate="digits_net_logits", dataset="digits", threshold=0.9,
                          classes=classes)
    ctx = CheckContext(lesson=lesson, student=lambda _path: weights,
                       expected=lambda _path: None, reference_module=lesson.reference_module)
    v = check_accuracy(check, ctx)
    return v.passed, v.message, v.measured


def test_accuracy_on_some_classes_scores_only_their_rows_relabelled():
    weights = load_tensors(ROOT, PRETRAINED)  # trained on the digits 0-4
    passed, _, acc = _accuracy([0, 1, 2, 3, 4], weights)
    assert passed and acc is not None and acc > 0.97
    passed, _, acc = _accuracy([5, 6, 7, 8, 9], weights)  # the 5-9 rows as labels 0-4
    assert not passed and acc is not None and acc < 0.5
    # the same rows in another order of classes: the labels follow the list's order
    passed, _, acc = _accuracy([4, 3, 2, 1, 0], weights)
    assert not passed and acc is not None and acc < 0.5


def test_accuracy_on_some_classes_needs_one_score_per_class():
    passed, message, _ = _accuracy([0, 1, 2], load_tensors(ROOT, PRETRAINED))
    assert not passed and "wrong shape" in message


def test_accuracy_classes_must_be_distinct():
    with pytest.raises(ValueError, match="distinct"):
        AccuracyCheck(name="a", points=1, probe="p", output="w", evaluate="f",
                      dataset="digits", threshold=0.5, classes=[1, 1])
