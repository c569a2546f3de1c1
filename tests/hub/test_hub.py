"""The instructor's real deployment, one week through it: JupyterHub with separate Unix accounts,
the shared exchange, and formgrader through the hub (INSTRUCTORS.md, section 3a).

On this machine, as root: three Unix accounts made for the test (an instructor, two learners);
the administrator's block of INSTRUCTORS.md run as it is (exchange, the learners' nbgrader
configuration, the week-1 learner kit into the hub's Python, the corpus, private homes); JupyterHub
(``.hub/venv``) with configurable-http-proxy (``.hub/proxy``) on loopback ports, PAM log-in, the
local-process spawner and INSTRUCTORS.md's hub configuration. Then, in Chromium (Playwright):

1. the instructor, in a terminal of their own server, tells formgrader where the course is, adds the
   roster and releases week 1 (``make students``, ``make assign``);
2. each learner logs in, fetches week 1 in the **Assignments** tab, saves their work in it (the
   right answers; the other: one exercise wrong), and submits from the tab; the first opens the
   notebook from the tab and runs its first cell (the kit's version line), and their kernel imports
   ``helpers`` from the kit; the second also submits in the first's name (``--student``);
3. the instructor runs ``make collect`` (not root: the owner check is on; the forged submission is
   rejected) and ``make autograde`` (sandboxed, as their account): full marks, and exactly one
   exercise's points lost;
4. formgrader inside JupyterLab is blank (JupyterHub forbids the iframe); in its own tab it lists
   both submissions with those scores; the written answers are graded there;
5. ``make feedback`` and ``make return-feedback``; each learner fetches their feedback in the tab and
   opens it; it shows their own scores and comment;
6. a learner's kernel cannot read the other's work, the exchange's submissions or feedback, the
   instructor's ``solutions/``, ``submitted/`` or gradebook, nor take or move the course's folder in
   the exchange.

Screenshots (formgrader through the hub, a learner's Assignments tab, the blank iframe) go to the
test's temporary folder. Everything the test makes (accounts, their processes, folders) is removed
at the end, also when it fails.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import stat
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import nbformat
import pytest

from tests.hub import deps
from tests.hub.hub import Account, Hub, create_account, end_processes, remove_account
from tests.mutants import catalogue
from tests.nbharness import COURSE_ID, ROOT, filled_in, graded_test_cells, nbmeta

WEEK = "week01"
HOW = "it runs as root on Linux after `make hub-deps`; .ci/run does both"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
NB = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
INSTRUCTORS_MD = ROOT / "INSTRUCTORS.md"
ANSWER_GOOD = (
    "XOR puts (+1,+1) and (-1,-1) in one class and (+1,-1), (-1,+1) in the other; any line that puts "
    "both points of one class on its positive side puts a point of the other there too, so no w, b "
    "separates them and the perceptron keeps making mistakes."
)
ANSWER_WEAK = "The perceptron is too simple for XOR."

# measured on 2 cores: 58 s with the CPU to itself, 103 s beside two CPU-bound processes (as beside two
# other xdist workers); 63-84 CPU seconds in all over six runs (hub, servers, kernels, grading, Chromium)
pytestmark = [pytest.mark.slow, pytest.mark.cost(100)]


def why_not() -> str | None:
    """Why the hub test cannot run here (None: it can)."""
    if platform.system() != "Linux":
        return f"the hub test needs Linux (accounts, PAM, bubblewrap); this is {platform.system()}"
    if os.geteuid() != 0:
        return "the hub test makes Unix accounts, so it needs root"
    for tool in ("useradd", "userdel", "chpasswd", "bwrap", "npm"):
        if shutil.which(tool) is None:
            return f"the hub test needs `{tool}`"
    missing = deps.installed()
    if missing:
        return missing
    if CHROMIUM is None:
        return "the hub test needs Debian's chromium (`apt-get install chromium`)"
    for path in (deps.base_python(deps.HUB_VENV), deps.HUB_VENV / "bin" / "python"):
        where = deps.blocked(path)
        if where is not None:
            return (
                f"other accounts cannot enter {where}, where the hub's Python is (`chmod o+x {where}`; .ci/run does it)"
            )
    if not (ROOT / "data" / "shakespeare.txt").exists():
        return "the corpus is missing: run `make data`"
    return None


# ------------------------------------------------------------------------------ INSTRUCTORS.md


def documented_block(name: str) -> str:
    """The code of INSTRUCTORS.md between <!-- name --> and <!-- /name -->."""
    text = INSTRUCTORS_MD.read_text()
    m = re.search(rf"<!-- {name} -->\s*```\w*\n(.*?)```\s*<!-- /{name} -->", text, re.S)
    assert m, f"INSTRUCTORS.md has no block <!-- {name} -->"
    return m.group(1)


def documented_defaults(admin: str) -> dict[str, str]:
    """The settings at the top of the administrator's block: NAME=${NAME:-default}."""
    return {k: v.strip('"') for k, v in re.findall(r"^(\w+)=\$\{\1:-(.*?)\}", admin, re.M)}


