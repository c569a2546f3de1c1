"""nbgrader round trip per week, in a temporary course copy with its own gradebook:
the committed learner notebooks are exactly what nbgrader generates from the solutions, the
reference solution scores every autograded point, the untouched learner notebook scores 0
(without crashing or hanging the grader), and one wrong exercise loses exactly its points."""

import nbformat
import pytest

from tests.mutants import catalogue
from tests.nbharness import (
    ROOT,
    autograde,
    filled_in,
    graded_test_cells,
    make_course_copy,
    released,
    stale_learner_files,
    weeks,
)


@pytest.mark.notebook
@pytest.mark.parametrize("week", weeks())
def test_round_trip(week, tmp_path):
    env = make_course_copy(tmp_path, [week])
    learner = released(tmp_path, env, week)
    stale = stale_learner_files(tmp_path, week)
    assert not stale, (
        f"notebooks/{week} is not a fresh release of solutions/{week} (run `make release` and commit): {stale}"
    )
    solutions = {
        p.name: nbformat.read(str(p), as_version=4) for p in sorted((ROOT / "solutions" / week).glob("*.ipynb"))
    }
    assert set(learner) == set(solutions)
    # the first catalogued mistake of the week, in the notebook that holds its exercise
    mutant = catalogue(week)[0]
    wrong_name = next(
        n
        for n, nb in solutions.items()
        if any(c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == mutant.exercise for c in nb.cells)
    )
    subs = {
        "reference": {n: filled_in(learner[n], solutions[n]) for n in learner},
        "untouched": dict(learner),
        # the wrong exercise in its notebook; a week's other notebooks (week 10 has two) go in
        # untouched, which grades in seconds instead of a second reference run, and scores 0
        "one_wrong": {
            n: filled_in(learner[n], solutions[n], {mutant.exercise: mutant.source}) if n == wrong_name else learner[n]
            for n in learner
        },
    }
    scores = autograde(tmp_path, env, week, subs)
    proc = scores.pop("_proc")
    assert proc.returncode == 0, f"nbgrader autograde failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    points, points_in = {}, {}
    for name, nb in solutions.items():
        points_in[name] = graded_test_cells(nb)
        points.update(points_in[name])
    for student in subs:  # a missing grade row is a grading failure, not a score of 0
        missing = sorted(set(points) - set(scores[student]))
        assert not missing, (
            f"{week}: no grade for {missing} of submission {student!r} in the gradebook "
            f"(grades found: {scores[student]})"
        )
    ref = scores["reference"]
    assert {g: ref[g] for g in points} == points, f"reference solution lost points: {ref}"
    assert all(scores["untouched"][g] == 0 for g in points), f"untouched notebook scored: {scores['untouched']}"
    expected = {g: 0.0 for g in points} | points_in[wrong_name] | {mutant.test_id: 0.0}
    assert {g: scores["one_wrong"][g] for g in points} == expected, (
        f"mutant {mutant.name!r} in {mutant.exercise} should lose exactly {mutant.test_id}: {scores['one_wrong']}"
    )
