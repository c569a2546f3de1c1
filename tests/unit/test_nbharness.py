"""The live-kernel harness: a failed start leaves no kernel behind, and a kernel that dies or
restarts mid-notebook is reported as such (not as the NameErrors that would follow)."""

from __future__ import annotations

import nbformat
import psutil
import pytest
from nbclient.util import run_sync

from tests.nbharness import KernelDied, LiveNotebook

pytestmark = pytest.mark.slow  # each test starts a kernel


def _notebook(tmp_path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    return path


def _kernel_pid(live) -> int:
    return live.client.km.provisioner.process.pid


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_results_of_every_cell(tmp_path):
    path = _notebook(tmp_path, "import sys\nx = 1", "print('out'); print('err', file=sys.stderr)", "1 / 0")
    with LiveNotebook(path) as live:
        assert [c.ok for c in live.cells] == [True, True, False]
        assert live.cells[1].stderr == "err\n" and "out" in live.cells[1].output
        assert live.cells[2].error.startswith("ZeroDivisionError")
        assert live.run("print(x + 1)").output == "2\n"


def test_a_failing_start_shuts_the_kernel_down(tmp_path):
    path = _notebook(tmp_path, "x = 1", "y = 2", "z = 3")
    pids = []

    def skip(i, cell):
        pids.append(_kernel_pid(live))
        if i == 1:
            raise RuntimeError("boom in the middle of __enter__")
        return False

    live = LiveNotebook(path, skip=skip)
    with pytest.raises(RuntimeError, match="boom"):
        live.__enter__()
    assert pids and _gone(pids[0]), "the kernel was left running"


def test_a_dead_kernel_is_named_not_cascaded(tmp_path):
    path = _notebook(tmp_path, "import numpy as np", "import os\nos._exit(1)", "np.zeros(3)")
    pids = []
    live = LiveNotebook(path, skip=lambda i, cell: pids.append(_kernel_pid(live)) and False)
    with pytest.raises(KernelDied, match=r"died while running cell 1 .*os"):
        live.__enter__()
    assert _gone(pids[0])


def test_a_restarted_kernel_is_reported(tmp_path):
    path = _notebook(tmp_path, "import numpy as np", "a = np.ones(2)")
    with LiveNotebook(path) as live:
        run_sync(live.client.km.restart_kernel)(now=True)  # what an autorestarter does after a crash
        with pytest.raises(KernelDied, match="restarted"):
            live.run("a + 1")
