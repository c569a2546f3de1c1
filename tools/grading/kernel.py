"""The kernel manager of grading kernels (nbgrader's Execute uses it: ``Execute.kernel_manager_class``).

It starts the kernel with the tamper guard's startup code (kernel_guard.py) and, unless grading
was started with ``--unsafe-no-sandbox``, inside the bubblewrap sandbox (sandbox.py), talking to
it over IPC sockets in the submission's scratch folder. What it needs comes from the JSON file
named by ``$COURSE_SANDBOX_SPEC``, written by the grading command for each student.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from tools.grading import sandbox, tamper

GUARD_FILE = Path(__file__).with_name("kernel_guard.py")


def _spec() -> dict:
    path = os.environ.get("COURSE_SANDBOX_SPEC")
    return json.loads(Path(path).read_text()) if path else {}


class GradingKernelManager(AsyncKernelManager):
    """A kernel with the tamper guard installed at startup, in the sandbox when the spec says so."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._grading = spec = _spec()
        base = spec.get("scratch") or tempfile.mkdtemp(prefix="course-kernel-")
        Path(base).mkdir(parents=True, exist_ok=True)
        self._ipc = tempfile.mkdtemp(prefix="i", dir=base)  # short: the socket path has a 107-byte limit
        if spec.get("sandbox"):
            self.transport = "ipc"
            self.ip = os.path.join(self._ipc, "k")
        self.connection_file = os.path.join(self._ipc, "kernel.json")

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments=extra_arguments)
        key_path = os.path.join(self._ipc, "guard.key")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, tamper.guard_key())
        os.close(fd)
        line = (
            f"exec(compile(open({str(GUARD_FILE)!r}).read(), {str(GUARD_FILE)!r}, 'exec'), "
            f"{{'__name__': '_course_guard', '_KEY_PATH': {key_path!r}, '_PRELOAD': {tamper.PRELOAD!r}}})"
        )
        cmd = [*cmd, f"--IPKernelApp.exec_lines={line}"]
        spec = self._grading
        if spec.get("sandbox"):
            spec = dict(spec, ipc=self._ipc)
            spec_path = os.path.join(self._ipc, "spec.json")
            Path(spec_path).write_text(json.dumps(spec))
            cmd = [*sandbox.launch_command(spec_path), *cmd]
        return cmd
