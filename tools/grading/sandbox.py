"""The sandbox every grading kernel runs in (bubblewrap), and its launcher.

A kernel that runs a learner's code sees:
- the whole file system read-only, except its private scratch folder: a copy of that one
  submission's working folder, mounted where nbgrader expects it (so the notebook's relative
  paths work), a home folder, and the folder of its own kernel sockets;
- an empty private ``/tmp``, ``/var/tmp`` and ``/dev/shm``; its own process namespace;
- none of the course's secrets: ``solutions/``, ``source/``, ``submitted/``, ``autograded/``,
  ``feedback/``, ``downloaded/``, ``.grading/``, the gradebook, the exchange, ``tests/``,
  ``.git``, ``runs/`` and the ``*.csv`` files at the top (the roster, exported grades) are
  replaced by empty folders (files by an empty file), in the course directory and
  in the repository the grading tools run from; the home folder too, unless the course or its
  Python lives inside it;
- no network at all (a network namespace of its own: its loopback is not the host's); it talks
  to its kernel client through IPC sockets in its scratch folder, which need no network.
Limits: nbgrader's process limits (address space, CPU time, file size) are inherited; the process
count (RLIMIT_NPROC) is set here. Running as root, the kernel runs under an unprivileged user
id of its own (root is exempt from RLIMIT_NPROC and should not run learners' code anyway).

What nbgrader itself reads and writes (the hidden tests put back, the scores in the gradebook)
stays in the grading process, outside the sandbox. This module imports only the standard
library: ``python sandbox.py launch SPEC -- CMD...`` is the kernel's launch command.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install "
    "bubblewrap`; Arch: `sudo pacman -S bubblewrap`) on a Linux machine with user namespaces enabled "
    "(`sysctl kernel.unprivileged_userns_clone=1` on older Debian; on Ubuntu 24.04 "
    "`sysctl kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for bwrap; in a "
    "container, run it with user namespaces allowed, e.g. docker --security-opt seccomp=unconfined). "
    "On macOS or Windows, grade inside a Linux VM or container. To grade without the sandbox anyway "
    "(learners' code then runs with your rights and can read the solutions and the gradebook), pass "
    "--unsafe-no-sandbox (make autograde UNSAFE_NO_SANDBOX=1)."
)

KERNEL_UID_BASE = 200_000  # running as root: kernel i runs as uid/gid KERNEL_UID_BASE + i


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def check_available() -> tuple[bool, str]:
    """(True, "") when a sandbox can be made here, else (False, why)."""
    if platform.system() != "Linux":
        return False, f"the sandbox needs Linux (bubblewrap); this is {platform.system()}"
    exe = bwrap_path()
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed"
    argv = [
        exe,
        "--die-with-parent",
        "--unshare-net",
        "--unshare-pid",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        "true",
    ]

    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"bubblewrap could not run: {e}"
    if proc.returncode != 0:
        return False, (
            f"bubblewrap cannot create a sandbox here ({proc.stderr.strip()[:300]}): user "
            "namespaces are probably disabled or restricted"
        )
    return True, ""


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _own_tasks(uid: int) -> int:
    """Processes and threads of ``uid`` now (what RLIMIT_NPROC counts)."""
    n = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            status = (d / "status").read_text()
        except OSError:
            continue
        fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            n += int(fields.get("Threads", "1").strip())
    return n


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def _way_to(dest: str, covers: list[str]) -> list[str]:
    """bubblewrap options that make the folders on the way to ``dest``, where a hidden folder
    (an empty tmpfs) covers it, traversable by the kernel's user."""
    out = []
    for a in reversed(Path(dest).parents):
        if any(_inside(a, Path(c)) and a != Path(c) for c in covers):
            out += ["--perms", "0755", "--dir", str(a)]
    return out


