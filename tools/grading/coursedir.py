"""The course directory a grading command works in, and where its parts are."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools.nbgrader_env import grading_env

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Course:
    root: Path

    @property
    def work(self) -> Path:
        """The grader's own folder (staging copies, logs, reports): never visible to a kernel."""
        return self.root / ".grading"

    def env(self) -> dict[str, str]:
        """Environment of nbgrader and the kernels it starts (fast mode: tools/nbgrader_env.py)."""
        return grading_env()

    def exchange(self) -> Path:
        return Path(os.environ.get("COURSE_EXCHANGE", self.root / ".exchange"))

    def exchange_cache(self) -> Path:
        return Path(os.environ.get("COURSE_EXCHANGE_CACHE", self.root / ".exchange-cache"))

    def gradebook_url(self) -> str:
        return os.environ.get("COURSE_GRADEBOOK", f"sqlite:///{self.root / 'gradebook.db'}")

    def gradebook_file(self) -> Path | None:
        url = self.gradebook_url()
        return Path(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else None

    def released(self, week: str) -> dict[str, nbformat.NotebookNode]:
        """The learner notebooks of a week, as generated (release directory)."""
        return {
            p.name: nbformat.read(str(p), as_version=4)
            for p in sorted((self.root / "notebooks" / week).glob("*.ipynb"))
        }

    def source_notebooks(self, week: str) -> dict[str, nbformat.NotebookNode]:
        return {
            p.name: nbformat.read(str(p), as_version=4)
            for p in sorted((self.root / "solutions" / week).glob("*.ipynb"))
        }

    def secret_paths(self) -> list[Path]:
        """What no learner's kernel may see: answers, hidden tests, grades, other learners' work."""
        out = []
        for base in dict.fromkeys([self.root, ROOT]):
            out += [
                base / n
                for n in (
                    "solutions",
                    "source",
                    "submitted",
                    "autograded",
                    "feedback",
                    "downloaded",
                    ".grading",
                    ".exchange",
                    ".exchange-cache",
                    "gradebook.db",
                    "tests",
                    ".git",
                    "runs",  # the instructor's own checkpoints: grading must not depend on them
                )
            ]
            # the roster (names, emails) and exported grades an instructor keeps beside the course
            out += sorted(base.glob("*.csv"))
        out += [self.exchange(), self.exchange_cache()]
        if self.gradebook_file() is not None:
            out.append(self.gradebook_file())
        return list(dict.fromkeys(out))
