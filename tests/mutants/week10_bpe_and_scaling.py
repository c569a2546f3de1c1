"""Week 10, part 1 (bpe_and_scaling.ipynb): learners' mistakes as edits of the reference cells, and
honest answers written another way."""

from tests.mutants import Mutant, edit

_MOST = "pair = min(counts, key=lambda p: (-counts[p], p))"

MUTANTS = [
    # ------------------------------------------------------------------ train_byte_bpe
    Mutant(
        "train_byte_bpe",
        "ties broken by the first pair seen (Counter.most_common)",
        edit(_MOST, "pair = counts.most_common(1)[0][0]"),
        visible=True,
        learner=True,
        names_it="ties go to the smallest pair",
    ),
    Mutant(
        "train_byte_bpe",
        "ties broken by the larger pair",
        edit(_MOST, "pair = max(counts, key=lambda p: (counts[p], p))"),
        visible=True,
        learner=True,
        names_it="ties go to the smallest pair",
    ),
    Mutant(
        "train_byte_bpe",
        "characters (ord) instead of UTF-8 bytes",
        edit('ids = list(text.encode("utf-8"))', "ids = [ord(ch) for ch in text]"),
        visible=True,
        learner=True,
        names_it="UTF-8 bytes",
    ),
    Mutant(
        "train_byte_bpe",
        "no error for vocab_size < 256",
        edit(
            """
            if vocab_size < 256:
                raise ValueError(f"vocab_size must be at least 256 (the bytes), got {vocab_size}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="ValueError",
    ),
    Mutant(
        "train_byte_bpe",
        "overlapping replacement (does not skip past a replaced pair)",
        edit(
            """
            out.append(new_id)
            i += 2
            """,
            """
            out.append(new_id)
            i += 1
            """,
        ),
        visible=True,
        learner=True,
        names_it="left to right",
    ),
    Mutant(
        "train_byte_bpe",
        "crashes when the text runs out of pairs",
        edit(
            """
            if len(ids) < 2:
                break
            """,
            "",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "train_byte_bpe",
        "hard-coded for the visible examples, ties by first appearance otherwise",
        edit(
            _MOST,
            """
            pair = counts.most_common(1)[0][0]
            if text in ("aaabdaaabac", "aaaa", "é", "hello"):
                pair = min(counts, key=lambda p: (-counts[p], p))
            """,
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ bpe_encode
    Mutant(
        "bpe_encode",
        "ord() of the characters instead of UTF-8 bytes",
        edit('ids = list(text.encode("utf-8"))', "ids = [ord(ch) for ch in text]"),
        visible=True,
        learner=True,
        names_it="UTF-8 bytes",
    ),
    Mutant(
        "bpe_encode",
        "merges applied latest first",
        edit(
            "pair = min(set(zip(ids, ids[1:])), key=lambda p: rank.get(p, len(rank)))",
            "pair = max(set(zip(ids, ids[1:])), key=lambda p: rank.get(p, -1))",
        ),
        visible=True,
        learner=True,
        names_it="merge 0 first",
    ),
    Mutant(
        "bpe_encode",
        "overlapping replacement (does not skip past a replaced pair)",
        edit(
            """
            out.append(new_id)
            i += 2
            """,
            """
            out.append(new_id)
            i += 1
            """,
        ),
        visible=True,
        learner=True,
        names_it="left to right",
    ),
    Mutant(
        "bpe_encode",
        "crashes on an empty text",
        edit("while len(ids) >= 2:", "while True:"),
        visible=True,
        learner=True,
    ),
    Mutant(
        "bpe_encode",
        "merges given as lists are not found",
        edit("rank = {tuple(p): k for k, p in enumerate(merges)}", "rank = {p: k for k, p in enumerate(merges)}"),
        visible=False,
    ),
    # ------------------------------------------------------------------ bpe_decode
    Mutant(
        "bpe_decode",
        "each token decoded on its own",
        edit(
            'return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")',
            'return "".join(vocab[i].decode("utf-8", errors="replace") for i in ids)',
        ),
        visible=True,
        learner=True,
        names_it="split across tokens",
    ),
    Mutant(
        "bpe_decode",
        "strict UTF-8 (invalid bytes raise)",
        edit(
            'return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")',
            'return b"".join(vocab[i] for i in ids).decode("utf-8")',
        ),
        visible=True,
        learner=True,
        names_it="errors='replace'",
    ),
    Mutant(
        "bpe_decode",
        "no error for an id past the vocabulary",
        edit(
            """
            for i in ids:
                if i not in vocab:
                    raise ValueError(f"id {i} is not in the vocabulary of {len(vocab)} ids")
            return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
            """,
            """
            return b"".join(vocab.get(i, b"") for i in ids).decode("utf-8", errors="replace")
            """,
        ),
        visible=True,
        learner=True,
        names_it="256 + len(merges)",
    ),
    Mutant(
        "bpe_decode",
        "a list as the table: negative ids index from the end",
        edit(
            """
            for i in ids:
                if i not in vocab:
                    raise ValueError(f"id {i} is not in the vocabulary of {len(vocab)} ids")
            return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
            """,
            """
            table = [vocab[j] for j in range(len(vocab))]
            if any(i >= len(table) for i in ids):
                raise ValueError("id past the vocabulary")
            return b"".join(table[i] for i in ids).decode("utf-8", errors="replace")
            """,
        ),
        visible=True,
        learner=True,
        names_it="negative id",
    ),
    Mutant(
        "bpe_decode",
        "empty ids give None",
        edit(
            'return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")',
            'return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace") if ids else None',
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ train_bpe
    Mutant(
        "train_bpe",
        "sentencepiece's default normalization and whitespace handling",
        edit(
            """
            spm.SentencePieceTrainer.train(
                input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size),
                model_type="bpe", character_coverage=1.0, normalization_rule_name="identity",
                remove_extra_whitespaces=False, add_dummy_prefix=False, allow_whitespace_only_pieces=True,
                user_defined_symbols=["\\n"], byte_fallback=True, minloglevel=2)
            """,
            """
            spm.SentencePieceTrainer.train(
                input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size),
                model_type="bpe", character_coverage=1.0, user_defined_symbols=["\\n"], byte_fallback=True, minloglevel=2)
            """,
        ),
        visible=True,
        learner=True,
        names_it="turn off normalization",
    ),
    Mutant(
        "train_bpe",
        "no byte fallback (unseen characters become <unk>)",
        edit(
            'user_defined_symbols=["\\n"], byte_fallback=True, minloglevel=2)',
            'user_defined_symbols=["\\n"], minloglevel=2)',
        ),
        visible=True,
        learner=True,
        names_it="byte_fallback",
    ),
    Mutant(
        "train_bpe",
        "model_type left at the default (unigram)",
        edit(
            'model_type="bpe", character_coverage=1.0, normalization_rule_name="identity",',
            'character_coverage=1.0, normalization_rule_name="identity",',
        ),
        visible=True,
        learner=True,
        names_it="unigram",
    ),
    Mutant(
        "train_bpe",
        "runs of spaces collapsed (remove_extra_whitespaces left on)",
        edit(
            "remove_extra_whitespaces=False, add_dummy_prefix=False, allow_whitespace_only_pieces=True,",
            "add_dummy_prefix=False, allow_whitespace_only_pieces=True,",
        ),
        visible=True,
        learner=True,
        names_it="whitespace removal",
    ),
    Mutant(
        "train_bpe",
        "returns the trainer's result (None)",
        edit('return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")', "return None"),
        visible=True,
        learner=True,
        names_it="SentencePieceProcessor",
    ),
    Mutant(
        "train_bpe",
        "no check for a missing file (sentencepiece's own error)",
        edit(
            """
            if not text_path.is_file():
                raise FileNotFoundError(f"train_bpe: no text file at {text_path}")
            """,
            "",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "train_bpe",
        "vocabulary size written in (500)",
        edit(
            "input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size),",
            "input=str(text_path), model_prefix=str(model_prefix), vocab_size=500,",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ bits_per_char
    Mutant(
        "bits_per_char",
        "nats instead of bits (no division by ln 2)",
        edit(
            "return float(mean_nll_per_token) * n_tokens / (n_chars * math.log(2))",
            "return float(mean_nll_per_token) * n_tokens / n_chars",
        ),
        visible=True,
        learner=True,
        names_it="divide nats by ln 2",
    ),
    Mutant(
        "bits_per_char",
        "ratio inverted (characters per token)",
        edit(
            "return float(mean_nll_per_token) * n_tokens / (n_chars * math.log(2))",
            "return float(mean_nll_per_token) * n_chars / (n_tokens * math.log(2))",
        ),
        visible=True,
        learner=True,
        names_it="characters per token",
    ),
    Mutant(
        "bits_per_char",
        "multiplies by ln 2",
        edit(
            "return float(mean_nll_per_token) * n_tokens / (n_chars * math.log(2))",
            "return float(mean_nll_per_token) * n_tokens / n_chars * math.log(2)",
        ),
        visible=True,
        learner=True,
        names_it="division by ln 2",
    ),
    Mutant(
        "bits_per_char",
        "no error on zero counts",
        edit(
            """
            if n_tokens <= 0 or n_chars <= 0:
                raise ValueError(f"n_tokens and n_chars must be positive, got {n_tokens} and {n_chars}")
            return float(mean_nll_per_token) * n_tokens / (n_chars * math.log(2))
            """,
            "return float(mean_nll_per_token) * n_tokens / (max(n_chars, 1) * math.log(2))",
        ),
        visible=True,
        learner=True,
        names_it="ValueError",
    ),
    Mutant(
        "bits_per_char",
        "a tensor back for a tensor loss",
        edit(
            "return float(mean_nll_per_token) * n_tokens / (n_chars * math.log(2))",
            "return mean_nll_per_token * n_tokens / (n_chars * math.log(2))",
        ),
        visible=True,
        learner=True,
        names_it="Python float",
    ),
    Mutant(
        "bits_per_char",
        "only zero counts rejected (negative ones pass)",
        edit("if n_tokens <= 0 or n_chars <= 0:", "if n_tokens == 0 or n_chars == 0:"),
        visible=False,
    ),
    # ------------------------------------------------------------------ write_tokens
    Mutant(
        "write_tokens",
        "int64 on disk (8 bytes a token)",
        edit("arr.astype(np.uint16).tofile(path)", "arr.astype(np.int64).tofile(path)"),
        visible=True,
        learner=True,
        names_it="uint16 (2 bytes a token)",
    ),
    Mutant(
        "write_tokens",
        "ids above 65535 silently wrapped",
        edit(
            """
            if arr.min() < 0 or arr.max() > 65535:
                raise ValueError(f"ids must lie in [0, 65535] to fit uint16, got the range [{arr.min()}, {arr.max()}]")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="silently wrap",
    ),
    Mutant(
        "write_tokens",
        "parent folder not created",
        edit("path.parent.mkdir(parents=True, exist_ok=True)", ""),
        visible=True,
        learner=True,
        names_it="create the parent folder",
    ),
    Mutant(
        "write_tokens",
        "returns the path as given (a str)",
        edit("return path", "return str(path)"),
        visible=True,
        learner=True,
        names_it="pathlib.Path",
    ),
    Mutant(
        "write_tokens",
        "no check of the shape (2-D arrays flattened, empty files written)",
        edit(
            """
            if arr.ndim != 1 or arr.size == 0:
                raise ValueError(f"write_tokens needs a non-empty 1D sequence of ids, got shape {arr.shape}")
            if arr.min() < 0 or arr.max() > 65535:
            """,
            "if arr.size and (arr.min() < 0 or arr.max() > 65535):",
        ),
        visible=True,
        learner=True,
        names_it="1D sequence",
    ),
    Mutant(
        "write_tokens",
        "negative ids not rejected",
        edit("if arr.min() < 0 or arr.max() > 65535:", "if arr.max() > 65535:"),
        visible=False,
    ),
    # ------------------------------------------------------------------ load_tokens
    Mutant(
        "load_tokens",
        "np.fromfile (the whole file in memory)",
        edit('return np.memmap(path, dtype=np.uint16, mode="r")', "return np.fromfile(path, dtype=np.uint16)"),
        visible=True,
        learner=True,
        names_it="np.memmap reads only what you index",
    ),
    Mutant(
        "load_tokens",
        "writeable memmap (the default mode r+)",
        edit('return np.memmap(path, dtype=np.uint16, mode="r")', "return np.memmap(path, dtype=np.uint16)"),
        visible=True,
        learner=True,
        names_it="read-only",
    ),
    Mutant(
        "load_tokens",
        "signed int16 (ids above 32767 turn negative)",
        edit('return np.memmap(path, dtype=np.uint16, mode="r")', 'return np.memmap(path, dtype=np.int16, mode="r")'),
        visible=True,
        learner=True,
        names_it="unsigned 16-bit",
    ),
    Mutant(
        "load_tokens",
        "copy-on-write mode (writeable in memory)",
        edit('return np.memmap(path, dtype=np.uint16, mode="r")', 'return np.memmap(path, dtype=np.uint16, mode="c")'),
        visible=True,
        learner=True,
        names_it="read-only",
    ),
    Mutant(
        "load_tokens",
        "a str path is not turned into a Path",
        edit("path = Path(path)", ""),
        visible=False,
    ),
    # ------------------------------------------------------------------ get_batch_memmap
    Mutant(
        "get_batch_memmap",
        "y not shifted (y = x)",
        edit(
            "return w[:, :-1].contiguous().to(device), w[:, 1:].contiguous().to(device)",
            "return w[:, :-1].contiguous().to(device), w[:, :-1].contiguous().to(device)",
        ),
        visible=True,
        learner=True,
        names_it="shifted by one",
    ),
    Mutant(
        "get_batch_memmap",
        "ids converted to int16 (large ids turn negative)",
        edit(
            "w = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size + 1], dtype=np.int64) for s in starts]))",
            "w = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size + 1], dtype=np.int16) for s in starts])).long()",
        ),
        visible=True,
        learner=True,
        names_it="not int16",
    ),
    Mutant(
        "get_batch_memmap",
        "ids left as int32",
        edit(
            "w = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size + 1], dtype=np.int64) for s in starts]))",
            "w = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size + 1], dtype=np.int32) for s in starts]))",
        ),
        visible=True,
        learner=True,
        names_it="torch.int64",
    ),
    Mutant(
        "get_batch_memmap",
        "the generator is ignored (global random state)",
        edit(
            "starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator).tolist()",
            "starts = torch.randint(len(tokens) - block_size, (batch_size,)).tolist()",
        ),
        visible=True,
        learner=True,
        names_it="generator you are given",
    ),
    Mutant(
        "get_batch_memmap",
        "never draws the last window (randint bound one too small)",
        edit(
            "starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator).tolist()",
            "starts = torch.randint(len(tokens) - block_size - 1, (batch_size,), generator=generator).tolist()",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "get_batch_memmap",
        "no error for a too-short array",
        edit(
            """
            if len(tokens) <= block_size:
                raise ValueError(f"need more than block_size={block_size} tokens, got {len(tokens)}")
            """,
            "",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "get_batch_memmap",
        "device ignored",
        edit(
            "return w[:, :-1].contiguous().to(device), w[:, 1:].contiguous().to(device)",
            "return w[:, :-1].contiguous(), w[:, 1:].contiguous()",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ fit_power_law
    Mutant(
        "fit_power_law",
        "returns log a instead of a",
        edit("return float(np.exp(intercept)), float(slope)", "return float(intercept), float(slope)"),
        visible=True,
        learner=True,
        names_it="not its log",
    ),
    Mutant(
        "fit_power_law",
        "a line through the first and last points only",
        edit(
            "slope, intercept = np.polyfit(np.log(x), np.log(y), 1)",
            """
            slope = (np.log(y[-1]) - np.log(y[0])) / (np.log(x[-1]) - np.log(x[0]))
            intercept = np.log(y[0]) - slope * np.log(x[0])
            """,
        ),
        visible=True,
        learner=True,
        names_it="through all the points",
    ),
    Mutant(
        "fit_power_law",
        "log x fitted against log y (axes swapped)",
        edit(
            "slope, intercept = np.polyfit(np.log(x), np.log(y), 1)",
            "slope, intercept = np.polyfit(np.log(y), np.log(x), 1)",
        ),
        visible=True,
        learner=True,
        names_it="log y against log x",
    ),
    Mutant(
        "fit_power_law",
        "no check of the inputs",
        edit(
            """
            if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
                raise ValueError(f"need two 1D sequences of the same length (at least 2), got shapes {x.shape} and {y.shape}")
            if (x <= 0).any() or (y <= 0).any():
                raise ValueError("every x and y must be positive to take logarithms")
            """,
            "",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "fit_power_law",
        "log10 for the fit, exp for the coefficient",
        edit(
            """
            slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
            """,
            """
            slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)
            """,
        ),
        visible=True,
        learner=True,
        names_it="natural logarithms",
    ),
    Mutant(
        "fit_power_law",
        "rejects one point but not none",
        edit(
            "if x.shape != y.shape or x.ndim != 1 or len(x) < 2:",
            "if x.shape != y.shape or x.ndim != 1 or len(x) == 1:",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ mixed_precision_step
    Mutant(
        "mixed_precision_step",
        "no autocast (a plain float32 step)",
        edit(
            """
            with torch.autocast(device_type=x.device.type, dtype=dtype):
                _, loss = model(x, y)
            """,
            "_, loss = model(x, y)",
        ),
        visible=True,
        learner=True,
        names_it="inside torch.autocast",
    ),
    Mutant(
        "mixed_precision_step",
        "converts the model to the 16-bit dtype",
        edit("optimizer.zero_grad(set_to_none=True)", "model.to(dtype)\noptimizer.zero_grad(set_to_none=True)"),
        visible=True,
        learner=True,
        names_it="stay float32",
    ),
    Mutant(
        "mixed_precision_step",
        "never zeroes the gradients",
        edit("optimizer.zero_grad(set_to_none=True)", ""),
        visible=True,
        learner=True,
        names_it="zero the gradients at the start of every step",
    ),
    Mutant(
        "mixed_precision_step",
        "always bfloat16, ignoring dtype",
        edit(
            "with torch.autocast(device_type=x.device.type, dtype=dtype):",
            "with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16):",
        ),
        visible=True,
        learner=True,
        names_it="dtype you are given",
    ),
    Mutant(
        "mixed_precision_step",
        "scaled backward, then optimizer.step() without unscaling",
        edit(
            """
            scaler.step(optimizer)
            scaler.update()
            """,
            "optimizer.step()",
        ),
        visible=True,
        learner=True,
        names_it="not unscaled",
    ),
    Mutant(
        "mixed_precision_step",
        "returns the loss tensor",
        edit("return loss.item()", "return loss"),
        visible=True,
        learner=True,
        names_it="Python float",
    ),
    Mutant(
        "mixed_precision_step",
        "scaler.update() forgotten",
        edit(
            """
            scaler.step(optimizer)
            scaler.update()
            """,
            "scaler.step(optimizer)",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ accumulated_step
    Mutant(
        "accumulated_step",
        "micro-batch losses not weighted (k times the gradient)",
        edit("weighted = loss * (x.size(0) / total)", "weighted = loss"),
        visible=True,
        learner=True,
        names_it="its share n_j / N",
    ),
    Mutant(
        "accumulated_step",
        "divides by the number of micro-batches (wrong for uneven sizes)",
        edit("weighted = loss * (x.size(0) / total)", "weighted = loss / len(micro_batches)"),
        visible=True,
        learner=True,
        names_it="not 1/k",
    ),
    Mutant(
        "accumulated_step",
        "steps after every micro-batch",
        edit(
            """
            weighted.backward()
            batch_loss += weighted.item()
            optimizer.step()
            """,
            """
            weighted.backward()
            batch_loss += weighted.item()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            """,
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "accumulated_step",
        "stale gradients from before the call kept",
        edit(
            """
            optimizer.zero_grad(set_to_none=True)
            batch_loss = 0.0
            """,
            "batch_loss = 0.0",
        ),
        visible=True,
        learner=True,
        names_it="zero the gradients once at the start",
    ),
    Mutant(
        "accumulated_step",
        "amp_dtype ignored (no autocast)",
        edit(
            """
            with torch.autocast(x.device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
                _, loss = model(x, y)
            """,
            "_, loss = model(x, y)",
        ),
        visible=True,
        learner=True,
        names_it="autocast should be on",
    ),
    Mutant(
        "accumulated_step",
        "returns the plain mean of the micro-batch losses",
        edit("batch_loss += weighted.item()", "batch_loss += loss.item() / len(micro_batches)"),
        visible=True,
        learner=True,
        names_it="weighted sum",
    ),
    Mutant(
        "accumulated_step",
        "always bfloat16 under amp (amp_dtype's value ignored)",
        edit(
            "with torch.autocast(x.device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):",
            "with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=amp_dtype is not None):",
        ),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "train_byte_bpe": """
def train_byte_bpe(text, vocab_size):
    if vocab_size < 256:
        raise ValueError("need at least the 256 byte ids")
    seq = [b for b in text.encode("utf-8")]
    result = []
    for new in range(256, vocab_size):
        if len(seq) < 2:
            break
        freq = {}
        for a, b in zip(seq[:-1], seq[1:]):
            freq[(a, b)] = freq.get((a, b), 0) + 1
        top = max(freq.values())
        best = sorted(p for p, n in freq.items() if n == top)[0]
        result.append(best)
        merged, j = [], 0
        while j < len(seq):
            if seq[j:j + 2] == list(best):
                merged.append(new)
                j += 2
            else:
                merged.append(seq[j])
                j += 1
        seq = merged
    return result
""",
    "bpe_encode": """
def bpe_encode(text, merges):
    seq = list(bytearray(text.encode("utf-8")))
    for k, (a, b) in enumerate(merges):
        merged, j = [], 0
        while j < len(seq):
            if j + 1 < len(seq) and seq[j] == a and seq[j + 1] == b:
                merged.append(256 + k)
                j += 2
            else:
                merged.append(seq[j])
                j += 1
        seq = merged
    return [int(t) for t in seq]
""",
    "bpe_decode": """
def bpe_decode(ids, merges):
    pieces = [bytes([b]) for b in range(256)]
    for a, b in merges:
        pieces.append(pieces[a] + pieces[b])
    out = bytearray()
    for t in ids:
        if not 0 <= t < len(pieces):
            raise ValueError(f"unknown token id {t}")
        out += pieces[t]
    return bytes(out).decode("utf-8", "replace")
""",
    "train_bpe": """
def train_bpe(text_path, vocab_size, model_prefix):
    src = Path(text_path)
    if not src.exists() or src.is_dir():
        raise FileNotFoundError(f"cannot train: {src} does not exist")
    options = dict(model_type="bpe", vocab_size=vocab_size, character_coverage=1.0,
                   normalization_rule_name="identity", remove_extra_whitespaces=False,
                   add_dummy_prefix=False, allow_whitespace_only_pieces=True,
                   user_defined_symbols=["\\n"], byte_fallback=True, minloglevel=2)
    spm.SentencePieceTrainer.train(input=str(src), model_prefix=str(model_prefix), **options)
    processor = spm.SentencePieceProcessor()
    processor.load(str(model_prefix) + ".model")
    return processor
""",
    "bits_per_char": """
def bits_per_char(mean_nll_per_token, n_tokens, n_chars):
    if min(n_tokens, n_chars) <= 0:
        raise ValueError("token and character counts must be positive")
    total_bits = float(mean_nll_per_token) / math.log(2) * n_tokens
    return total_bits / n_chars
""",
    "write_tokens": """
def write_tokens(ids, path):
    if isinstance(ids, torch.Tensor):
        ids = ids.detach().cpu().numpy()
    data = np.array(ids, dtype=np.int64, copy=True)
    if data.ndim != 1 or len(data) == 0 or data.min() < 0 or data.max() >= 2 ** 16:
        raise ValueError("need a non-empty 1D list of ids in [0, 65535]")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        f.write(data.astype("<u2").tobytes())
    return out
""",
    "load_tokens": """
def load_tokens(path):
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p} does not exist")
    if os.path.getsize(p) % 2 != 0:
        raise ValueError(f"{p}: odd size, not uint16 tokens")
    return np.memmap(str(p), dtype="uint16", mode="readonly")
""",
    "get_batch_memmap": """
def get_batch_memmap(tokens, block_size, batch_size, generator=None, device="cpu"):
    if getattr(tokens, "ndim", 1) != 1 or len(tokens) < block_size + 1:
        raise ValueError("tokens must be 1D and longer than block_size")
    ix = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator)
    xs, ys = [], []
    for s in ix.tolist():
        chunk = torch.tensor(np.array(tokens[s:s + block_size + 1]).astype(np.int64))
        xs.append(chunk[:-1])
        ys.append(chunk[1:])
    return torch.stack(xs).to(device), torch.stack(ys).to(device)
""",
    "fit_power_law": """
def fit_power_law(x, y):
    if len(x) != len(y) or len(x) < 2 or min(x) <= 0 or min(y) <= 0:
        raise ValueError("need at least two positive (x, y) points")
    lx, ly = np.log(np.array(x, dtype=float)), np.log(np.array(y, dtype=float))
    A = np.vstack([lx, np.ones_like(lx)]).T
    (b, loga), *_ = np.linalg.lstsq(A, ly, rcond=None)
    return float(math.exp(loga)), float(b)
""",
    "mixed_precision_step": """
def mixed_precision_step(model, optimizer, x, y, dtype=torch.bfloat16, scaler=None):
    for group in optimizer.param_groups:
        for p in group["params"]:
            p.grad = None
    with torch.autocast(x.device.type, dtype):
        out = model(x, y)
    loss = out[1]
    if scaler is None:
        loss.backward()
        optimizer.step()
    else:
        scaled = scaler.scale(loss)
        scaled.backward()
        scaler.step(optimizer)
        scaler.update()
    return float(loss.detach())
""",
    "accumulated_step": """
def accumulated_step(model, optimizer, micro_batches, amp_dtype=None):
    import contextlib
    n_total = sum(len(mb[0]) for mb in micro_batches)
    optimizer.zero_grad()
    losses = []
    for xb, yb in micro_batches:
        ctx = torch.autocast(xb.device.type, dtype=amp_dtype) if amp_dtype is not None else contextlib.nullcontext()
        with ctx:
            mean_loss = model(xb, yb)[1]
        share = len(xb) / n_total
        (mean_loss * share).backward()
        losses.append(mean_loss.item() * share)
    optimizer.step()
    return float(sum(losses))
""",
}
