"""Numbers in the notebooks' prose, checked against the full-mode record.

Every number a notebook's markdown states as a result of a run (a loss, an accuracy, a ratio, a
speed-up, a time, a count) is written next to a marker naming the figure it reports, as the
notebook records it with ``helpers.report.record`` and ``make bench`` keeps it in
``benchmarks/results.json``::

    reaches a validation loss of 1.563<!-- fig: week08.val_loss --> nats/char
    the LoRA model answers 82%<!-- fig: week10.instruct_accuracy[LoRA][all] --> of them
    Full mode takes about 6 minutes<!-- fig: seconds --> on 2 cores

The marker (an HTML comment, invisible in JupyterLab, Colab and GitHub) follows the number and
its unit. The number must equal the figure to the precision it is written with (``1.563`` means
1.5625 to 1.5635); ``%`` compares the figure times 100; a time unit (``s``, ``ms``, ``min``,
``minutes``, ``h``) converts a figure in seconds; ``~`` in front of the name (``fig: ~name``)
and any figure of seconds allow 20%. ``seconds`` alone is this notebook's own full-mode time.
``name[key]`` indexes a figure that is a dict or a list.

A number that is not a result is a constant of the text: ``<!-- const -->`` after it says so.
Without any marker, these count as constants: numbers in code, math and links, in headings and
list numbers, in exercise statements (contracts and expected examples, which the visible checks
hold) and their hints (``<details>``), structural numbers (week 5, section 3, exercise 2, 3
points, hint 1, part 2), years, names like GPT-2, and numbers that are literals of the notebook's
code (a hyperparameter the code sets) — except times, which always need a marker.

    python tools/text_figures.py week08            # what is tied, what is not, what disagrees
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
TIME_TOLERANCE = 0.20
APPROX_TOLERANCE = 0.20

MARKER = re.compile(r"<!--\s*(fig|const)\b\s*:?\s*(.*?)\s*-->", re.S)
NUMBER = re.compile(r"(?<![\w.])(-?\d{1,3}(?:,\d{3})+|-?\d+)(\.\d+)?(?:[eE]([-+]?\d+))?(?![\w])")
TIME_UNITS = {
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "seconds": 1.0,
    "second": 1.0,
    "min": 60.0,
    "minutes": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hours": 3600.0,
    "hour": 3600.0,
}
STRUCTURAL_BEFORE = re.compile(
    r"(?:\b(?:weeks?|sections?|exercises?|hints?|parts?|chapters?|figures?|lines?|cells?|steps? of list|"
    r"assignment|lectures?|issues?|appendix|eq\.?|equation|version|v|python|torch|nbgrader|jupyterlab|"
    r"numpy|py|in)\s*(?:\d+\s*(?:[-–,/&]|and|or|to)\s*)*|#)$",
    re.I,
)
POINTS_AFTER = re.compile(r"^\s*points?\b", re.I)


@dataclass
class Number:
    cell: int
    text: str  # the number as written
    value: float
    decimals: float  # half a unit of the last written digit
    unit: str  # what follows it, up to the marker or the next word
    kind: str  # "fig", "const" or "" (untied)
    figure: str = ""  # the marker's figure name
    context: str = ""

    def where(self) -> str:
        return f"cell {self.cell}: …{self.context}…"


def _parse_number(text: str) -> tuple[float, float]:
    m = NUMBER.fullmatch(text.strip())
    if not m:
        raise ValueError(text)
    whole, frac, exp = m.group(1).replace(",", ""), m.group(2) or "", m.group(3)
    value = float(whole + frac + (f"e{exp}" if exp else ""))
    half = 0.5 * 10.0 ** (-(len(frac) - 1 if frac else 0))
    if exp:
        half *= 10.0 ** int(exp)
    return value, half


def _blank(text: str, pattern: str, flags=0) -> str:
    """``text`` with every match of ``pattern`` replaced by spaces (positions kept)."""
    return re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=flags)


def prose(text: str) -> str:
    """The markdown a reader reads as sentences: code, math, links, hints, headings and tags
    blanked out (same length, so positions still match the source); markers are kept."""
    t = _blank(text, r"```.*?```", re.S)
    t = _blank(t, r"<details>.*?</details>", re.S | re.I)
    t = _blank(t, r"\$\$.*?\$\$", re.S)
    t = _blank(t, r"(?<!\\)\$[^$\n]+\$")
    t = _blank(t, r"`[^`\n]*`")
    t = _blank(t, r"\]\([^)\s]*\)")
    t = _blank(t, r"https?://\S+")
    t = _blank(t, r"^\s{0,3}#{1,6} .*$", re.M)
    t = _blank(t, r"^\s*\d+[.)]\s", re.M)
    # HTML tags other than the markers
    t = re.sub(r"<(?!!--)[^>\n]*>", lambda m: " " * len(m.group(0)), t)
    return t


def code_literals(nb) -> set[float]:
    """Every numeric literal of the notebook's code cells (hyperparameters the code sets)."""
    out: set[float] = set()
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        src = "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in c.source.splitlines())
        try:
            for tok in tokenize.generate_tokens(io.StringIO(src).readline):
                if tok.type == tokenize.NUMBER:
                    try:
                        out.add(float(ast.literal_eval(tok.string.replace("_", ""))))
                    except (ValueError, SyntaxError, TypeError):
                        pass
        except (tokenize.TokenError, IndentationError, SyntaxError):
            pass
    return out


