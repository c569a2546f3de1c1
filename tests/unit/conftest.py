"""Unit tests: ``make test-fast`` runs those not marked ``slow`` (under a minute on 2 cores).

The tests below are marked here rather than in their files (whose content belongs to each
week's reference code): each starts processes or times the machine, and takes tens of seconds."""

import pytest

SLOW = {
    "test_helpers_ddp.py::test_torchrun_two_processes_match_single_process",  # torchrun, 2 processes
    "test_helpers_finetuning.py::test_choose_num_threads",  # times training steps per thread count
    "test_nbharness.py::",  # every test starts a kernel (also marked in the file)
}


def pytest_collection_modifyitems(items):
    for item in items:
        name = f"{item.path.name}::{item.name}"
        if any(name.startswith(s) for s in SLOW):
            item.add_marker(pytest.mark.slow)
