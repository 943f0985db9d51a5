"""Find lessons in a course folder and load their specs, references and known mistakes.

A course folder holds ``assignments/<id>/`` and ``reference/<id>/spec.toml``. It is the
repository root by default, or ``$GRADER_COURSE_ROOT``. Reference code is ours (trusted)
and is loaded by path here, on the trusted side only. In a student release there is no
``reference/``: a lesson is ``public/<id>/`` instead (its public checks, stored as data by
``grade release``; see ``public.py``).
"""

from __future__ import annotations

import tomllib
import types
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from grader.course.paths import course_root
from grader.course.public import load_public_spec
from grader.course.spec import LessonSpec, load_spec
from grader.course.validate import validate_references
from grader.errors import LessonNotFound, SpecError

STUB_COPY = "stub"  # public/<id>/stub/: a release's untouched copy of the stub files

__all__ = ["Lesson", "LessonNotFound", "all_lessons", "course_root", "get_lesson"]




def _lesson_key(lesson_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in lesson_id.split("."))


@dataclass
class Lesson:
    id: str
    root: Path

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference" / self.id

    @property
    def assignment_dir(self) -> Path:
        return self.root / "assignments" / self.id

    @property
    def spec_path(self) -> Path:
        return self.reference_dir / "spec.toml"

    @property
    def public_dir(self) -> Path:
        return self.root / "public" / self.id

    @property
    def is_public(self) -> bool:
        """Graded against the release's stored public checks (no reference here)."""
        return not self.spec_path.is_file() and (self.public_dir / "spec.json").is_file()

    @cached_property
    def spec(self) -> LessonSpec:
        """The validated spec: each field (``spec.py``) and what it refers to
        (``validate.py``); a ``SpecError`` names the file and the field."""
        if self.is_public:
            spec = load_public_spec(self.public_dir)
            stub = self.assignment_dir / f"{spec.lesson.stem}.py"
            validate_references(spec, self.public_dir / "spec.json",
                                stub_path=stub if stub.is_file() else None, reference_dir=None,
                                root=None)
            return spec
        spec = load_spec(self.spec_path)
        if spec.lesson.id != self.id:
            raise SpecError(f"{self.spec_path}: lesson.id: {spec.lesson.id!r} but the folder is "
                            f"{self.id!r}")
        validate_references(spec, self.spec_path,
                            stub_path=self.assignment_dir / f"{spec.lesson.stem}.py",
                            reference_dir=self.reference_dir, root=self.root)
        return spec

    @property
    def stub_path(self) -> Path:
        return self.assignment_dir / f"{self.spec.lesson.stem}.py"

    @property
    def stub_files(self) -> list[Path]:
        """The shipped stub and its notebook twin (what a student starts from): in a student
        release, the untouched copies it keeps (``public/<id>/stub/``), since the student
        edits the files in ``assignments/<id>/`` themselves."""
        kept = self.public_dir / STUB_COPY / self.stub_path.name
        stub = kept if kept.is_file() else self.stub_path
        return [stub, stub.with_suffix(".ipynb")]

    def quiz_key(self) -> dict[str, Any]:
        """The hidden answer key of a quiz lesson (``key.toml`` beside the spec)."""
        if not hasattr(self, "_quiz_key"):
            text = (self.reference_dir / "key.toml").read_text(encoding="utf-8")
            self._quiz_key: dict[str, Any] = tomllib.loads(text)
        return self._quiz_key

    def reference_source(self) -> str:
        return (self.reference_dir / "solution.py").read_text(encoding="utf-8")

    def mistake_source(self, mistake_id: str) -> str:
        """The variant's full source: the reference followed by the mistake's override."""
        path = self.reference_dir / "mistakes" / f"{mistake_id}.py"
        override = path.read_text(encoding="utf-8")
        return self.reference_source() + "\n\n" + override

    def reference_module(self) -> types.ModuleType:
        return _module_from_source(self.reference_source(), f"reference_{self.id}",
                                   str(self.reference_dir / "solution.py"))

    def mistake_module(self, mistake_id: str) -> types.ModuleType:
        return _module_from_source(self.mistake_source(mistake_id),
                                   f"mistake_{self.id}_{mistake_id}",
                                   str(self.reference_dir / "mistakes" / f"{mistake_id}.py"))


_COMPILED: dict[tuple[str, str], types.CodeType] = {}  # (source, filename) -> its code


def _module_from_source(source: str, name: str, filename: str) -> types.ModuleType:
    """A fresh module (no state shared with another grading's) run from ``source``, whose
    compiled code is kept: a grading that names a mistake loads a dozen variants, each about
    1 ms to compile. Keyed by the text itself, so an edited file is compiled again."""
    code = _COMPILED.get((source, filename))
    if code is None:
        code = _COMPILED[(source, filename)] = compile(source, filename, "exec")
    module = types.ModuleType(name)
    module.__file__ = filename
    exec(code, module.__dict__)  # noqa: S102 - our own code
    return module


def all_lessons(root: Path | None = None) -> list[Lesson]:
    root = root or course_root()
    ids = {p.parent.name for p in (root / "reference").glob("*/spec.toml")}
    ids |= {p.parent.name for p in (root / "public").glob("*/spec.json")}
    return [Lesson(i, root) for i in sorted(ids, key=_lesson_key)]


def get_lesson(lesson_id: str, root: Path | None = None) -> Lesson:
    root = root or course_root()
    lesson = Lesson(lesson_id.strip(), root)
    if not lesson.spec_path.is_file() and not lesson.is_public:
        known = ", ".join(x.id for x in all_lessons(root)) or "none"
        raise LessonNotFound(f"no lesson {lesson_id!r} (lessons with a grader: {known})")
    return lesson