def is_statement_cell(source: str) -> bool:
    """An exercise statement (contract, math, expected example): its numbers are constants."""
    return bool(re.search(r"^#{2,4} Exercise\b", source, re.M))


def numbers(nb) -> list[Number]:
    """Every number of the notebook's markdown prose, with its marker if it has one."""
    literals = code_literals(nb)
    found: list[Number] = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "markdown":
            continue
        src = c.source
        text = prose(src)
        markers = [(m.start(), m.end(), m.group(1), m.group(2)) for m in MARKER.finditer(text)]
        # each marker ties the last number before it on its line (its unit may stand in between)
        tied: dict[int, tuple[str, str]] = {}
        for start, _end, kind, name in markers:
            line_start = text.rfind("\n", 0, start) + 1
            before = text[line_start:start]
            cands = [m for m in NUMBER.finditer(before)]
            if cands:
                tied[line_start + cands[-1].start()] = (kind, name.strip())
            else:
                found.append(Number(i, "", math.nan, 0, "", "orphan", name.strip(), src[line_start : start + 40]))
        blanked = text
        for start, end, _k, _n in markers:
            blanked = blanked[:start] + " " * (end - start) + blanked[end:]
        statement = is_statement_cell(src)
        for m in NUMBER.finditer(blanked):
            value, half = _parse_number(m.group(0))
            after = blanked[m.end() : m.end() + 30]
            unit_m = re.match(r"\s*(%|×|ms\b|s\b|sec\b|seconds?\b|min\b|minutes?\b|h\b|hours?\b)?", after)
            unit = (unit_m.group(1) or "") if unit_m else ""
            ctx = src[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
            kind, name = tied.get(m.start(), ("", ""))
            n = Number(i, m.group(0), value, half, unit, kind, name, ctx)
            if not kind and _exempt(blanked, m, value, unit, literals, statement):
                continue
            found.append(n)
    return found


def _exempt(text: str, m: re.Match, value: float, unit: str, literals: set[float], statement: bool) -> bool:
    before = text[max(0, m.start() - 40) : m.start()]
    after = text[m.end() : m.end() + 12]
    if statement:
        return True
    if STRUCTURAL_BEFORE.search(before.rstrip(" (")) or POINTS_AFTER.match(after):
        return True
    if re.search(r"[A-Za-z]-$", before) or re.match(r"^[A-Za-z]", after):  # GPT-2, 2D, 3rd, 10k
        return True
    if "." not in m.group(0) and 1900 <= value <= 2039:  # a year
        return True
    if unit in TIME_UNITS or unit == "×":
        return False  # times and speed-ups are results or budgets: they always need a marker
    candidates = {abs(value)} | ({abs(value) / 100} if unit == "%" else set())
    return any(any(math.isclose(c, lit, rel_tol=1e-9, abs_tol=1e-12) for lit in literals) for c in candidates)


# ----------------------------------------------------------------------------- the record


def load_results(path: Path = RESULTS) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"notebooks": {}}


