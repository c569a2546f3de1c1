"""A real JupyterHub on this machine for tests/hub/test_hub.py: Unix accounts made for the test,
JupyterHub (``.hub/venv``) with configurable-http-proxy (``.hub/proxy``) on loopback ports, PAM
log-in, local-process spawner; and what the test needs to act as a person through it.

The test talks to the hub as a person does, in the browser (test_hub.py). What a browser cannot
say directly (what a kernel prints, what a terminal command exits with) it asks the person's own
server through the hub's proxy with a service token (the hub's role for it: use, start and stop
servers, read the user list): every file saved, kernel and terminal command then runs as that
person, in their server's environment. A terminal is the endpoint JupyterLab's Terminal uses (its
websocket), typed into by the test instead of by a person in Chromium.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.hub.deps import HUB_VENV, PROXY_BIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Account:
    name: str
    password: str
    home: Path


def create_account(name: str, homes: Path, made=None) -> Account:
    """A Unix account as ``useradd`` makes one by default (Debian: a home every account can read;
    the administrator's commands make it private), with a password for the hub's log-in (PAM).
    ``made(name)`` is called as soon as the account exists (to remove it whatever happens next)."""
    subprocess.run(
        ["useradd", "--create-home", "--base-dir", str(homes), "--shell", "/bin/bash", name],
        check=True,
        capture_output=True,
        text=True,
    )
    if made is not None:
        made(name)
    password = secrets.token_urlsafe(12)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", check=True, capture_output=True, text=True)
    return Account(name, password, homes / name)


def processes_of(uid: int) -> list[int]:
    """The live processes of ``uid`` (not zombies, which only wait for their parent to reap them)."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if d.stat().st_uid == uid and (d / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    pids.append(int(d.name))
            except (OSError, IndexError):
                pass
    return pids


def end_processes(names: list[str], grace: float = 2) -> None:
    """End every process of the accounts ``names`` (by process id): SIGTERM, then SIGKILL."""
    import pwd

    uids = []
    for name in names:
        try:
            uids.append(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        pids = [pid for uid in uids for pid in processes_of(uid)]
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + wait
        while pids and time.time() < deadline:
            time.sleep(0.1)
            pids = [pid for uid in uids for pid in processes_of(uid)]


def remove_account(name: str) -> None:
    """End what still runs as ``name``, then remove the account and its home."""
    end_processes([name])
    subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)


CONFIG = '''\
"""JupyterHub configuration written by tests/hub/test_hub.py for one run (see INSTRUCTORS.md,
"On a JupyterHub"): only the ports, folders, accounts and the test's service token are the test's."""

c = get_config()  # noqa: F821

c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/jupyterhub_cookie_secret"

# the machine's accounts, their passwords (PAM), each server started as its account
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set({users!r})
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180

# what the course needs: INSTRUCTORS.md's lines (3a), with the test's folders
{course}

# the test's own eyes: a service that may use servers (kernels, terminals, files as each account)
c.JupyterHub.services = [{{"name": "walkthrough", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "walkthrough", "scopes": ["access:servers", "admin:servers", "read:users"], "services": ["walkthrough"]}}
]
'''


class Hub:
    def __init__(self, state: Path, users: list[str], course_config: str):
        self.state = state
        self.port, self.token = free_port(), secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        self.config = state / "jupyterhub_config.py"
        self.config.write_text(
            CONFIG.format(
                port=self.port,
                hub_port=free_port(),
                proxy_api_port=free_port(),
                proxy=str(PROXY_BIN),
                state=state,
                users=sorted(users),
                course=course_config.strip(),
                token=self.token,
            )
        )
        self.log = state / "jupyterhub.log"
        self.proc: subprocess.Popen | None = None

    # ------------------------------------------------------------------ life
    def start(self, timeout: float = 60) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COURSE_", "JPY_"))}
        with open(self.log, "w") as fh:
            self.proc = subprocess.Popen(
                [str(HUB_VENV / "bin" / "jupyterhub"), "-f", str(self.config)],
                cwd=self.state,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.time() + timeout
        while True:
            try:
                self.request("/hub/health")
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"JupyterHub did not start:\n{self.output()[-4000:]}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # the hub stops the servers it spawned and its proxy
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    # ------------------------------------------------------------------ HTTP
    def request(self, path: str, method: str = "GET", body: dict | None = None, timeout: float = 60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.base}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return json.loads(raw) if raw and r.headers.get_content_type() == "application/json" else raw

    def spawn(self, user: str) -> None:
        """Ask the hub to start ``user``'s server (what logging in does), without waiting."""
        try:
            self.request(f"/hub/api/users/{user}/server", method="POST")
        except urllib.error.HTTPError as e:
            if e.code != 400:  # 400: already running
                raise

    def wait_ready(self, user: str, timeout: float = 240) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            server = self.request(f"/hub/api/users/{user}").get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server did not start within {timeout} s:\n{self.output()[-4000:]}")

    def restart(self, user: str, timeout: float = 240) -> None:
        """Stop ``user``'s server and start it again (the Hub Control Panel's Stop and Start My Server)."""
        self.request(f"/hub/api/users/{user}/server", method="DELETE")
        deadline = time.time() + timeout
        while self.request(f"/hub/api/users/{user}").get("servers"):
            if time.time() > deadline:
                raise AssertionError(f"{user}'s server did not stop within {timeout} s")
            time.sleep(0.3)
        self.spawn(user)
        self.wait_ready(user, timeout)

    def server(self, user: str, path: str, method: str = "GET", body: dict | None = None, timeout: float = 60):
        """``path`` of ``user``'s own server (its REST API), through the hub's proxy."""
        return self.request(f"/user/{user}{path}", method=method, body=body, timeout=timeout)

    def _socket(self, user: str, path: str, timeout: float):
        import websocket

        return websocket.create_connection(
            f"ws://127.0.0.1:{self.port}/user/{user}{path}",
            header=[f"Authorization: token {self.token}"],
            timeout=timeout,
        )

    # ------------------------------------------------------------------ as a person
    def python(self, user: str, code: str, kernel_id: str | None = None, timeout: float = 120) -> str:
        """Run ``code`` in a kernel of ``user``'s server (a new one unless ``kernel_id``); return
        what it printed. A kernel runs as the account, with its server's environment."""
        own = kernel_id is None
        if own:
            kernel_id = self.server(user, "/api/kernels", method="POST", body={"name": "python3"})["id"]
        try:
            ws = self._socket(user, f"/api/kernels/{kernel_id}/channels", timeout)
            try:
                return _execute(ws, code, timeout)
            finally:
                ws.close()
        finally:
            if own:
                self.server(user, f"/api/kernels/{kernel_id}", method="DELETE")

    def terminal(self, user: str, command: str, timeout: float = 300) -> tuple[int, str]:
        """Type ``command`` into a new terminal of ``user``'s server (JupyterLab's Terminal: a
        login shell of the account in its home); return its exit status and what it printed."""
        name = self.server(user, "/api/terminals", method="POST")["name"]
        marker = uuid.uuid4().hex[:12]
        try:
            ws = self._socket(user, f"/terminals/websocket/{name}", timeout)
            try:
                ws.send(json.dumps(["set_size", 50, 400, 800, 1200]))
                ws.send(json.dumps(["stdin", f"{command}; echo {marker}-rc=$?\r"]))
                out, deadline = [], time.time() + timeout
                while time.time() < deadline:
                    msg = json.loads(ws.recv())
                    if msg[0] == "stdout":
                        out.append(msg[1])
                        text = "".join(out)
                        m = re.search(rf"{marker}-rc=(\d+)", text)
                        if m:
                            return int(m.group(1)), _plain(text[: m.start()])
                raise AssertionError(f"{command!r} did not finish within {timeout} s:\n{_plain(''.join(out))[-3000:]}")
            finally:
                ws.close()
        finally:
            self.server(user, f"/api/terminals/{name}", method="DELETE")


def _plain(text: str) -> str:
    """Terminal output without colours and carriage returns."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r", "", text)


def _execute(ws, code: str, timeout: float) -> str:
    msg_id = uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "username": "walkthrough",
                    "session": uuid.uuid4().hex,
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
