"""Plausible wrong implementations of the Week 10 exercises (both notebooks of the week)."""

from tests.mutants import Mutant

_MPS_HEAD = "def mixed_precision_step(model, optimizer, x, y, dtype=torch.bfloat16, scaler=None):\n"
_ACC_HEAD = "def accumulated_step(model, optimizer, micro_batches, amp_dtype=None):\n"

_LORA_OK_INIT = """
class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        w = base.weight
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=w.dtype, device=w.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
"""
_LORA_OK_FORWARD = """
    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling
"""
_LORA_OK_MERGE = """
    def merge(self):
        b = self.base
        merged = nn.Linear(b.in_features, b.out_features, bias=b.bias is not None, dtype=b.weight.dtype)
        with torch.no_grad():
            merged.weight.copy_(b.weight + self.scaling * (self.lora_B @ self.lora_A))
            if b.bias is not None:
                merged.bias.copy_(b.bias)
        return merged
"""

MUTANTS = [
    # ----------------------------------------------------------------- part 1: bpe_and_scaling
    # train_bpe
    Mutant(
        "train_bpe",
        "sentencepiece's default normalization (not lossless)",
        """
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(input=str(text_path), model_prefix=str(model_prefix), vocab_size=vocab_size,
                                   model_type="bpe", minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
""",
        visible=True,
        names_it="turn off normalization",
    ),
    Mutant(
        "train_bpe",
        "no byte fallback (unseen characters become <unk>)",
        """
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size), model_type="bpe",
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"], minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
""",
        visible=False,
    ),
    Mutant(
        "train_bpe",
        "model_type left at the default (unigram)",
        """
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size),
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"],
        byte_fallback=True, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
""",
        visible=False,
    ),
    Mutant(
        "train_bpe",
        "vocabulary size hard-coded",
        """
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=500, model_type="bpe",
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"],
        byte_fallback=True, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
""",
        visible=False,
    ),
    Mutant(
        "train_bpe",
        "no check for a missing file (sentencepiece's own error)",
        """
def train_bpe(text_path, vocab_size, model_prefix):
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size), model_type="bpe",
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"],
        byte_fallback=True, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
""",
        visible=False,
    ),
    Mutant(
        "train_bpe",
        "returns nothing (the trainer's result)",
        """
def train_bpe(text_path, vocab_size, model_prefix):
    return spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size), model_type="bpe",
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=False,
        byte_fallback=True, minloglevel=2)
""",
        visible=True,
    ),
    # bits_per_char
    Mutant(
        "bits_per_char",
        "nats instead of bits (no division by ln 2)",
        """
def bits_per_char(mean_nll_per_token, n_tokens, n_chars):
    if n_tokens <= 0 or n_chars <= 0:
        raise ValueError("bad counts")
    return float(mean_nll_per_token) * n_tokens / n_chars
""",
        visible=True,
        names_it="divide nats by ln 2",
    ),
    Mutant(
        "bits_per_char",
        "ratio inverted (chars per token)",
        """
def bits_per_char(mean_nll_per_token, n_tokens, n_chars):
    if n_tokens <= 0 or n_chars <= 0:
        raise ValueError("bad counts")
    return float(mean_nll_per_token) * n_chars / (n_tokens * math.log(2))
""",
        visible=True,
    ),
    Mutant(
        "bits_per_char",
        "no error on zero counts",
        """
def bits_per_char(mean_nll_per_token, n_tokens, n_chars):
    return float(mean_nll_per_token) * n_tokens / (max(n_chars, 1) * math.log(2))
""",
        visible=False,
    ),
    # mixed_precision_step
    Mutant(
        "mixed_precision_step",
        "no autocast (plain float32 step)",
        _MPS_HEAD
        + """
    optimizer.zero_grad(set_to_none=True)
    _, loss = model(x, y)
    loss.backward()
    optimizer.step()
    return loss.item()
""",
        visible=True,
        names_it="inside torch.autocast",
    ),
    Mutant(
        "mixed_precision_step",
        "converts the model to bfloat16",
        _MPS_HEAD
        + """
    model.to(dtype)
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        _, loss = model(x, y)
    loss.backward()
    optimizer.step()
    return loss.item()
""",
        visible=True,
    ),
    Mutant(
        "mixed_precision_step",
        "never zeroes the gradients",
        _MPS_HEAD
        + """
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        _, loss = model(x, y)
    if scaler is not None:
        scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()
    else:
        loss.backward(); optimizer.step()
    return loss.item()
""",
        visible=False,
    ),
    Mutant(
        "mixed_precision_step",
        "always bfloat16, ignoring dtype",
        _MPS_HEAD
        + """
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16):
        _, loss = model(x, y)
    if scaler is not None:
        scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()
    else:
        loss.backward(); optimizer.step()
    return loss.item()
""",
        visible=False,
    ),
    Mutant(
        "mixed_precision_step",
        "scaled backward but optimizer.step() without unscaling",
        _MPS_HEAD
        + """
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        _, loss = model(x, y)
    if scaler is not None:
        scaler.scale(loss).backward()
        optimizer.step()
        scaler.update()
    else:
        loss.backward(); optimizer.step()
    return loss.item()
""",
        visible=False,
    ),
    Mutant(
        "mixed_precision_step",
        "returns the loss tensor",
        _MPS_HEAD
        + """
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        _, loss = model(x, y)
    loss.backward(); optimizer.step()
    return loss
""",
        visible=True,
    ),
    # accumulated_step
    Mutant(
        "accumulated_step",
        "micro-batch losses not weighted (k times the gradient)",
        _ACC_HEAD
        + """
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in micro_batches:
        _, loss = model(x, y)
        loss.backward()
        total += loss.item()
    optimizer.step()
    return total / len(micro_batches)
""",
        visible=True,
        names_it="its share",
    ),
    Mutant(
        "accumulated_step",
        "steps after every micro-batch",
        _ACC_HEAD
        + """
    total = 0.0
    n = sum(x.size(0) for x, _ in micro_batches)
    for x, y in micro_batches:
        optimizer.zero_grad(set_to_none=True)
        _, loss = model(x, y)
        (loss * x.size(0) / n).backward()
        optimizer.step()
        total += loss.item() * x.size(0) / n
    return total
""",
        visible=True,
    ),
    Mutant(
        "accumulated_step",
        "divides by the number of micro-batches (wrong for uneven sizes)",
        _ACC_HEAD
        + """
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in micro_batches:
        with torch.autocast(x.device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
            _, loss = model(x, y)
        (loss / len(micro_batches)).backward()
        total += loss.item() / len(micro_batches)
    optimizer.step()
    return total
""",
        visible=False,
    ),
    Mutant(
        "accumulated_step",
        "does not zero stale gradients first",
        _ACC_HEAD
        + """
    n = sum(x.size(0) for x, _ in micro_batches)
    total = 0.0
    for x, y in micro_batches:
        with torch.autocast(x.device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
            _, loss = model(x, y)
        (loss * x.size(0) / n).backward()
        total += loss.item() * x.size(0) / n
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return total
""",
        visible=False,
    ),
    Mutant(
        "accumulated_step",
        "ignores amp_dtype",
        _ACC_HEAD
        + """
    n = sum(x.size(0) for x, _ in micro_batches)
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in micro_batches:
        _, loss = model(x, y)
        (loss * x.size(0) / n).backward()
        total += loss.item() * x.size(0) / n
    optimizer.step()
    return total
""",
        visible=False,
    ),
    # ----------------------------------------------------------------- part 2: finetuning_and_safety
    # LoRALinear
    Mutant(
        "LoRALinear",
        "B initialised randomly (not the identity at init)",
        _LORA_OK_INIT.replace("torch.zeros(base.out_features, r", "torch.randn(base.out_features, r")
        + _LORA_OK_FORWARD
        + _LORA_OK_MERGE,
        visible=True,
        names_it="lora_B starts at zero",
    ),
    Mutant(
        "LoRALinear",
        "base layer left trainable",
        _LORA_OK_INIT.replace("p.requires_grad_(False)", "pass") + _LORA_OK_FORWARD + _LORA_OK_MERGE,
        visible=True,
    ),
    Mutant(
        "LoRALinear",
        "merge forgets the alpha / r scaling",
        _LORA_OK_INIT
        + _LORA_OK_FORWARD
        + _LORA_OK_MERGE.replace(
            "b.weight + self.scaling * (self.lora_B @ self.lora_A)", "b.weight + self.lora_B @ self.lora_A"
        ),
        visible=True,
    ),
    Mutant(
        "LoRALinear",
        "scaling by alpha instead of alpha / r",
        _LORA_OK_INIT.replace("self.scaling = r, alpha, alpha / r", "self.scaling = r, alpha, alpha")
        + _LORA_OK_FORWARD
        + _LORA_OK_MERGE,
        visible=False,
    ),
    Mutant(
        "LoRALinear",
        "A and B both start at zero (no gradient ever flows)",
        _LORA_OK_INIT.replace("nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))", "nn.init.zeros_(self.lora_A)")
        + _LORA_OK_FORWARD
        + _LORA_OK_MERGE,
        visible=False,
    ),
    Mutant(
        "LoRALinear",
        "merge adds the update into the base weight in place",
        _LORA_OK_INIT
        + _LORA_OK_FORWARD
        + """
    def merge(self):
        with torch.no_grad():
            self.base.weight += self.scaling * (self.lora_B @ self.lora_A)
        return self.base
""",
        visible=True,
    ),
    Mutant(
        "LoRALinear",
        "factors created in float32 whatever the base dtype",
        _LORA_OK_INIT.replace("dtype=w.dtype, device=w.device", "device=w.device") + _LORA_OK_FORWARD + _LORA_OK_MERGE,
        visible=False,
    ),
    # instruction_example
    Mutant(
        "instruction_example",
        "masks one label too many (the first answer token)",
        """
def instruction_example(prompt_ids, answer_ids):
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    x, y = ids[:-1], ids[1:].clone()
    y[: len(prompt_ids)] = -100
    return x, y
""",
        visible=True,
        names_it="labels of prompt tokens set to -100",
    ),
    Mutant(
        "instruction_example",
        "no shift between inputs and labels",
        """
def instruction_example(prompt_ids, answer_ids):
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    y = ids.clone()
    y[: len(prompt_ids)] = -100
    return ids, y
""",
        visible=True,
    ),
    Mutant(
        "instruction_example",
        "masks by token value instead of position",
        """
def instruction_example(prompt_ids, answer_ids):
    if len(prompt_ids) == 0 or len(answer_ids) == 0:
        raise ValueError("empty")
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    x, y = ids[:-1], ids[1:].clone()
    y[torch.isin(y, torch.tensor(list(prompt_ids)))] = -100
    return x, y
""",
        visible=False,
    ),
    Mutant(
        "instruction_example",
        "no error on an empty prompt or answer",
        """
def instruction_example(prompt_ids, answer_ids):
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    x, y = ids[:-1], ids[1:].clone()
    y[: max(len(prompt_ids) - 1, 0)] = -100
    return x, y
""",
        visible=False,
    ),
    # memorization_rate
    Mutant(
        "memorization_rate",
        "character n-grams instead of words",
        """
def memorization_rate(generated, reference, n=4):
    gen = [generated[i:i + n] for i in range(len(generated) - n + 1)]
    if not gen:
        return float("nan")
    return sum(g in reference for g in gen) / len(gen)
""",
        visible=True,
        names_it="(quick brown) yes",
    ),
    Mutant(
        "memorization_rate",
        "generated n-grams deduplicated",
        """
def memorization_rate(generated, reference, n=4):
    def grams(t):
        w = t.split()
        return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
    gen = grams(generated)
    if not gen:
        return float("nan")
    return len(gen & grams(reference)) / len(gen)
""",
        visible=False,
    ),
    Mutant(
        "memorization_rate",
        "substring search in the reference (partial words match)",
        """
def memorization_rate(generated, reference, n=4):
    w = generated.split()
    gen = [" ".join(w[i:i + n]) for i in range(len(w) - n + 1)]
    if not gen:
        return float("nan")
    return sum(g in " ".join(reference.split()) for g in gen) / len(gen)
""",
        visible=False,
    ),
    Mutant(
        "memorization_rate",
        "splits on single spaces only",
        """
def memorization_rate(generated, reference, n=4):
    def grams(t):
        w = t.split(" ")
        return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]
    gen = grams(generated)
    if not gen:
        return float("nan")
    ref = set(grams(reference))
    return sum(g in ref for g in gen) / len(gen)
""",
        visible=False,
    ),
    Mutant(
        "memorization_rate",
        "0.0 instead of nan for a text shorter than n",
        """
def memorization_rate(generated, reference, n=4):
    def grams(t):
        w = t.split()
        return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]
    gen = grams(generated)
    ref = set(grams(reference))
    return sum(g in ref for g in gen) / max(len(gen), 1)
""",
        visible=False,
    ),
    # flag_toxic
    Mutant(
        "flag_toxic",
        "case-sensitive matching",
        """
import re
def flag_toxic(text, blocklist):
    block = set(blocklist)
    return [w.strip("'") for w in re.findall(r"[A-Za-z']+", text) if w.strip("'") in block]
""",
        visible=True,
        names_it="compared in lower case",
    ),
    Mutant(
        "flag_toxic",
        "substring matching (the Scunthorpe problem)",
        """
def flag_toxic(text, blocklist):
    low = text.lower()
    return [w.lower() for w in blocklist if w.lower() in low]
""",
        visible=False,
    ),
    Mutant(
        "flag_toxic",
        "each word reported once, sorted",
        """
import re
def flag_toxic(text, blocklist):
    block = {w.lower() for w in blocklist}
    return sorted({w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text)} & block)
""",
        visible=False,
    ),
]

