"""Child processes for nbgrader: one forked child per call, with its own limits, run ``jobs`` at
a time; a call that runs past its wall-clock limit is killed with everything it started.

The scheduler owns every (re)start: ``on_done`` may ask for a call to run once more (it returns
True), and the call goes back into the queue; nothing runs from inside the callback.
"""

from __future__ import annotations

import os
import resource
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from tools.nbgrader_env import run_nbgrader_app

# Defaults of the resource limits applied to each grading process and its kernel.
DEFAULT_STUDENT_TIMEOUT = 600  # s, wall clock, one student's whole notebook(s)
DEFAULT_MEM_LIMIT_GB = 6.0  # address space per process (torch needs ~1 GB virtual)
DEFAULT_FILE_LIMIT_MB = 512  # largest file a learner's code (or nbgrader) may write
DEFAULT_NPROC = 512  # processes and threads a sandboxed kernel may have


@dataclass
class Limits:
    mem_gb: float = DEFAULT_MEM_LIMIT_GB
    cpu_s: int = 0  # 0: the wall-clock limit of the call
    file_mb: int = DEFAULT_FILE_LIMIT_MB
    nproc: int = DEFAULT_NPROC  # applied to the kernel only (sandbox.py), where its user is its own

    def apply(self, wall_timeout: float | None) -> None:
        def setl(which, value):
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard if hard != resource.RLIM_INFINITY else value))

        if self.mem_gb > 0:
            setl(resource.RLIMIT_AS, int(self.mem_gb * (1 << 30)))
        cpu = self.cpu_s or (int(wall_timeout) + 30 if wall_timeout else 0)
        if cpu > 0:
            setl(resource.RLIMIT_CPU, cpu)
        if self.file_mb > 0:
            setl(resource.RLIMIT_FSIZE, int(self.file_mb * (1 << 20)))
        setl(resource.RLIMIT_CORE, 0)


@dataclass
class Call:
    """One nbgrader invocation in a child process."""

    argv: list[str]
    cwd: Path
    log: Path
    env: dict[str, str]
    timeout: float | None = None
    limits: Limits | None = None
    config: dict | None = None  # traitlets config applied on top of nbgrader_config.py
    key: str = ""
    # results
    rc: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    pid: int = 0
    started: float = 0.0
    attempts: int = 0

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def reset(self) -> None:
        self.rc, self.timed_out, self.seconds, self.pid = None, False, 0.0, 0


def _preload() -> None:
    """Import nbgrader once in this process: each child is forked with it already loaded."""
    import nbgrader.apps.nbgraderapp  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401


def _child(call: Call) -> None:  # runs in the forked child; never returns
    code = 1
    try:
        os.setsid()  # its own process group: a timeout kills the whole group
        call.log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(call.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        os.chdir(call.cwd)
        os.environ.clear()
        os.environ.update(call.env)
        if call.limits is not None:
            call.limits.apply(call.timeout)
        code = run_nbgrader_app(call.argv, call.config)
    except BaseException:  # noqa: BLE001 - report anything, then exit
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill(procs) -> None:
    """Kill processes seen earlier (psutil checks that each is still the same process)."""
    import psutil

    for p in procs:
        try:
            if p.is_running():
                p.kill()
        except psutil.Error:
            pass


def run_calls(calls: list[Call], jobs: int = 1, on_done=None, max_attempts: int = 2) -> list[Call]:
    """Run nbgrader calls, ``jobs`` at a time, each in a forked child with its own limits.

    Kernels run in sessions of their own, so each child's descendants are noted while it runs;
    whatever of them is still alive when the child ends or times out is killed. ``on_done(call)``
    is called once per finished attempt; if it returns True (and the call has attempts left) the
    call is queued again and ``on_done`` is called again when that attempt ends."""
    _preload()
    pending, running, seen = list(calls), {}, {}
    last_scan = 0.0
    while pending or running:
        while pending and len(running) < max(1, jobs):
            call = pending.pop(0)
            call.reset()
            call.attempts += 1
            call.started = time.monotonic()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _child(call)
            call.pid = pid
            running[pid], seen[pid] = call, {}
        time.sleep(0.05)
        scan = time.monotonic() - last_scan > 0.5
        if scan:
            last_scan = time.monotonic()
        for pid, call in list(running.items()):
            if scan:
                seen[pid].update((p.pid, p) for p in _descendants(pid))
            done, status = os.waitpid(pid, os.WNOHANG)
            now = time.monotonic()
            if done == 0:
                if not (call.timeout and now - call.started > call.timeout):
                    continue
                call.timed_out = True
                seen[pid].update((p.pid, p) for p in _descendants(pid))
                try:
                    os.killpg(pid, 9)
                except (ProcessLookupError, PermissionError):
                    pass
                _kill(seen[pid].values())
                os.waitpid(pid, 0)
                call.rc = -9
            else:
                call.rc = os.waitstatus_to_exitcode(status)
                _kill(seen[pid].values())  # no kernel outlives its grading process
            call.seconds = now - call.started
            del running[pid], seen[pid]
            if on_done and on_done(call) and call.attempts < max_attempts:
                pending.append(call)  # the scheduler starts it again, in its own loop
    return calls


def trim_log(out: str) -> str:
    """nbgrader's log without the noise every run prints."""
    keep = [l for l in out.splitlines() if "Kernel is running over TCP without encryption" not in l]
    return "\n".join(keep) + ("\n" if keep else "")


def nbgrader(
    course,
    argv: list[str],
    *,
    cwd: Path | None = None,
    env: dict | None = None,
    timeout: float | None = None,
    config: dict | None = None,
    log: Path | None = None,
    check: bool = True,
    quiet: bool = False,
) -> Call:
    """Run one nbgrader command (``argv`` as on the command line) and return the finished call."""
    log = log or course.work / "logs" / f"{argv[0]}.log"
    call = Call(argv=argv, cwd=cwd or course.root, log=log, env=env or course.env(), timeout=timeout, config=config)
    run_calls([call])
    out = call.output()
    if not quiet:
        sys.stdout.write(trim_log(out))
    if check and call.rc != 0:
        raise SystemExit(f"nbgrader {' '.join(argv)} failed (exit {call.rc}); log: {log}\n{out[-3000:]}")
    return call