def bwrap_argv(spec: dict, cwd: str, work: str, cmd: list[str]) -> list[str]:
    """The bubblewrap command that runs ``cmd`` in the sandbox described by ``spec``."""
    scratch = spec["scratch"]
    home = os.path.join(scratch, "home")
    argv = [
        bwrap_path() or "bwrap",
        "--die-with-parent",
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "grading",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
    ]
    hidden = ["/tmp", "/var/tmp", "/run", "/dev/shm"]
    user_home = Path(os.path.expanduser("~"))
    if str(user_home) != "/" and user_home.is_dir():
        hidden.append(str(user_home))
    for p in hidden:
        if os.path.isdir(p):
            argv += ["--perms", "1777" if p in ("/tmp", "/var/tmp", "/dev/shm") else "0755", "--tmpfs", p]
    # what the kernel needs from inside a hidden folder comes back read-only (Python, the course)
    needed = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)), *spec.get("keep", [])]
    # and the packages of a virtualenv layered over another one (a .pth file, as a JupyterHub's
    # per-course environment is): they may live under a hidden folder too, e.g. a clone in /tmp
    needed += [p for p in sys.path if p and os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages")]
    for p in dict.fromkeys(os.path.realpath(p) for p in needed):
        top = next((Path(h) for h in hidden if _inside(Path(p), Path(h))), None)
        if top is None or not os.path.isdir(p):
            continue
        argv += _way_to(p, hidden) + ["--ro-bind", p, p]
    for p in spec.get("hide", []):
        path = Path(p)
        if not os.path.lexists(p):
            continue
        if path.is_dir():
            argv += ["--tmpfs", p]
        else:
            argv += ["--ro-bind", "/dev/null", p]
    covers = hidden + list(spec.get("hide", []))
    for src, dst in ((work, cwd), (spec["ipc"], spec["ipc"]), (home, home)):
        argv += _way_to(dst, covers) + ["--bind", src, dst]
    argv += ["--chdir", cwd]
    env = {
        "HOME": home,
        "TMPDIR": "/tmp",
        "IPYTHONDIR": os.path.join(home, ".ipython"),
        "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "JUPYTER_RUNTIME_DIR": os.path.join(home, ".jupyter"),
        # what a notebook writes for later weeks (checkpoints, scores) goes to its own scratch home:
        # the course's runs/ is read-only here, and another student's files must not be read
        "COURSE_OUTPUT": os.path.join(home, "llm-course-runs"),
    }
    for k, v in env.items():
        argv += ["--setenv", k, v]
    for k in list(os.environ):
        if k.startswith("COURSE_") and k not in ("COURSE_FAST", "COURSE_OUTPUT"):
            argv += ["--unsetenv", k]
    # ipykernel would watch its parent's pid, which a pid namespace hides; --die-with-parent instead
    argv += ["--unsetenv", "JPY_PARENT_PID"]
    return argv + ["--", *cmd]


def prepare_scratch(spec: dict, cwd: str) -> str:
    """The submission's working copy in the scratch folder (made on the first kernel of the
    submission), a home folder with the grader's matplotlib font cache. Returns the work folder."""
    scratch = Path(spec["scratch"])
    work = scratch / "work"
    if not work.exists():
        shutil.copytree(cwd, work, symlinks=True)
    home = scratch / "home"
    mpl = home / ".config" / "matplotlib"
    if not mpl.exists():
        mpl.mkdir(parents=True)
        for src in spec.get("mpl_cache", []):
            if os.path.isfile(src):
                shutil.copy(src, mpl)
    uid = spec.get("uid")
    if uid is not None and os.geteuid() == 0:
        for d, _dirs, files in os.walk(scratch):
            os.chown(d, uid, uid)
            for f in files:
                os.lchown(os.path.join(d, f), uid, uid)
        os.chmod(scratch, 0o700)
    return str(work)


def launch(spec_path: str, cmd: list[str]) -> None:
    """Run ``cmd`` (the kernel) in the sandbox: prepare the scratch folder, set the process limit,
    drop root, exec bubblewrap. Never returns."""
    spec = json.loads(Path(spec_path).read_text())
    cwd = os.getcwd()
    try:
        work = prepare_scratch(spec, cwd)
        uid = spec.get("uid")
        nproc = int(spec.get("nproc") or 0)
        root = uid is not None and os.geteuid() == 0
        # Inside the sandbox a small step (drop) restores SIGINT and, running as root, gives the
        # kernel its own user id, where the process limit counts (bubblewrap opens what it mounts
        # as root: Python may live in root's home).
        cmd = [
            sys.executable,
            "-I",
            str(Path(__file__).resolve()),
            "drop",
            str(uid) if root else "-",
            str(nproc) if root else "0",
            "--",
            *cmd,
        ]
        if not root and nproc:
            limit = _own_tasks(os.getuid()) + nproc
            soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
        argv = bwrap_argv(spec, cwd, work, cmd)
        os.chdir("/")
        # an interrupt (SIGINT to the process group) is for the kernel, not for bubblewrap, which
        # would die of it and take the kernel along: bubblewrap ignores it, drop() restores it
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.execv(argv[0], argv)
    except BaseException as e:  # noqa: BLE001
        sys.stderr.write(f"SANDBOX FAILED: {type(e).__name__}: {e}\n")
        sys.stderr.flush()
        os._exit(70)


def launch_command(spec_path: str) -> list[str]:
    """The prefix of a sandboxed kernel's command line."""
    return [sys.executable, "-I", str(Path(__file__).resolve()), "launch", spec_path, "--"]


def drop(uid: int | None, nproc: int, cmd: list[str]) -> None:
    """Inside the sandbox: SIGINT back to its default (the kernel turns it into KeyboardInterrupt);
    running as root, the process limit and the kernel's own user id; then ``cmd``."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if nproc:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        if uid is not None:
            _drop_privileges(uid)
        os.execv(cmd[0], cmd)
    except BaseException as e:  # noqa: BLE001
        sys.stderr.write(f"SANDBOX FAILED: {type(e).__name__}: {e}\n")
        sys.stderr.flush()
        os._exit(70)


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "launch" and sys.argv[3] == "--":
        launch(sys.argv[2], sys.argv[4:])
    if len(sys.argv) > 4 and sys.argv[1] == "drop" and sys.argv[4] == "--":
        drop(None if sys.argv[2] == "-" else int(sys.argv[2]), int(sys.argv[3]), sys.argv[5:])
    sys.exit("usage: python sandbox.py launch SPEC -- CMD...")