_BPE_HEAD = """
def train_byte_bpe(text, vocab_size):
    if vocab_size < 256:
        raise ValueError("vocab_size < 256")
    ids = list(text.encode("utf-8"))
    merges = []
    for k in range(vocab_size - 256):
        if len(ids) < 2:
            break
        counts = Counter(zip(ids, ids[1:]))
"""
_BPE_TAIL = """
        merges.append(pair)
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(256 + k); i += 2
            else:
                out.append(ids[i]); i += 1
        ids = out
    return merges
"""
_ENC = """
def bpe_encode(text, merges):
    ids = list(text.encode("utf-8"))
    rank = {tuple(p): k for k, p in enumerate(merges)}
    while len(ids) >= 2:
        pair = min(set(zip(ids, ids[1:])), key=lambda p: rank.get(p, len(rank)))
        if pair not in rank:
            break
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(256 + rank[pair]); i += 2
            else:
                out.append(ids[i]); i += 1
        ids = out
    return ids
"""
_DEC = """
def bpe_decode(ids, merges):
    vocab = {i: bytes([i]) for i in range(256)}
    for k, (a, b) in enumerate(merges):
        vocab[256 + k] = vocab[a] + vocab[b]
    for i in ids:
        if i not in vocab:
            raise ValueError("bad id")
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
"""

