"""The hub's parts for tests/hub: JupyterHub in ``.hub/venv``, its proxy in ``.hub/proxy``.

    python -m tests.hub.deps        # what `make hub-deps` runs (seconds; make reuses it until the pins change)

JupyterHub and what it needs besides the course's own packages are pinned in
``requirements-hub.txt``; ``configurable-http-proxy`` in ``tests/hub/proxy/package-lock.json``.
Neither goes into ``.venv`` (learners install requirements.txt, never JupyterHub).

Every account of a hub runs its server with the hub's Python, so ``.venv``'s interpreter must be
one every account can run (pyenv puts it under ``/root``, which other accounts cannot enter:
``chmod o+x /root``, as .ci/run does). ``.hub/venv`` is a virtual environment of that interpreter
**layered** over ``.venv``: a ``.pth`` file puts ``.venv``'s site-packages on its path (the same
pinned packages, nothing installed twice), and only JupyterHub's own requirements are installed
into it. Python processes the ``.pth`` files of its own site-packages only, not those of a folder a
``.pth`` line adds: the editable install of the repository's ``helpers`` is not active in a layer,
which is what a learner's Python needs (it gets the learner kit instead, tests/hub/test_hub.py).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
HUB = ROOT / ".hub"
HUB_VENV = HUB / "venv"
PROXY = HUB / "proxy"
PROXY_BIN = PROXY / "node_modules" / ".bin" / "configurable-http-proxy"
PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"
HOW = "make hub-deps"


def site_packages(venv: Path) -> Path:
    return venv / "lib" / PY / "site-packages"


def runnable_by_all(path: Path) -> bool:
    """Whether every account can run the file ``path`` (every folder on the way can be entered)."""
    real = Path(os.path.realpath(path))
    try:
        if not real.stat().st_mode & stat.S_IXOTH:
            return False
        return all(p.stat().st_mode & stat.S_IXOTH for p in real.parents)
    except OSError:
        return False


def base_python(venv: Path) -> Path:
    """The interpreter a virtual environment was made from (its pyvenv.cfg)."""
    cfg = dict(
        (k.strip(), v.strip())
        for k, v in (l.split("=", 1) for l in (venv / "pyvenv.cfg").read_text().splitlines() if "=" in l)
    )
    exe = cfg.get("executable") or str(Path(cfg["home"]) / PY)
    return Path(exe)


def blocked(path: Path) -> Path | None:
    """The first folder on the way to ``path`` that other accounts cannot enter (None: none)."""
    real = Path(os.path.realpath(path))
    for p in reversed(real.parents):
        if not p.stat().st_mode & stat.S_IXOTH:
            return p
    return None


def shared_python() -> Path:
    """``.venv``'s own interpreter, which every account must be able to run: a hub runs each
    account's server with it. Not another build of the same minor version: a layer bypasses pip's
    Requires-Python check, and Debian 12's Python 3.11.2 over .venv's packages broke formgrader's
    grading page (soupsieve 4.1.4 needs 3.11.5's ``re``; pip on 3.11.2 would have picked an older one)."""
    exe = Path(os.path.realpath(base_python(VENV)))
    if not runnable_by_all(exe):
        where = blocked(exe)
        raise SystemExit(
            f"{exe} (the interpreter of .venv) is not one every account can run"
            + (f": other accounts cannot enter {where} (`chmod o+x {where}`; .ci/run does it)" if where else "")
        )
    return exe


def layered_venv(dest: Path, python: Path, layers: list[Path], extra: list[Path] = ()) -> Path:
    """A virtual environment of ``python`` at ``dest`` whose path holds the site-packages of each of
    ``layers`` (virtual environments, first wins) after its own, then the folders ``extra``. It gets the console scripts of the
    layers (rewritten to run with its own Python), their ``share/`` folders (JupyterLab's assets,
    the kernel spec) as links, and a copy of their Jupyter configuration (``etc/jupyter``), so that
    enabling or disabling a server extension with ``--sys-prefix`` changes this environment only."""
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(dest)], check=True)
    (site_packages(dest) / "_layers.pth").write_text("".join(f"{p}\n" for p in [*map(site_packages, layers), *extra]))
    own = dest / "bin" / "python"
    for layer in layers:
        for script in sorted((layer / "bin").iterdir()):
            target = dest / "bin" / script.name
            if target.exists() or script.is_symlink() or not script.is_file():
                continue
            with open(script, "rb") as f:
                first = f.readline()
                rest = f.read()
            if not first.startswith(b"#!") or str(layer).encode() not in first:
                continue
            target.write_bytes(b"#!" + str(own).encode() + b"\n" + rest)
            target.chmod(0o755)
        for data in sorted((layer / "share").glob("*")) if (layer / "share").is_dir() else []:
            link = dest / "share" / data.name
            if not link.exists():
                link.parent.mkdir(exist_ok=True)
                link.symlink_to(os.path.realpath(data))
        etc = layer / "etc" / "jupyter"
        if etc.is_dir() and not (dest / "etc" / "jupyter").exists():
            shutil.copytree(etc, dest / "etc" / "jupyter", symlinks=True)
    return dest


def installed() -> str | None:
    """None when the hub's parts are installed, else what is missing."""
    if not (HUB_VENV / "bin" / "jupyterhub").exists():
        return f"JupyterHub is not installed in {HUB_VENV.relative_to(ROOT)}"
    if not PROXY_BIN.exists():
        return f"configurable-http-proxy is not installed in {PROXY.relative_to(ROOT)}"
    return None


def install() -> None:
    if not (VENV / "bin" / "python").exists():
        raise SystemExit(f"{VENV} is missing: run `make install` first")
    python = shared_python()
    HUB.mkdir(exist_ok=True)
    (HUB / ".gitignore").write_text("# made by tests/hub/deps.py (make hub-deps): nothing here is committed\n*\n")
    shutil.rmtree(HUB_VENV, ignore_errors=True)
    layered_venv(HUB_VENV, python, [VENV])
    subprocess.run(
        [
            str(HUB_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(ROOT / "requirements-hub.txt"),
        ],
        check=True,
    )
    PROXY.mkdir(exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / "tests" / "hub" / "proxy" / name, PROXY / name)
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed (Debian: apt-get install npm); the hub's proxy is a Node.js program")
    subprocess.run([npm, "ci", "--prefix", str(PROXY), "--no-audit", "--no-fund", "--loglevel=error"], check=True)
    print(f"{HUB_VENV.relative_to(ROOT)}: JupyterHub on {python}, over .venv's packages; {PROXY_BIN.relative_to(ROOT)}")


if __name__ == "__main__":
    install()