def assert_documented(command: str) -> None:
    assert command in INSTRUCTORS_MD.read_text(), f"INSTRUCTORS.md does not give the command the test runs: {command}"


# ------------------------------------------------------------------------------ the deployment


class Laps:
    """Seconds per part of the walk-through, printed as it goes (``pytest -s``) and at the end."""

    def __init__(self):
        self.start = self.last = time.monotonic()
        self.parts: list[tuple[str, float]] = []

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.parts.append((name, now - self.last))
        self.last = now
        print(f"[hub test] {name}: {self.parts[-1][1]:.1f} s", flush=True)

    def summary(self) -> str:
        return ", ".join(f"{n} {t:.0f} s" for n, t in self.parts) + f"; {time.monotonic() - self.start:.0f} s in all"


class Deployment:
    """What the administrator set up, and who is who."""

    def __init__(self, top: Path, stack: ExitStack):
        self.top, self.stack = top, stack
        self.laps = Laps()
        sfx = secrets.token_hex(3)  # names of their own: other runs on this machine keep theirs
        homes = top / "home"
        homes.mkdir()
        self.instructor = self._account(f"ins{sfx}", homes)
        self.ada = self._account(f"ada{sfx}", homes)
        self.alan = self._account(f"alan{sfx}", homes)
        self.exchange = top / "srv" / "nbgrader" / "exchange"
        self.data = top / "srv" / "llm-course" / "data"
        # the hub's Python: the course's packages and JupyterHub (layers), the kit goes into it
        self.python = deps.layered_venv(
            top / "opt" / "hub-python", deps.base_python(deps.HUB_VENV), [deps.HUB_VENV, deps.VENV]
        )
        self.kit = self._kit()
        self.admin_output = self._administrator()
        self.course = self.instructor.home / "llm-crash-course"
        self._instructor_clone()
        state = top / "hub"
        state.mkdir(mode=0o700)
        self.hub = Hub(state, self.names, self._hub_config())
        stack.callback(self.hub.stop)
        stack.callback(end_processes, self.names)  # first: the servers and kernels, all at once

    def _account(self, name: str, homes: Path) -> Account:
        return create_account(name, homes, made=lambda n: self.stack.callback(remove_account, n))

    @property
    def names(self) -> list[str]:
        return [self.instructor.name, self.ada.name, self.alan.name]

    def _kit(self) -> Path:
        """``make learner-kit UNTIL=week01``, into the test's folder."""
        # --out: the test's own folder, not the repository's dist/ (other runs, other engineers)
        dist = self.top / "dist"
        proc = subprocess.run(
            [
                str(deps.VENV / "bin" / "python"),
                str(ROOT / "tools" / "learner_kit.py"),
                "--until",
                WEEK,
                "--out",
                str(dist),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, f"the week-1 learner kit did not build:\n{proc.stdout}\n{proc.stderr}"
        (kit,) = dist.glob("*.whl")
        return kit

    def _administrator(self) -> str:
        """INSTRUCTORS.md's block for the administrator, run as it is with the test's values."""
        block = documented_block("hub-admin")
        values = {
            "EXCHANGE": str(self.exchange),
            "PYTHON": str(self.python / "bin" / "python"),
            "DATA": str(self.data),
            "KIT": str(self.kit),
            "INSTRUCTOR": self.instructor.name,
            "LEARNERS": f"{self.ada.name} {self.alan.name}",
        }
        assert set(documented_defaults(block)) == set(values), documented_defaults(block)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "PYTEST_"))}
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=ROOT,
            env={**env, **values},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, f"the administrator's block failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return proc.stdout + proc.stderr

    def _instructor_clone(self) -> None:
        """What ``git clone`` and ``make install`` give the instructor: this checkout's files (as they
        are now) in their home, and a ``.venv`` with the course's packages and this copy's ``helpers``
        (what make install's editable install does), made of the same layers as the hub's Python."""
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        for rel in filter(None, files.decode().split("\0")):
            src = ROOT / rel
            if src.is_file():
                (self.course / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, self.course / rel)
        deps.layered_venv(self.course / ".venv", deps.base_python(deps.VENV), [deps.VENV], [self.course])
        (self.course / ".venv" / ".installed").touch()  # make install's stamp: newer than the pins
        (self.course / "roster.csv").write_text(
            "id,first_name,last_name,email\n"
            f"{self.ada.name},Ada,Lovelace,ada@example.org\n"
            f"{self.alan.name},Alan,Turing,alan@example.org\n"
        )
        subprocess.run(["chown", "-R", f"{self.instructor.name}:", str(self.course)], check=True)

    def _hub_config(self) -> str:
        """INSTRUCTORS.md's hub configuration with the test's folders for the documented ones."""
        block = documented_block("hub-config")
        admin = documented_defaults(documented_block("hub-admin"))
        swap = {
            admin["EXCHANGE"]: str(self.exchange),
            admin["DATA"]: str(self.data),
            str(Path(admin["PYTHON"]).parent): str(self.python / "bin"),
        }
        for old in sorted(swap, key=len, reverse=True):
            assert old in block, f"INSTRUCTORS.md's hub configuration does not use {old}"
            block = block.replace(old, swap[old])
        return block


