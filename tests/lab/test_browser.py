"""The learner path in a real browser: JupyterLab (started by ``make lab``) in headless Chromium,
driven by Playwright with Debian's ``chromium`` (no browser download).

1. The week 1 learner notebook, *Run All*: the first output is the mode line and says full mode;
   the first exercise's test cell shows the ``NotImplementedError`` sentence; no other error.
2. The week 1 solution notebook, *Run All*: it runs to the end with no error output, and its
   plots render as images.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time

import pytest

from tests.nbharness import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lab"), pytest.mark.cost(80)]  # the lab group, measured

# the notebook in the active tab (a background tab's cells are in the page too, hidden)
NB = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOW_TO_INSTALL = (
    "the browser test needs Chromium and Playwright's Python package: on Debian/Ubuntu "
    "`sudo apt-get install chromium` (`.ci/run` does it), and `pip install -r requirements.txt`"
)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip(f"no chromium on this machine: {HOW_TO_INSTALL}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"playwright is not installed: {HOW_TO_INSTALL}")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_all(lab, browser, rel: str, until, timeout_s: float = 300):
    """Open ``rel`` in the lab, Run → Run All Cells, wait until ``until(page)`` is true and the
    kernel is idle; return the page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{lab.base}/lab/tree/{rel}?reset&token={lab.token}")  # reset: only this notebook open
    page.wait_for_selector(f"{NB} .jp-Cell", timeout=120_000)
    _wait_for_kernel(lab, rel)
    for _attempt in range(3):  # the menu can miss a click while the page is still settling
        page.locator(f"{NB} .jp-Cell").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        started = time.time() + 30
        while time.time() < started and not _started(page):
            time.sleep(0.5)
        if _started(page):
            break
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if until(page) and _kernels_idle(lab):
            time.sleep(1.0)  # outputs of the last message render
            if until(page) and _kernels_idle(lab):
                return page
        time.sleep(1.0)
    page.screenshot(path=str(ROOT / "runs" / "browser-timeout.png"), full_page=True)
    prompts = _prompts(page)
    raise AssertionError(
        f"{rel}: Run All did not finish within {timeout_s} s (screenshot in runs/browser-timeout.png); "
        f"input prompts: {prompts}"
    )


def _prompts(page) -> list[str]:
    return [
        t.replace("\xa0", " ").strip() for t in page.locator(f"{NB} .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    ]


def _started(page) -> bool:
    return any(t != "[ ]:" for t in _prompts(page))


def _wait_for_kernel(lab, rel: str, timeout_s: float = 180) -> None:
    """Until the kernel of the session the page opened for ``rel`` is idle (started and ready)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for s in lab.api("/api/sessions"):
            if s.get("path") == rel and s.get("kernel", {}).get("execution_state") == "idle":
                return
        time.sleep(0.5)
    raise AssertionError(f"{rel}: its kernel did not start within {timeout_s} s")


def _kernels_idle(lab) -> bool:
    kernels = lab.api("/api/kernels")
    return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)


def _outputs(page) -> list[str]:
    return page.locator(f"{NB} .jp-OutputArea-output").all_inner_texts()


def _errors(page) -> list[str]:
    return page.locator(
        f"{NB} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).all_inner_texts()


def test_learner_notebook_run_all_in_the_browser(lab, browser):
    rel = "notebooks/week01/perceptron.ipynb"
    before = _digest(ROOT / rel)
    page = _run_all(lab, browser, rel, until=lambda p: any("NotImplementedError" in t for t in _errors(p)))
    try:
        outputs = _outputs(page)
        assert outputs, "no cell output appeared"
        first_line = outputs[0].strip().splitlines()[0]
        print("first output line in the browser:", first_line)
        assert first_line.startswith("mode: full"), (
            f"the first output should be the mode line in full mode: {first_line!r}"
        )
        errors = _errors(page)
        assert len(errors) == 1, f"Run All should stop at the first exercise's test cell, with one error: {errors}"
        assert "NotImplementedError" in errors[0] and "Replace this line with your code" in errors[0], errors[0]
        assert not [t for t in outputs if "Traceback" in t and "NotImplementedError" not in t], outputs
        page.locator(f"{NB} .jp-OutputArea-output").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ROOT / "runs" / "browser-week01-learner.png"), full_page=False)
    finally:
        page.close()
    assert _digest(ROOT / rel) == before, f"running {rel} in the lab changed the file"


def test_solution_notebook_runs_to_the_end_with_plots(lab, browser):
    import nbformat

    rel = "solutions/week01/perceptron.ipynb"
    nb = nbformat.read(str(ROOT / rel), as_version=4)
    n_code = sum(c.cell_type == "code" for c in nb.cells)
    before = _digest(ROOT / rel)

    def done(p) -> bool:
        prompts = _prompts(p)
        return len(prompts) >= n_code and all(re.fullmatch(r"\[\d+\]:", t) for t in prompts[:n_code])

    page = _run_all(lab, browser, rel, until=lambda p: done(p) or bool(_errors(p)), timeout_s=600)
    try:
        assert not _errors(page), f"the solution notebook showed errors in the browser: {_errors(page)[:2]}"
        images = page.locator(f"{NB} .jp-OutputArea-output img").count()
        # every figure the notebook shows (each plt.show()) is an image in the page
        expected = sum(c.source.count("plt.show()") for c in nb.cells if c.cell_type == "code")
        assert expected >= 1 and images >= expected, f"expected {expected} plots rendered as images, found {images}"
        page.locator(f"{NB} .jp-OutputArea-output img").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ROOT / "runs" / "browser-week01-solution.png"), full_page=False)
    finally:
        page.close()
    assert _digest(ROOT / rel) == before, f"running {rel} in the lab changed the file"
