"""Catalogues of plausible wrong implementations, one module per week (``weekNN.py``).

Each module defines ``MUTANTS``: a list of ``Mutant``. A mutant replaces the source of one
solution cell (``exercise`` is its grade_id) with a mistaken version. ``tests/test_mutants.py``
checks that the mutant loses the points of ``test_<exercise>`` (or ``test``, if given) and of
no other test cell (except the ones in ``also_fails``, each with a reason), and that the visible
checks catch it exactly when ``visible`` says so. The hidden tests exist for the mutants whose
``visible`` is False: every exercise needs at least one of those. ``names_it`` makes a mutant a
*named mistake*: the visible checks must say those words when they catch it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mutant:
    exercise: str  # grade_id of the solution cell it replaces
    name: str  # the mistake, in a few words
    source: str  # the whole replacement cell
    visible: bool  # do the visible checks catch it?
    test: str = ""  # grade_id of the test cell that must fail (default: test_<exercise>)
    also_fails: tuple[str, ...] = field(default_factory=tuple)  # other test cells that depend on it
    # a "named mistake": words the visible checks' message must contain when they catch this
    # mutant (e.g. "summed over the batch"); every exercise has at least one named mutant
    names_it: str = ""

    @property
    def test_id(self) -> str:
        return self.test or f"test_{self.exercise}"


def catalogue(week: str) -> list[Mutant]:
    try:
        mod = importlib.import_module(f"tests.mutants.{week}")
    except ModuleNotFoundError:
        return []
    return list(mod.MUTANTS)