MUTANTS += [
    # train_byte_bpe
    Mutant(
        "train_byte_bpe",
        "ties broken by the first pair seen (Counter.most_common)",
        _BPE_HEAD + "        pair = counts.most_common(1)[0][0]\n" + _BPE_TAIL,
        visible=True,
        names_it="ties go to the smallest pair",
    ),
    Mutant(
        "train_byte_bpe",
        "ties broken by the larger pair",
        _BPE_HEAD + "        pair = max(counts, key=lambda p: (counts[p], p))\n" + _BPE_TAIL,
        visible=True,
        names_it="ties go to the smallest pair",
    ),
    Mutant(
        "train_byte_bpe",
        "characters (ord) instead of UTF-8 bytes",
        _BPE_HEAD.replace('list(text.encode("utf-8"))', "[ord(c) for c in text]")
        + "        pair = min(counts, key=lambda p: (-counts[p], p))\n"
        + _BPE_TAIL,
        visible=False,
    ),
    Mutant(
        "train_byte_bpe",
        "no error for vocab_size < 256",
        _BPE_HEAD.replace('raise ValueError("vocab_size < 256")', "return []")
        + "        pair = min(counts, key=lambda p: (-counts[p], p))\n"
        + _BPE_TAIL,
        visible=False,
    ),
    Mutant(
        "train_byte_bpe",
        "crashes when the text runs out of pairs",
        _BPE_HEAD.replace("        if len(ids) < 2:\n            break\n", "")
        + "        pair = min(counts, key=lambda p: (-counts[p], p))\n"
        + _BPE_TAIL,
        visible=False,
    ),
    # bpe_encode
    Mutant(
        "bpe_encode",
        "ord() of the characters instead of UTF-8 bytes",
        _ENC.replace('list(text.encode("utf-8"))', "[ord(c) for c in text]"),
        visible=True,
        names_it="UTF-8 bytes",
    ),
    Mutant(
        "bpe_encode",
        "merges applied in reverse order",
        _ENC.replace(
            "rank = {tuple(p): k for k, p in enumerate(merges)}",
            "rank = {tuple(p): k for k, p in enumerate(merges)}\n    order = {p: -k for p, k in rank.items()}",
        ).replace("key=lambda p: rank.get(p, len(rank))", "key=lambda p: order.get(p, 1)"),
        visible=False,
    ),
    Mutant(
        "bpe_encode",
        "crashes on an empty or one-byte text",
        _ENC.replace("    while len(ids) >= 2:", "    while True:"),
        visible=False,
    ),
    Mutant(
        "bpe_encode",
        "merges must be tuples (lists are not found)",
        _ENC.replace("rank = {tuple(p): k", "rank = {p if isinstance(p, tuple) else id(p): k"),
        visible=False,
    ),
    # bpe_decode
    Mutant(
        "bpe_decode",
        "each token decoded on its own",
        _DEC.replace(
            'return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")',
            'return "".join(vocab[i].decode("utf-8", errors="replace") for i in ids)',
        ),
        visible=True,
        names_it="split across tokens",
    ),
    Mutant("bpe_decode", "strict UTF-8 (invalid bytes raise)", _DEC.replace(', errors="replace"', ""), visible=False),
    Mutant(
        "bpe_decode",
        "no error for an unknown id",
        _DEC.replace('            raise ValueError("bad id")', "            pass").replace(
            "vocab[i] for i in ids", "vocab.get(i, b'') for i in ids"
        ),
        visible=False,
    ),
    # write_tokens
    Mutant(
        "write_tokens",
        "int64 on disk (8 bytes a token)",
        """
def write_tokens(ids, path):
    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.size == 0 or arr.min() < 0 or arr.max() > 65535:
        raise ValueError("bad ids")
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    arr.astype(np.int64).tofile(path)
    return path
""",
        visible=True,
        names_it="uint16 (2 bytes a token)",
    ),
    Mutant(
        "write_tokens",
        "ids above 65535 silently wrapped",
        """
def write_tokens(ids, path):
    arr = ids.numpy() if torch.is_tensor(ids) else np.asarray(ids)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("bad ids")
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    arr.astype(np.uint16).tofile(path)
    return path
""",
        visible=False,
    ),
    Mutant(
        "write_tokens",
        "parent folder not created",
        """
def write_tokens(ids, path):
    arr = ids.numpy() if torch.is_tensor(ids) else np.asarray(ids)
    if arr.ndim != 1 or arr.size == 0 or arr.min() < 0 or arr.max() > 65535:
        raise ValueError("bad ids")
    path = Path(path)
    arr.astype(np.uint16).tofile(path)
    return path
""",
        visible=False,
    ),
    # load_tokens
    Mutant(
        "load_tokens",
        "np.fromfile (the whole file in memory)",
        """
def load_tokens(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(str(path))
    if path.stat().st_size % 2:
        raise ValueError("odd size")
    return np.fromfile(path, dtype=np.uint16)
""",
        visible=True,
        names_it="np.memmap reads only what you index",
    ),
    Mutant(
        "load_tokens",
        "writeable memmap (mode r+)",
        """
def load_tokens(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(str(path))
    if path.stat().st_size % 2:
        raise ValueError("odd size")
    return np.memmap(path, dtype=np.uint16, mode="r+")
""",
        visible=False,
    ),
    Mutant(
        "load_tokens",
        "no check of the path (numpy's own error, without the name)",
        """
def load_tokens(path):
    try:
        return np.memmap(path, dtype=np.uint16, mode="r")
    except FileNotFoundError:
        raise FileNotFoundError("no such token file")
""",
        visible=False,
    ),
    # get_batch_memmap
    Mutant(
        "get_batch_memmap",
        "y not shifted (y = x)",
        """
def get_batch_memmap(tokens, block_size, batch_size, generator=None, device="cpu"):
    if tokens.ndim != 1 or len(tokens) <= block_size:
        raise ValueError("bad tokens")
    starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator).tolist()
    x = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size], dtype=np.int64) for s in starts]))
    return x.to(device), x.clone().to(device)
""",
        visible=True,
        names_it="shifted by one",
    ),
    Mutant(
        "get_batch_memmap",
        "ids kept as uint16/int32 (not int64)",
        """
def get_batch_memmap(tokens, block_size, batch_size, generator=None, device="cpu"):
    if tokens.ndim != 1 or len(tokens) <= block_size:
        raise ValueError("bad tokens")
    starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator).tolist()
    w = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size + 1], dtype=np.int32) for s in starts]))
    return w[:, :-1].to(device), w[:, 1:].to(device)
""",
        visible=True,
    ),
    Mutant(
        "get_batch_memmap",
        "never draws the last window (randint bound one too small)",
        """
def get_batch_memmap(tokens, block_size, batch_size, generator=None, device="cpu"):
    if tokens.ndim != 1 or len(tokens) <= block_size + 1:
        raise ValueError("bad tokens")
    starts = torch.randint(len(tokens) - block_size - 1, (batch_size,), generator=generator).tolist()
    w = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size + 1], dtype=np.int64) for s in starts]))
    return w[:, :-1].to(device), w[:, 1:].to(device)
""",
        visible=False,
    ),
    Mutant(
        "get_batch_memmap",
        "no error for a too-short array",
        """
def get_batch_memmap(tokens, block_size, batch_size, generator=None, device="cpu"):
    starts = torch.randint(max(len(tokens) - block_size, 1), (batch_size,), generator=generator).tolist()
    w = torch.from_numpy(np.stack([np.asarray(tokens[s:s + block_size + 1], dtype=np.int64) for s in starts]))
    return w[:, :-1].to(device), w[:, 1:].to(device)
""",
        visible=False,
    ),
    # fit_power_law
    Mutant(
        "fit_power_law",
        "returns log a instead of a",
        """
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or len(x) < 2 or (x <= 0).any() or (y <= 0).any():
        raise ValueError("bad input")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(intercept), float(slope)
""",
        visible=True,
        names_it="not its log",
    ),
    Mutant(
        "fit_power_law",
        "a line through the first and last points only",
        """
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or len(x) < 2 or (x <= 0).any() or (y <= 0).any():
        raise ValueError("bad input")
    b = (np.log(y[-1]) - np.log(y[0])) / (np.log(x[-1]) - np.log(x[0]))
    return float(np.exp(np.log(y[0]) - b * np.log(x[0]))), float(b)
""",
        visible=False,
    ),
    Mutant(
        "fit_power_law",
        "no check of the inputs",
        """
def fit_power_law(x, y):
    with np.errstate(all="ignore"):
        slope, intercept = np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)
    return float(np.exp(intercept)), float(slope)
""",
        visible=False,
    ),
    # replay_loss
    Mutant(
        "replay_loss",
        "one mean over the joined batch",
        """
def replay_loss(model, inst_x, inst_y, lm_x, lm_y, replay_weight=1.0):
    if not bool((inst_y != -100).any()):
        raise ValueError("no answer label")
    if lm_x is None:
        lo = model(inst_x)[0]
        return F.cross_entropy(lo.reshape(-1, lo.size(-1)), inst_y.reshape(-1), ignore_index=-100)
    T = max(inst_x.size(1), lm_x.size(1))
    X = torch.cat([F.pad(inst_x, (0, T - inst_x.size(1))), F.pad(lm_x, (0, T - lm_x.size(1)))])
    Y = torch.cat([F.pad(inst_y, (0, T - inst_y.size(1)), value=-100), F.pad(lm_y, (0, T - lm_y.size(1)), value=-100)])
    lo = model(X)[0]
    return F.cross_entropy(lo.reshape(-1, lo.size(-1)), Y.reshape(-1), ignore_index=-100)
""",
        visible=True,
        names_it="averaged separately",
    ),
    Mutant(
        "replay_loss",
        "replay_weight ignored",
        """
def replay_loss(model, inst_x, inst_y, lm_x, lm_y, replay_weight=1.0):
    if not bool((inst_y != -100).any()):
        raise ValueError("no answer label")
    lo = model(inst_x)[0]
    loss = F.cross_entropy(lo.reshape(-1, lo.size(-1)), inst_y.reshape(-1), ignore_index=-100)
    if lm_x is not None:
        ll = model(lm_x)[0]
        loss = loss + F.cross_entropy(ll.reshape(-1, ll.size(-1)), lm_y.reshape(-1))
    return loss
""",
        visible=False,
    ),
    Mutant(
        "replay_loss",
        "no error for a batch without answer labels (NaN)",
        """
def replay_loss(model, inst_x, inst_y, lm_x, lm_y, replay_weight=1.0):
    lo = model(inst_x)[0]
    loss = F.cross_entropy(lo.reshape(-1, lo.size(-1)), inst_y.reshape(-1), ignore_index=-100)
    if lm_x is not None:
        ll = model(lm_x)[0]
        loss = loss + replay_weight * F.cross_entropy(ll.reshape(-1, ll.size(-1)), lm_y.reshape(-1))
    return loss
""",
        visible=False,
    ),
    # exposure
    Mutant(
        "exposure",
        "M counts only the alternatives",
        """
def exposure(secret_logprob, other_logprobs):
    others = [float(o) for o in other_logprobs]
    if not others:
        raise ValueError("no alternatives")
    rank = 1 + sum(o > float(secret_logprob) for o in others)
    return math.log2(len(others)) - math.log2(rank)
""",
        visible=True,
        names_it="counts the secret too",
    ),
    Mutant(
        "exposure",
        "ties counted against the secret",
        """
def exposure(secret_logprob, other_logprobs):
    others = [float(o) for o in other_logprobs]
    if not others:
        raise ValueError("no alternatives")
    rank = 1 + sum(o >= float(secret_logprob) for o in others)
    return math.log2(len(others) + 1) - math.log2(rank)
""",
        visible=False,
    ),
    Mutant(
        "exposure",
        "no error without alternatives",
        """
def exposure(secret_logprob, other_logprobs):
    others = [float(o) for o in other_logprobs]
    rank = 1 + sum(o > float(secret_logprob) for o in others)
    return math.log2(len(others) + 1) - math.log2(rank)
""",
        visible=False,
    ),
]
