"""A model saved together with the code it is built from, and the capstone model of week 10 for
the notebooks after it (given code: no graded answer lives here).

Week 10's capstone notebook (``capstone_pretraining.ipynb``) builds a GPT from the learner's own
classes (``RMSNorm``, ``apply_rope``, ``SwiGLU`` ...). Later notebooks (week 10 part 2, week 11)
fine-tune *that* model, but a learner's kit holds no week-10 answer, so they cannot import the
classes from ``helpers.reference``. The checkpoint therefore carries the source code of the
classes and functions the model is built from (read back from the notebook's cells), and loading
it executes that code in a fresh module and rebuilds the model::

    # capstone_pretraining.ipynb
    save_model_with_code(output_dir("week10") / "capstone.pt", model, tokenizer=tok,
                         metrics={"val_bits_per_char": 2.05})
    # any later notebook
    model, info = load_model_with_code(path)           # info["tokenizer"], info["metrics"], ...
    cap = load_capstone(stand_in=build_stand_in)        # the capstone checkpoint, or a stand-in
    print(cap.source)                                   # one sentence saying which

**What a saved model must offer** (the capstone's ``ModernGPT`` and week 8's ``GPT`` both do):
an ``nn.Module`` with ``.config`` (at least ``vocab_size`` and ``block_size``),
``forward(idx, targets=None) -> (logits, loss)`` and ``generate(idx, max_new_tokens,
temperature=1.0, top_k=None, generator=None) -> idx``.

**Tokenizers** are saved inside the checkpoint (the sentencepiece model's bytes, or the
character list) and come back as an object with ``encode(text) -> list[int]``,
``decode(ids) -> str``, ``vocab_size`` and ``name``: ``SentencePieceTokenizer`` or
``CharTokenizer``. ``tokenizer.with_specials([...])`` appends special tokens (week 11's chat
markers) after the learned vocabulary.

Loading executes the code stored in the file, as unpickling would: load only checkpoints you
made yourself.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import linecache
import os
import re
import symtable
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

import torch

FORMAT = "llm-course-model-with-code/1"
CAPSTONE_CHECKPOINT = "capstone.pt"  # under helpers.runtime.output_dir("week10")
CAPSTONE_TOKENIZER = "capstone_tokenizer.model"  # the sentencepiece model, next to it
_SIMPLE = (int, float, str, bool, type(None), complex, bytes)


class CodeError(ValueError):
    """The source of something a model is built from cannot be found or saved; the message says why."""


# ----------------------------------------------------------------------------- tokenizers


class SentencePieceTokenizer:
    """A sentencepiece model (``model_file`` or the model's bytes, ``model_proto``) with optional
    special tokens appended after its vocabulary (ids ``sp_size``, ``sp_size + 1``, ...)."""

    kind = "sentencepiece"

    def __init__(self, model_file=None, *, model_proto: bytes | None = None, specials: Sequence[str] = ()):
        import sentencepiece as spm

        if (model_file is None) == (model_proto is None):
            raise ValueError("give exactly one of model_file and model_proto")
        if model_proto is None:
            path = Path(model_file)
            if not path.is_file():
                raise FileNotFoundError(f"no sentencepiece model at {path}")
            model_proto = path.read_bytes()
        self.model_proto = bytes(model_proto)
        self.sp = spm.SentencePieceProcessor(model_proto=self.model_proto)
        self.specials = list(specials)
        if len(set(self.specials)) != len(self.specials) or any(not s for s in self.specials):
            raise ValueError(f"special tokens must be distinct, non-empty strings, got {self.specials}")
        self._special_ids = {s: self.sp.get_piece_size() + i for i, s in enumerate(self.specials)}
        self._split = re.compile("(" + "|".join(map(re.escape, self.specials)) + ")") if self.specials else None

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size() + len(self.specials)

    @property
    def name(self) -> str:
        extra = f" + {len(self.specials)} special tokens" if self.specials else ""
        return f"sentencepiece BPE, {self.sp.get_piece_size()} pieces{extra}"

    def with_specials(self, specials: Sequence[str]) -> SentencePieceTokenizer:
        """A copy with these special tokens appended (after any it already has)."""
        return SentencePieceTokenizer(model_proto=self.model_proto, specials=[*self.specials, *specials])

    def special_id(self, token: str) -> int:
        return self._special_ids[token]

    def encode(self, text: str) -> list[int]:
        if self._split is None:
            return list(self.sp.encode(text))
        ids: list[int] = []
        for part in self._split.split(text):
            if part in self._special_ids:
                ids.append(self._special_ids[part])
            elif part:
                ids.extend(self.sp.encode(part))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        base = self.sp.get_piece_size()
        out, run = [], []
        for i in (int(t) for t in ids):
            if i >= base:
                if i - base >= len(self.specials):
                    raise ValueError(f"id {i} is outside the vocabulary of {self.vocab_size} tokens")
                out.append(self.sp.decode(run))
                run = []
                out.append(self.specials[i - base])
            else:
                run.append(i)
        out.append(self.sp.decode(run))
        return "".join(out)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "model_proto": self.model_proto, "specials": list(self.specials)}


class CharTokenizer:
    """One token per character of ``itos`` (weeks 5-9's vocabulary), with optional specials."""

    kind = "chars"

    def __init__(self, itos: Sequence[str], specials: Sequence[str] = ()):
        self.itos = [str(c) for c in itos] + list(specials)
        self.specials = list(specials)
        self.stoi = {c: i for i, c in enumerate(self.itos)}
        self._split = re.compile("(" + "|".join(map(re.escape, self.specials)) + ")") if self.specials else None

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    @property
    def name(self) -> str:
        extra = f" + {len(self.specials)} special tokens" if self.specials else ""
        return f"characters, {len(self.itos) - len(self.specials)} symbols{extra}"

    def with_specials(self, specials: Sequence[str]) -> CharTokenizer:
        return CharTokenizer(self.itos[: len(self.itos) - len(self.specials)], [*self.specials, *specials])

    def special_id(self, token: str) -> int:
        if token not in self.specials:
            raise KeyError(token)
        return self.stoi[token]

    def encode(self, text: str) -> list[int]:
        parts = self._split.split(text) if self._split else [text]
        ids: list[int] = []
        for part in parts:
            if part in self.specials:
                ids.append(self.stoi[part])
                continue
            for ch in part:
                if ch not in self.stoi:
                    raise KeyError(f"character {ch!r} is not in the vocabulary of this character model")
                ids.append(self.stoi[ch])
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.itos[int(i)] for i in ids)

    def to_dict(self) -> dict:
        base = self.itos[: len(self.itos) - len(self.specials)]
        return {"kind": self.kind, "itos": list(base), "specials": list(self.specials)}


def tokenizer_from_dict(d: dict):
    """The tokenizer a checkpoint stored (``to_dict()`` of one of the classes above)."""
    if d.get("kind") == "sentencepiece":
        return SentencePieceTokenizer(model_proto=d["model_proto"], specials=d.get("specials", ()))
    if d.get("kind") == "chars":
        return CharTokenizer(d["itos"], d.get("specials", ()))
    raise ValueError(f"unknown tokenizer kind {d.get('kind')!r}")


def as_tokenizer(tok):
    """A tokenizer object from what a notebook has: one of ours, a sentencepiece processor, a
    path to a ``.model`` file, or a character list (``itos``)."""
    if tok is None or isinstance(tok, (SentencePieceTokenizer, CharTokenizer)):
        return tok
    if isinstance(tok, (str, Path)):
        return SentencePieceTokenizer(tok)
    if hasattr(tok, "serialized_model_proto"):  # a sentencepiece.SentencePieceProcessor
        return SentencePieceTokenizer(model_proto=tok.serialized_model_proto())
    if isinstance(tok, (list, tuple)) and all(isinstance(c, str) for c in tok):
        return CharTokenizer(tok)
    raise TypeError(f"cannot save a tokenizer of type {type(tok).__name__}")


# ----------------------------------------------------------------------------- source code


def _code_objects(obj) -> list[types.CodeType]:
    """Code objects that belong to ``obj`` (a function, or the methods of a class)."""
    if isinstance(obj, types.FunctionType):
        return [obj.__code__]
    if isinstance(obj, type):
        found = []
        for value in vars(obj).values():
            for f in (value, getattr(value, "__func__", None), getattr(value, "fget", None)):
                if isinstance(f, types.FunctionType) and f.__qualname__.startswith(obj.__qualname__ + "."):
                    found.append(f.__code__)
        return found
    return []


def _cell_files() -> list[str]:
    """linecache entries that hold notebook cells or code loaded by this module."""
    return [f for f in list(linecache.cache) if "ipykernel" in f or f.startswith("<llm-course code")]


def _top_level_node(source: str, name: str, line: int | None):
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            if line is None or start <= line <= node.end_lineno:
                return start, node.end_lineno
    return None


def source_of(obj) -> str:
    """The source of a class or function defined at the top level of a notebook cell (read back
    from ``linecache``, where IPython keeps every cell) or of a module file.

    ``inspect.getsource`` cannot find a notebook class; here a method's code object says which
    cell holds it. A class without any method of its own (a bare dataclass) is found by its name
    among the cells, if only one cell defines it."""
    import inspect

    name = getattr(obj, "__name__", None)
    if name is None or not isinstance(obj, (type, types.FunctionType)):
        raise CodeError(f"source_of needs a class or a function, got {type(obj).__name__}")
    module = sys.modules.get(getattr(obj, "__module__", ""), None)
    if module is not None and getattr(module, "__file__", None) and obj.__module__ != "__main__":
        return inspect.getsource(obj)
    for code in _code_objects(obj):
        lines = linecache.getlines(code.co_filename)
        if not lines:
            continue
        span = _top_level_node("".join(lines), name, code.co_firstlineno)
        if span:
            return "".join(lines[span[0] - 1 : span[1]])
    # no method of its own: look for the one cell that defines it
    found = set()
    for f in _cell_files():
        lines = linecache.getlines(f)
        span = _top_level_node("".join(lines), name, None)
        if span:
            found.add("".join(lines[span[0] - 1 : span[1]]))
    if len(found) == 1:
        return found.pop()
    why = "no cell defines it" if not found else f"{len(found)} different cells define it"
    raise CodeError(
        f"cannot find the source of {name}: {why}. Define it at the top level of one notebook cell "
        "(and give a class at least one method of its own, e.g. __post_init__), then run that cell again"
    )


def _free_globals(source: str) -> set[str]:
    """Names the code reads but does not define itself (its globals and builtins)."""
    table = symtable.symtable(source, "<saved>", "exec")
    defined = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    free: set[str] = set()

    def walk(t: symtable.SymbolTable) -> None:
        for s in t.get_symbols():
            if t.get_type() == "module":
                if s.is_referenced() and not (s.is_assigned() or s.is_imported()):
                    free.add(s.get_name())
            elif s.is_global() and s.is_referenced():
                free.add(s.get_name())
            elif t.get_type() == "class" and s.is_referenced() and not (s.is_assigned() or s.is_imported()):
                free.add(s.get_name())
        for child in t.get_children():
            walk(child)

    walk(table)
    return free - defined


def _globals_of(obj) -> dict:
    """The namespace ``obj``'s code reads its globals from (a notebook's user namespace)."""
    if isinstance(obj, types.FunctionType):
        return obj.__globals__
    if isinstance(obj, type):
        for code in _code_objects(obj):
            if linecache.getlines(code.co_filename):  # a method written in a cell, not generated
                for value in vars(obj).values():
                    f = getattr(value, "__func__", getattr(value, "fget", value))
                    if isinstance(f, types.FunctionType) and f.__code__ is code:
                        return f.__globals__
    module = sys.modules.get(getattr(obj, "__module__", ""), None)
    return vars(module) if module is not None else {}


def _import_line(name: str, value) -> str | None:
    """An import statement that binds ``name`` to ``value`` in a fresh module, if one exists."""
    if isinstance(value, types.ModuleType):
        mod = value.__name__
        if mod == name:
            return f"import {mod}"
        if "." in mod and mod.rsplit(".", 1)[1] == name:
            return f"from {mod.rsplit('.', 1)[0]} import {name}"
        return f"import {mod} as {name}"
    mod_name, qual = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not mod_name or not qual or mod_name == "__main__" or "<" in qual or "." in qual:
        return None
    try:
        module = importlib.import_module(mod_name)
    except ImportError:
        return None
    if getattr(module, qual, None) is not value:
        return None
    return f"from {mod_name} import {qual}" + (f" as {name}" if name != qual else "")


def _is_saved_with_code(value) -> bool:
    """A class or function that has to travel as source (defined in a notebook or in saved code)."""
    if not isinstance(value, (type, types.FunctionType)):
        return False
    mod = getattr(value, "__module__", "")
    return mod == "__main__" or mod.startswith("llm_course_saved_")


def code_of(*objects) -> str:
    """Python source that defines ``objects`` (classes and functions) in a fresh module: the
    imports and constants they use, and the source of every notebook-defined class or function they
    need, dependencies first."""
    imports: dict[str, str] = {}
    constants: dict[str, str] = {}
    order: list[str] = []
    sources: dict[str, str] = {}
    visiting: set[str] = set()

    def visit(obj) -> None:
        name = obj.__name__
        if name in sources or name in visiting:
            return
        visiting.add(name)
        src = source_of(obj)
        namespace = _globals_of(obj)
        for free in sorted(_free_globals(src)):
            if free == name or free in sources or free in imports or free in constants:
                continue
            if free in namespace:
                value = namespace[free]
            elif hasattr(builtins, free):
                continue
            else:
                raise CodeError(f"{name} uses {free!r}, which is not defined where {name} is defined")
            if _is_saved_with_code(value):
                visit(value)
            elif (line := _import_line(free, value)) is not None:
                imports[free] = line
            elif isinstance(value, _SIMPLE) or (
                isinstance(value, tuple) and all(isinstance(v, _SIMPLE) for v in value)
            ):
                constants[free] = f"{free} = {value!r}"
            else:
                raise CodeError(
                    f"{name} uses the global {free!r}, a {type(value).__name__} that cannot be saved as code: "
                    "make it a constant or an argument"
                )
        visiting.discard(name)
        sources[name] = src
        order.append(name)

    for obj in objects:
        if _is_saved_with_code(obj):
            visit(obj)
        elif (line := _import_line(obj.__name__, obj)) is not None:
            imports[obj.__name__] = line
        else:
            raise CodeError(f"cannot save {obj!r}: it is neither defined in this notebook nor importable")
    head = "\n".join(sorted(set(imports.values())))
    consts = "\n".join(constants[k] for k in sorted(constants))
    body = "\n\n\n".join(sources[n].rstrip() for n in order)
    return "\n\n".join(part for part in (head, consts, body) if part) + "\n"


def load_code(code: str, label: str = "saved model") -> types.ModuleType:
    """Execute saved code in a fresh module (registered in ``sys.modules`` and ``linecache``, so
    tracebacks show its lines and it can be saved again) and return the module."""
    digest = hashlib.sha1(code.encode()).hexdigest()[:12]
    name = f"llm_course_saved_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    filename = f"<llm-course code {digest}: {label}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    module = types.ModuleType(name, f"Code saved with {label}")
    module.__dict__["__file__"] = filename
    sys.modules[name] = module
    try:
        exec(compile(code, filename, "exec"), module.__dict__)
    except Exception:
        del sys.modules[name]
        raise
    return module


# ----------------------------------------------------------------------------- checkpoints


def _config_dict(config) -> dict:
    if is_dataclass(config) and not isinstance(config, type):
        return asdict(config)
    if isinstance(config, dict):
        return dict(config)
    if hasattr(config, "__dict__"):
        return {k: v for k, v in vars(config).items() if not k.startswith("_")}
    raise TypeError(f"cannot save a config of type {type(config).__name__}")


def save_model_with_code(
    path,
    model: torch.nn.Module,
    config=None,
    *,
    code: Sequence | str | None = None,
    tokenizer=None,
    metrics: dict | None = None,
    extra: dict | None = None,
) -> Path:
    """Write ``model``'s weights, its config, the source code that rebuilds it and its tokenizer
    to ``path`` (atomically) and return the path.

    ``config`` defaults to ``model.config``. ``code``: the classes and functions to save (default:
    the model's class and the config's class; everything they use from the notebook comes along),
    or a string of code (what ``load_model_with_code`` returned, to save a fine-tuned copy).
    ``tokenizer``: see ``as_tokenizer``. ``metrics``: numbers (a validation loss); ``extra``: any
    plain data (lists, dicts, numbers, strings)."""
    path = Path(path)
    config = config if config is not None else getattr(model, "config", None)
    if config is None:
        raise ValueError("save_model_with_code needs a config (pass config=..., or a model with a .config)")
    config_class = type(config) if (is_dataclass(config) or hasattr(config, "__dict__")) else None
    if isinstance(config, dict):
        config_class = None
    if isinstance(code, str):
        source = code
    else:
        objects = list(code) if code is not None else [type(model)]
        if code is None and config_class is not None:
            objects.append(config_class)
        source = code_of(*objects)
    # the code must rebuild the model: check now, not when a later notebook loads it
    module = load_code(source, str(path.name))
    cls_name = type(model).__name__
    if not hasattr(module, cls_name):
        raise CodeError(f"the saved code does not define {cls_name}: pass it in code=[...]")
    cfg_name = config_class.__name__ if config_class is not None else None
    if cfg_name is not None and not hasattr(module, cfg_name):
        if config_class.__module__ not in ("__main__",) and _import_line(cfg_name, config_class):
            source = _import_line(cfg_name, config_class) + "\n" + source
        else:
            raise CodeError(f"the saved code does not define the config class {cfg_name}: pass it in code=[...]")
    tok = as_tokenizer(tokenizer)
    ckpt = {
        "format": FORMAT,
        "code": source,
        "model_class": cls_name,
        "config_class": cfg_name,
        "config": _config_dict(config),
        "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "tokenizer": tok.to_dict() if tok is not None else None,
        "metrics": {k: float(v) for k, v in (metrics or {}).items()},
        "extra": extra or {},
        "num_parameters": int(sum(p.numel() for p in model.parameters())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, path)
    return path


def read_checkpoint(path) -> dict:
    """The checkpoint dict, checked to be one ``save_model_with_code`` wrote."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling error means the same thing here
        raise ValueError(f"{path} is not a readable checkpoint ({type(e).__name__}: {e})") from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path} was not written by save_model_with_code (format {FORMAT!r})")
    return ckpt


def load_model_with_code(path, device: str | torch.device = "cpu"):
    """Rebuild a model ``save_model_with_code`` wrote: returns ``(model in eval mode, info)``.

    ``info``: ``tokenizer`` (or None), ``config`` (the config object), ``metrics``, ``extra``,
    ``code`` (the saved source: pass it as ``code=`` to save a fine-tuned copy), ``module``
    (where the code was executed: its classes and functions), ``num_parameters``, ``path``."""
    ckpt = read_checkpoint(path)
    module = load_code(ckpt["code"], Path(path).name)
    cfg = ckpt["config"]
    config = getattr(module, ckpt["config_class"])(**cfg) if ckpt.get("config_class") else types.SimpleNamespace(**cfg)
    model = getattr(module, ckpt["model_class"])(config)
    model.load_state_dict(ckpt["model_state"])
    model.to(device).eval()
    info = {
        "tokenizer": tokenizer_from_dict(ckpt["tokenizer"]) if ckpt.get("tokenizer") else None,
        "config": config,
        "metrics": dict(ckpt.get("metrics", {})),
        "extra": dict(ckpt.get("extra", {})),
        "code": ckpt["code"],
        "module": module,
        "num_parameters": ckpt.get("num_parameters"),
        "path": Path(path),
    }
    return model, info


# ----------------------------------------------------------------------------- the capstone


def capstone_path(fast: bool | None = None) -> Path:
    """Where the capstone notebook saves its model: ``output_dir("week10")/capstone.pt``
    (``capstone_fast.pt`` in fast mode, so a fast run never replaces the real model)."""
    from helpers.runtime import is_fast, output_dir

    fast = is_fast() if fast is None else fast
    return output_dir("week10") / (CAPSTONE_CHECKPOINT.replace(".pt", "_fast.pt") if fast else CAPSTONE_CHECKPOINT)


def capstone_tokenizer_path(fast: bool | None = None) -> Path:
    """Where the capstone notebook saves its sentencepiece model (also stored inside the checkpoint)."""
    from helpers.runtime import is_fast, output_dir

    fast = is_fast() if fast is None else fast
    return output_dir("week10") / (CAPSTONE_TOKENIZER.replace(".model", "_fast.model") if fast else CAPSTONE_TOKENIZER)


@dataclass
class Capstone:
    """What ``load_capstone`` found: the model, its tokenizer, and one sentence saying which."""

    model: torch.nn.Module
    tokenizer: object
    source: str
    is_stand_in: bool
    metrics: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)


def load_capstone(
    path=None,
    *,
    stand_in: Callable[[], tuple] | None = None,
    device: str | torch.device = "cpu",
    use_checkpoint: bool = True,
    quiet: bool = False,
) -> Capstone:
    """The capstone model the learner trained in ``capstone_pretraining.ipynb``, or a stand-in,
    and say which (printed, and in ``.source``).

    ``path`` defaults to ``capstone_path()``. When there is no readable checkpoint there (the
    learner skipped the capstone, a grading sandbox, a fast-mode test), or ``use_checkpoint`` is
    False, ``stand_in()`` is called: it returns ``(model, tokenizer, description)`` and should take
    seconds in fast mode (week 10 part 2: week 8's GPT from ``helpers.reference``; week 11 may use
    the capstone reference). Without a stand-in, a missing checkpoint raises FileNotFoundError
    saying how to make one."""
    path = Path(path) if path is not None else capstone_path()
    why = ""
    if use_checkpoint and path.is_file():
        try:
            model, info = load_model_with_code(path, device)
        except Exception as e:  # noqa: BLE001 - a broken or foreign file: say so, use the stand-in
            why = f"{path} could not be loaded ({type(e).__name__}: {str(e)[:200]})"
        else:
            m = info["metrics"]
            bpc = f", validation {m['val_bits_per_char']:.3f} bits/char" if "val_bits_per_char" in m else ""
            source = (
                f"the capstone model you trained in capstone_pretraining.ipynb ({path}; "
                f"{info['num_parameters']:,} parameters, {info['tokenizer'].name if info['tokenizer'] else 'no tokenizer'}{bpc})"
            )
            if not quiet:
                print("model:", source)
            return Capstone(model, info["tokenizer"], source, False, m, info)
    elif not use_checkpoint:
        why = "the checkpoint is not used here (use_checkpoint=False)"
    else:
        why = f"no capstone checkpoint at {path} (run capstone_pretraining.ipynb in full mode to make one)"
    if stand_in is None:
        raise FileNotFoundError(why + "; and no stand_in was given")
    model, tokenizer, description = stand_in()
    source = f"a stand-in: {description} ({why})"
    if not quiet:
        print("model:", source)
    return Capstone(model.to(device), as_tokenizer(tokenizer), source, True, {}, {"why": why})
