"""A JupyterLab started exactly as a learner starts it: ``make lab`` in the repository, from an
environment without ``COURSE_FAST`` (a learner's shell has none). Only a port, a token and a
throw-away settings folder (autosave off, so running a notebook never rewrites it) are added."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.nbharness import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, port: int, token: str, proc: subprocess.Popen, log: Path):
        self.port, self.token, self.proc, self.log = port, token, proc, log
        self.base = f"http://127.0.0.1:{port}"

    def api(self, path: str, method: str = "GET", body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.base}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def execute(self, kernel_id: str, code: str, timeout: float = 120) -> str:
        """Run ``code`` in a kernel through the server's websocket; return what it printed."""
        import websocket

        ws = websocket.create_connection(
            f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels",
            header=[f"Authorization: token {self.token}"],
            timeout=timeout,
        )
        try:
            msg_id, session = uuid.uuid4().hex, uuid.uuid4().hex
            ws.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "username": "test",
                            "session": session,
                            "msg_type": "execute_request",
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "content": {
                            "code": code,
                            "silent": False,
                            "store_history": False,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                    }
                )
            )
            out, deadline = [], time.time() + timeout
            while time.time() < deadline:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "stream":
                    out.append(msg["content"]["text"])
                elif kind == "error":
                    raise AssertionError(f"the kernel raised {msg['content']['ename']}: {msg['content']['evalue']}")
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(out)
            raise AssertionError(f"no answer from the kernel within {timeout} s")
        finally:
            ws.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def learner_env() -> dict[str, str]:
    """The environment of a learner's shell: this one without what tests and grading add."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COURSE_FAST", "OMP_NUM_THREADS", "MPLBACKEND", "COURSE_REPORT")
        and not k.startswith(("PYTEST_", "JPY_"))
    }
    return env


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    # autosave off (running a notebook must not rewrite it); every cell in the page (JupyterLab 4
    # otherwise leaves cells out of view out of the DOM); no news pop-up over the notebook
    for plugin, value in [
        ("docmanager-extension/plugin", {"autosave": False}),
        ("notebook-extension/tracker", {"windowingMode": "none"}),
        ("apputils-extension/notification", {"fetchNews": "false"}),
    ]:
        f = tmp / "settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(value))
    port, token = _free_port(), uuid.uuid4().hex
    extra = (
        f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token} "
        f"--LabApp.user_settings_dir={tmp / 'settings'} --LabApp.workspaces_dir={tmp / 'workspaces'}"
    )
    log = tmp / "lab.log"
    env = learner_env()
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            ["make", "-s", "lab", f"LAB_ARGS={extra}"],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Lab(port, token, proc, log)
    try:
        deadline = time.time() + 120
        while True:
            try:
                server.api("/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"`make lab` did not start a server:\n{server.output()[-3000:]}") from None
                time.sleep(0.5)
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
