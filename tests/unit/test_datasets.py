"""The shipped datasets: shapes, dtypes, the fixed split, and that loaders hand out copies."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from grader.course.datasets import (
    TextInfo,
    dataset_info,
    dataset_names,
    load_dataset,
    public_files,
)
from grader.course.paths import course_root
from grader.errors import SpecError

ROOT = course_root()


def load_digits(split):
    return load_dataset(ROOT, "digits", split)


@pytest.mark.parametrize("split,n", [("train", 1438), ("test", 359)])
def test_digits_shapes_dtypes_and_range(split, n):
    X, y = load_digits(split)
    assert X.shape == (n, 64) and X.dtype == torch.float32
    assert y.shape == (n,) and y.dtype == torch.int64
    assert float(X.min()) == 0.0 and float(X.max()) == 1.0
    assert torch.equal(X * 16, (X * 16).round())  # pixels were integers 0..16
    assert set(y.tolist()) == set(range(10))


def test_digits_split_is_about_80_20_and_stratified():
    (_, ytr), (_, yte) = load_digits("train"), load_digits("test")
    assert len(ytr) + len(yte) == 1797
    assert 0.19 < len(yte) / 1797 < 0.21
    per_class = torch.bincount(yte, minlength=10) / (torch.bincount(ytr, minlength=10)
                                                     + torch.bincount(yte, minlength=10))
    assert ((per_class - 0.2).abs() < 0.01).all(), per_class


def test_digits_splits_do_not_overlap():
    Xtr, _ = load_digits("train")
    Xte, _ = load_digits("test")
    train_rows = {tuple(r) for r in (Xtr * 16).round().to(torch.int64).tolist()}
    assert not any(tuple(r) in train_rows for r in (Xte * 16).round().to(torch.int64).tolist())


def test_digits_returns_copies_and_is_found_by_name():
    X, y = load_digits("train")
    X.zero_()
    y.fill_(-1)
    X2, y2 = load_dataset(ROOT, "digits", "train")
    assert float(X2.max()) == 1.0 and int(y2.min()) == 0


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="no split"):
        load_digits("validation")


def test_the_registry_lists_what_the_course_ships():
    assert "digits" in dataset_names(ROOT)


def test_a_release_copy_has_no_held_out_rows():
    files = public_files(ROOT, "digits")
    assert set(files) >= {"digits.csv", "dataset.toml", "README.md"}
    rows = files["digits.csv"].decode().splitlines()
    assert len(rows) == 1 + 1438 and not any(r.endswith(",test") for r in rows)


# ---------------------------------------------------------------- text: genesis

def test_genesis_is_character_ids_with_each_next_character():
    info = dataset_info(ROOT, "genesis")
    assert isinstance(info, TextInfo)
    for split, n in (("train", 179_453), ("test", 17_365)):
        X, y = load_dataset(ROOT, "genesis", split)
        assert X.dtype == y.dtype == torch.int64 and X.shape == y.shape == (n - 1,)
        assert torch.equal(X[1:], y[:-1])
        assert int(X.min()) >= 0 and int(X.max()) < len(info.alphabet)
    text = (ROOT / "datasets" / "genesis" / "train.txt").read_text(encoding="utf-8")
    X, _ = load_dataset(ROOT, "genesis", "train")
    assert "".join(info.alphabet[i] for i in X[:11].tolist()) == text[:11] == "In the begi"


def test_genesis_held_out_chapters_are_not_in_the_training_text():
    train = (ROOT / "datasets" / "genesis" / "train.txt").read_text(encoding="utf-8")
    test = (ROOT / "datasets" / "genesis" / "test.txt").read_text(encoding="utf-8")
    verses = [v for v in test.splitlines() if len(v) > 80]
    assert len(verses) > 100 and not any(v in train for v in verses)
    assert "genesis" in dataset_names(ROOT)
    assert "test.txt" not in public_files(ROOT, "genesis")


@pytest.mark.parametrize("manifest,problem", [
    ({"files": {"train": "a.txt"}, "splits": ["train", "test"]}, "one file per"),
    ({"files": {"train": "../a.txt"}, "splits": ["train"]}, "plain file names"),
    ({"files": {"train": "a.txt"}, "splits": ["train"], "alphabet": "aab"},
     "each character once"),
    ({"files": {"train": "a.txt"}, "splits": ["train"], "held_out": ["x"]}, "held_out"),
])
def test_text_manifests_are_checked(manifest, problem):
    raw = {"kind": "text", "licence": "public domain", "alphabet": "ab", **manifest}
    with pytest.raises(ValidationError, match=problem):
        TextInfo.model_validate(raw)


def test_a_text_with_characters_outside_the_alphabet_is_refused(tmp_path):
    for name, text in (("tiny", "abba"), ("bad", "abc")):
        folder = tmp_path / "datasets" / name
        folder.mkdir(parents=True)
        (folder / "dataset.toml").write_text(
            'kind = "text"\nfiles = { train = "train.txt" }\nsplits = ["train"]\n'
            'alphabet = "ab"\nlicence = "public domain"\n', encoding="utf-8")
        (folder / "train.txt").write_text(text, encoding="utf-8")
    X, y = load_dataset(tmp_path, "tiny", "train")
    assert X.tolist() == [0, 1, 1] and y.tolist() == [1, 1, 0]
    with pytest.raises(SpecError, match="outside the alphabet"):
        load_dataset(tmp_path, "bad", "train")
