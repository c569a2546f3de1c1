"""Moved: the mutant catalogues run in ``tests/notebooks/test_solutions.py``, sharing the one
execution of each solution notebook with its clean-run check. This file is a shim so that
``pytest tests/test_mutants.py -k week05`` keeps working; it is collected only when named on
the command line (the root conftest.py skips it otherwise, so nothing runs twice). To be
removed; use ``pytest tests/notebooks/test_solutions.py -k week05``."""

from tests.notebooks.test_solutions import test_catalogue_is_complete, test_mutants  # noqa: F401