@pytest.fixture
def deployment():
    reason = why_not()
    if reason:
        pytest.skip(f"{reason} ({HOW})")
    with ExitStack() as stack:
        top = Path(tempfile.mkdtemp(prefix="llm-course-hub-", dir="/tmp"))
        stack.callback(shutil.rmtree, top, ignore_errors=True)
        top.chmod(0o755)  # the accounts reach the exchange, the corpus and the hub's Python in it
        yield Deployment(top, stack)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


# ------------------------------------------------------------------------------ people


def log_in(browser, hub: Hub, account: Account):
    """The hub's log-in page, then the account's JupyterLab."""
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{hub.base}/hub/login")
    page.fill("#username_input", account.name)
    page.fill("#password_input", account.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{account.name}/lab"), timeout=240_000)
    page.wait_for_selector("#jp-main-dock-panel")
    return page


def assignments_tab(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.locator("#assignments").wait_for()


def screenshot(page, path: Path) -> None:
    no = page.get_by_role("button", name="No", exact=True)  # JupyterLab's question about news
    if no.count():
        no.first.click()
        time.sleep(0.5)
    page.screenshot(path=str(path))


def terminal(hub: Hub, user: str, command: str, cwd: str = "~/llm-crash-course", timeout: float = 600) -> str:
    """``command`` typed into a terminal of ``user``'s server, in ``cwd``; what it printed (it must succeed)."""
    assert_documented(command)
    rc, out = hub.terminal(user, f"cd {cwd} && {command}", timeout=timeout)
    assert rc == 0, f"{user}$ {command} exited with {rc}:\n{out[-4000:]}"
    return out


def denied(hub: Hub, user: str, kernel: str, paths: dict[str, Path]) -> dict[str, str]:
    """What each of ``paths`` gives when ``user``'s kernel tries to read (or list) it."""
    code = (
        "import json, os\n"
        "def attempt(p):\n"
        "    try:\n"
        "        if os.path.isdir(p):\n"
        "            return f'listed {len(os.listdir(p))}'\n"
        "        open(p, 'rb').read(1)\n"
        "        return 'read'\n"
        "    except OSError as e:\n"
        "        return type(e).__name__\n"
        f"print(json.dumps({{k: attempt(p) for k, p in {json.dumps({k: str(p) for k, p in paths.items()})}.items()}}))\n"
    )
    return json.loads(hub.python(user, code, kernel_id=kernel))


# ------------------------------------------------------------------------------ the week


def test_one_week_on_a_real_hub(deployment: Deployment, browser, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        walk_through(deployment, browser, shots)
    except BaseException:
        for i, ctx in enumerate(browser.contexts):  # what each person's browser showed when it failed
            for j, page in enumerate(ctx.pages):
                try:
                    page.screenshot(path=str(shots / f"failed-{i}-{j}.png"))
                except Exception:  # noqa: BLE001
                    pass
        if deployment.hub.log.exists():
            shutil.copy(deployment.hub.log, shots.parent / "jupyterhub.log")  # the hub's and every server's log
        print(f"[hub test] {deployment.laps.summary()}; screenshots and the hub's log in {shots.parent}")
        raise


def walk_through(d: Deployment, browser, shots: Path) -> None:
    hub, lap = d.hub, d.laps
    lap("accounts, the hub's Python and the kit, the administrator's block, the instructor's clone")
    ins, ada, alan = d.instructor, d.ada, d.alan
    solution = nbformat.read(str(ROOT / "solutions" / WEEK / "perceptron.ipynb"), as_version=4)
    learner_nb = nbformat.read(str(ROOT / "notebooks" / WEEK / "perceptron.ipynb"), as_version=4)
    points = graded_test_cells(solution)
    auto_max = sum(points.values())
    wrong = next(m for m in catalogue(WEEK) if m.name == "bias subtracted")
    lost = points[f"test_{wrong.exercise}"]
    work = {
        ada.name: _with_answer(filled_in(learner_nb, solution), ANSWER_GOOD),
        alan.name: _with_answer(filled_in(learner_nb, solution, {wrong.exercise: wrong.source}), ANSWER_WEAK),
    }

    # what the administrator's block made ------------------------------------------------------
    ex_course = d.exchange / COURSE_ID
    assert stat.S_IMODE(d.exchange.stat().st_mode) == 0o1777, oct(d.exchange.stat().st_mode)
    assert ex_course.stat().st_uid == _uid(ins.name)
    for a in (ins, ada, alan):
        assert stat.S_IMODE(a.home.stat().st_mode) == 0o700, f"{a.name}'s home is not private"

    hub.start()
    for name in d.names:
        hub.spawn(name)  # what logging in does; started side by side
    hub.wait_ready(ins.name)
    lap("JupyterHub up, the instructor's server started")
    pool = ThreadPoolExecutor(1)  # the instructor's terminal, while the learners use their browsers
    d.stack.callback(pool.shutdown, cancel_futures=True)
    # 1. the instructor, in a terminal of their server: formgrader's course, roster, release --------
    setup = pool.submit(
        lambda: [
            terminal(hub, ins.name, cmd, cwd=cwd)
            for cwd, cmd in (
                (
                    "~",
                    "mkdir -p ~/.jupyter && echo \"c.CourseDirectory.root = '$HOME/llm-crash-course'\" > ~/.jupyter/nbgrader_config.py",
                ),
                ("~/llm-crash-course", "make students ROSTER=roster.csv"),
                ("~/llm-crash-course", "make assign WEEK=week01"),
            )
        ]
    )
    # formgrader reads ~/.jupyter/nbgrader_config.py when the server starts: restart it once
    restarted = pool.submit(hub.restart, ins.name)
    pages = {a.name: log_in(browser, hub, a) for a in (ada, alan)}
    alan_kernel = hub.server(alan.name, "/api/kernels", method="POST", body={"name": "python3"})["id"]
    released = setup.result()[-1]
    lap("learners logged in; meanwhile the instructor: formgrader's course, roster, make assign")
    assert f"{WEEK} released to the exchange {d.exchange}" in released, released[-2000:]
    assert (ex_course / "outbound" / WEEK / "perceptron.ipynb").is_file()

    # 2. the learners: fetch, work, submit in the Assignments tab -----------------------------
    for learner in (ada, alan):
        page = pages[learner.name]
        assignments_tab(page)
        page.locator("#released_assignments_list .list_item", has_text=WEEK).locator("button", has_text="Fetch").click()
        page.locator("#fetched_assignments_list .list_item", has_text=WEEK).locator(
            "button", has_text="Submit"
        ).wait_for()
        # the work: the notebook saved in the fetched folder, as JupyterLab saves it (as the learner)
        hub.server(
            learner.name,
            f"/api/contents/{COURSE_ID}/{WEEK}/perceptron.ipynb",
            method="PUT",
            body={"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(work[learner.name]))},
        )
        if learner is ada:
            kit_line, helpers_file = _open_and_run_first_cell(page, hub, ada)
            assert "course helpers 0.2.0+week01 installed" in kit_line, kit_line
            assert helpers_file.startswith(str(d.python) + "/"), f"the learner's kernel imports {helpers_file}"
            page.locator(".lm-TabBar-tab", has_text="Assignments").click()
        page.locator("#fetched_assignments_list .list_item", has_text=WEEK).locator("button", has_text="Submit").click()
        page.locator("#submitted_assignments_list .list_item", has_text=WEEK).wait_for()
    screenshot(pages[alan.name], shots / "assignments-tab-submitted.png")
    lap("learners: fetch, work, first cell, submit")
    in_kernel = json.loads(
        hub.python(
            alan.name,
            kernel_id=alan_kernel,
            code="import json, os, helpers, helpers.reference as r, pkgutil\n"
            "print(json.dumps({'helpers': helpers.__file__, 'data': os.environ.get('COURSE_DATA'),"
            " 'corpus': os.access(os.path.join(os.environ['COURSE_DATA'], 'shakespeare.txt'), os.R_OK),"
            " 'references': sorted(m.name for m in pkgutil.iter_modules(r.__path__))}))",
        )
    )
    assert in_kernel["helpers"].startswith(str(d.python) + "/"), in_kernel
    assert in_kernel["data"] == str(d.data) and in_kernel["corpus"], in_kernel
    assert in_kernel["references"] == [], f"the week-1 kit holds reference answers: {in_kernel['references']}"
    # ... and Alan hands in his notebook once more, in Ada's name
    forged = hub.python(
        alan.name,
        kernel_id=alan_kernel,
        code="import subprocess, sys, os\n"
        f"r = subprocess.run([sys.executable, '-m', 'nbgrader', 'submit', '{WEEK}', '--student={ada.name}'],"
        " cwd=os.path.expanduser('~'), capture_output=True, text=True)\n"
        "print(r.returncode, r.stderr[-2000:])",
    )
    assert forged.startswith("0 "), f"nbgrader submit --student should have let the forgery in: {forged}"

    lap("the learner's kernel: the kit, the corpus; the forged submission")

    # 3. the instructor collects (owner check on: not root) and autogrades (sandboxed) ---------
    restarted.result()
    collected = terminal(hub, ins.name, "make collect WEEK=week01")
    assert re.search(
        rf"REJECTED: {ada.name}\+{WEEK}\+.* says it is {ada.name}'s submission but {alan.name} made it", collected
    ), collected[-3000:]
    assert "check that each was made by its student is off" not in collected
    assert f"2 submissions of {WEEK} in submitted/: {ada.name}, {alan.name}" in collected
    lap("make collect")
    graded = terminal(hub, ins.name, "make autograde WEEK=week01 JOBS=2")
    lap("make autograde")
    assert "sandbox: bubblewrap" in graded and "SANDBOX: OFF" not in graded, graded[-3000:]
    report = json.loads((d.course / ".grading" / "reports" / f"{WEEK}.json").read_text())["students"]
    assert report[ada.name]["status"] == report[alan.name]["status"] == "graded", report
    assert report[ada.name]["score"] == auto_max, report[ada.name]
    assert report[alan.name]["score"] == auto_max - lost, report[alan.name]
    assert report[alan.name]["failed_tests"] == [f"test_{wrong.exercise} (0/{lost:g})"], report[alan.name]
    for who, score in ((ada, auto_max), (alan, auto_max - lost)):
        assert re.search(rf"{who.name}\s+graded\s+{score:g}/{auto_max + 2:g}", graded), graded[-3000:]

    # 4. formgrader: blank inside JupyterLab, whole in its own tab; the written answers graded ---
    fg_page = log_in(browser, hub, ins)
    console: list[str] = []
    fg_page.on("console", lambda m: console.append(m.text))
    fg_page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    fg_page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Formgrader$")).click()
    iframe = fg_page.locator("#formgrader-iframe iframe")
    iframe.wait_for()

    def refused() -> bool:  # Chromium's error page in the frame, or its console saying why
        inner = iframe.element_handle().content_frame()
        return (inner is not None and inner.url.startswith("chrome-error:")) or any(
            "frame-ancestors 'none'" in m for m in console
        )

    deadline = time.time() + 60
    while time.time() < deadline and not refused():
        time.sleep(0.3)
    assert refused(), f"formgrader's iframe was not refused: {iframe.element_handle().content_frame()}, {console}"
    inner = iframe.element_handle().content_frame()
    assert inner is None or "Manage Assignments" not in inner.content(), "formgrader showed in the iframe"
    screenshot(fg_page, shots / "formgrader-iframe-blank.png")
    lap("instructor logged in; formgrader's iframe refused")

    fg = f"{hub.base}/user/{ins.name}/formgrader"
    response = fg_page.goto(f"{fg}/manage_assignments")  # the same page in its own browser tab
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), response.headers
    row = fg_page.locator("tr", has_text=WEEK).first
    row.wait_for()
    assert "released" in row.inner_text(), row.inner_text()  # formgrader sees the hub's exchange
    for who, comment, score in ((ada, "Full argument.", 2), (alan, "Say why no line works.", 1)):
        fg_page.goto(f"{fg}/manage_students/{who.name}/{WEEK}")
        # the grading page binds its inputs once it has loaded the grades and comments
        with fg_page.expect_response(lambda r: "/formgrader/api/comments?" in r.url):
            fg_page.locator("td a", has_text="perceptron").click()
        fg_page.wait_for_load_state("networkidle")
        box = fg_page.locator("input#explain_xor")
        box.wait_for()
        with fg_page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as put:
            box.fill(str(score))
            box.press("Tab")
        assert put.value.ok
        with fg_page.expect_response(
            lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT"
        ) as put:
            fg_page.locator("textarea#explain_xor-comment").fill(comment)
            fg_page.locator("textarea#explain_xor-comment").press("Tab")
        assert put.value.ok
    fg_page.goto(f"{fg}/manage_submissions/{WEEK}")
    table = fg_page.locator("#main-table")
    table.locator("tr", has_text=alan.name).wait_for()
    fg_page.wait_for_load_state("networkidle")
    rows = {r.locator("td.student-id").inner_text(): r.inner_text() for r in table.locator("tr").all()}
    assert set(rows) == {ada.name, alan.name}, rows
    assert f"{auto_max + 2:g} / {auto_max + 2:g}" in rows[ada.name], rows
    assert f"{auto_max - lost + 1:g} / {auto_max + 2:g}" in rows[alan.name], rows
    screenshot(fg_page, shots / "formgrader-submissions.png")
    lap("formgrader in its own tab: the scores, two written answers graded")

    # 5. feedback, returned through the exchange, fetched and opened by each learner ------------
    made = terminal(hub, ins.name, "make feedback WEEK=week01")
    assert "2 feedback files" in made and "no hidden test" in made, made[-2000:]
    lap("make feedback")
    returned = terminal(hub, ins.name, "make return-feedback WEEK=week01")
    lap("make return-feedback")
    assert f"released to the exchange for 2 students: {ada.name}, {alan.name}" in returned, returned[-2000:]
    for learner, total, comment in (
        (ada, auto_max + 2, "Full argument."),
        (alan, auto_max - lost + 1, "Say why no line works."),
    ):
        page = pages[learner.name]
        page.locator(".lm-TabBar-tab", has_text="Assignments").click()
        submitted = page.locator("#submitted_assignments_list")
        # Alan's list also shows what he submitted in Ada's name (his own cache): no feedback for it
        submitted.locator("button", has_text="Fetch Feedback").last.click()
        view = submitted.locator("a", has_text="view feedback")
        view.wait_for()
        assert view.count() == 1, submitted.inner_text()
        screenshot(page, shots / f"assignments-tab-{learner.name[:-6]}.png")
        view.click()  # the file browser goes to the feedback's folder
        page.locator(".jp-DirListing-item", has_text="perceptron.html").dblclick()
        shown = page.frame_locator(".jp-HTMLViewer iframe").locator("body")
        shown.locator("text=Comment").first.wait_for()
        text = shown.inner_text()
        assert f"perceptron (Score: {total:.1f} / {auto_max + 2:.1f})" in text, text[:500]
        assert comment in text, f"{learner.name}'s feedback lacks the instructor's comment"
        mine = hub.server(learner.name, f"/api/contents/{COURSE_ID}/{WEEK}/feedback")["content"]
        assert len(mine) == 1, mine  # one submission's feedback: their own
    screenshot(pages[ada.name], shots / "feedback-ada.png")
    lap("learners: fetch feedback, open it")

    # 6. what a learner cannot see ---------------------------------------------------------------
    seen = denied(
        hub,
        alan.name,
        alan_kernel,
        {
            "Ada's notebook": ada.home / COURSE_ID / WEEK / "perceptron.ipynb",
            "Ada's feedback": ada.home / COURSE_ID / WEEK / "feedback",
            "the exchange's submissions": ex_course / "inbound",
            "the exchange's feedback": ex_course / "feedback",
            "solutions/": d.course / "solutions" / WEEK / "perceptron.ipynb",
            "submitted/": d.course / "submitted",
            "the gradebook": d.course / "gradebook.db",
            "the grading reports": d.course / ".grading" / "reports",
        },
    )
    assert set(seen.values()) == {"PermissionError"}, seen
    take = str(ex_course)
    moved = hub.python(
        alan.name,
        kernel_id=alan_kernel,
        code="import os\n"
        f"for f, args in ((os.mkdir, ({take!r},)), (os.rename, ({take!r}, {str(d.exchange / 'mine')!r}))):\n"
        "    try:\n"
        "        f(*args)\n"
        "        print('done')\n"
        "    except OSError as e:\n"
        "        print(type(e).__name__)\n",
    )
    assert moved.split() == ["FileExistsError", "PermissionError"], moved
    lap("what a learner cannot see")
    print(f"[hub test] {lap.summary()}; screenshots in {shots}")


def _with_answer(nb, text: str):
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for c in nb.cells:
        if nbmeta(c).get("grade_id") == "explain_xor":
            c.source = text
    return nb


def _uid(name: str) -> int:
    import pwd

    return pwd.getpwnam(name).pw_uid


def _open_and_run_first_cell(page, hub: Hub, learner: Account) -> tuple[str, str]:
    """Open the notebook from the Assignments tab and run its first cell (Shift+Enter): the line it
    printed, and where that kernel imports ``helpers`` from."""
    item = page.locator("#fetched_assignments_list .list_item", has_text=WEEK).first
    item.locator("a", has_text=WEEK).click()
    item.locator("a", has_text="perceptron").click()
    cell = page.locator(f"{NB} .jp-CodeCell").first
    cell.wait_for()
    rel = f"{COURSE_ID}/{WEEK}/perceptron.ipynb"
    kernel, deadline = None, time.time() + 180
    while kernel is None and time.time() < deadline:
        kernel = next(
            (
                s["kernel"]["id"]
                for s in hub.server(learner.name, "/api/sessions")
                if s["path"] == rel and s["kernel"]["execution_state"] == "idle"
            ),
            None,
        )
        time.sleep(0.3)
    assert kernel, f"{rel}: no kernel within 180 s"
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    out = cell.locator(".jp-OutputArea-output").first
    out.wait_for()
    where = hub.python(learner.name, "import helpers; print(helpers.__file__)", kernel_id=kernel).strip()
    return out.inner_text(), where