def lookup(results: dict, notebook: str, name: str):
    """The recorded value of ``name`` (``seconds``: the notebook's own time; ``fig[key]``: an item)."""
    entries = results.get("notebooks", {})
    own = entries.get(notebook, {})
    base, keys = re.match(r"([^\[]+)((?:\[[^\]]*\])*)$", name.strip()).groups()
    base = base.strip()
    if base == "seconds":
        value = own.get("seconds")
    else:
        value = own.get("figures", {}).get(base)
        if value is None:
            for e in entries.values():
                if base in e.get("figures", {}):
                    value = e["figures"][base]
                    break
    if value is None:
        raise KeyError(f"{base!r} is not in the record of {notebook} (run `make bench` for it)")
    for k in re.findall(r"\[([^\]]*)\]", keys):
        k = k.strip().strip("'\"")
        if isinstance(value, list):
            value = value[int(k)]
        elif isinstance(value, dict):
            if k not in value:
                raise KeyError(f"{name}: no key {k!r} in the recorded figure (keys: {sorted(value)[:8]})")
            value = value[k]
        else:
            raise KeyError(f"{name}: the recorded figure {base} is not a dict or a list")
    return value


def disagreement(n: Number, results: dict, notebook: str) -> str:
    """Why ``n`` does not match its figure ('' when it does)."""
    name = n.figure.lstrip("~").strip()
    approx = n.figure.startswith("~")
    try:
        recorded = lookup(results, notebook, name)
    except (KeyError, ValueError, IndexError) as e:
        return str(e)
    if isinstance(recorded, bool) or not isinstance(recorded, (int, float)):
        return f"{name} is recorded as {recorded!r}, not a number"
    value = float(recorded)
    is_time = name == "seconds" or "seconds" in name or name.endswith("_s")
    if n.unit == "%":
        value *= 100
    elif is_time and n.unit in TIME_UNITS:
        value /= TIME_UNITS[n.unit]
    if is_time or approx:
        ok = abs(n.value - value) <= TIME_TOLERANCE * abs(value) + n.decimals
        how = "within 20%"
    else:
        ok = abs(n.value - value) <= n.decimals * (1 + 1e-9) + 1e-12
        how = "to the written precision"
    if ok:
        return ""
    return f"the text says {n.text}{n.unit and ' ' + n.unit}, the record of {name} says {value:.6g} (must agree {how})"


def check_notebook(path: Path, results: dict | None = None) -> list[str]:
    """Problems with the numbers of one solution notebook's prose."""
    import nbformat

    results = load_results() if results is None else results
    nb = nbformat.read(str(path), as_version=4)
    rel = str(Path(path).resolve().relative_to(ROOT))
    problems = []
    for n in numbers(nb):
        if n.kind == "orphan":
            problems.append(f"{n.where()}: a marker ({n.figure!r}) with no number before it on its line")
        elif n.kind == "fig":
            why = disagreement(n, results, rel)
            if why:
                problems.append(f"{n.where()}: {why}")
        elif not n.kind:
            problems.append(
                f"{n.where()}: {n.text}{n.unit and ' ' + n.unit} is neither tied to a recorded figure "
                "(<!-- fig: NAME -->) nor marked as a constant (<!-- const -->)"
            )
    header = nb.cells[0].source if nb.cells else ""
    if not any(m.group(1) == "fig" and m.group(2).strip() == "seconds" for m in MARKER.finditer(header)):
        problems.append("cell 0: the header states no run time tied to the record (<!-- fig: seconds -->)")
    return problems


def main(argv: list[str]) -> int:
    results = load_results()
    paths = [p for a in (argv or ["week"]) for p in sorted(ROOT.glob(f"solutions/{a}*/*.ipynb"))]
    bad = 0
    for p in paths:
        problems = check_notebook(p, results)
        import nbformat

        tied = sum(1 for n in numbers(nbformat.read(str(p), as_version=4)) if n.kind == "fig")
        print(f"{p.relative_to(ROOT)}: {tied} numbers tied to the record, {len(problems)} problems")
        for q in problems:
            print("  " + q)
        bad += len(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
