"""Plausible wrong implementations of the Week 10 exercises (both notebooks of the week)."""

from tests.mutants import Mutant

_MPS_HEAD = "def mixed_precision_step(model, optimizer, x, y, dtype=torch.bfloat16, scaler=None):\n"
_ACC_HEAD = "def accumulated_step(model, optimizer, micro_batches, amp_dtype=None):\n"

_LORA_OK_INIT = '''
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
'''
_LORA_OK_FORWARD = '''
    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling
'''
_LORA_OK_MERGE = '''
    def merge(self):
        b = self.base
        merged = nn.Linear(b.in_features, b.out_features, bias=b.bias is not None, dtype=b.weight.dtype)
        with torch.no_grad():
            merged.weight.copy_(b.weight + self.scaling * (self.lora_B @ self.lora_A))
            if b.bias is not None:
                merged.bias.copy_(b.bias)
        return merged
'''

MUTANTS = [
    # ----------------------------------------------------------------- part 1: bpe_and_scaling
    # train_bpe
    Mutant("train_bpe", "sentencepiece's default normalization (not lossless)", '''
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(input=str(text_path), model_prefix=str(model_prefix), vocab_size=vocab_size,
                                   model_type="bpe", minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
''', visible=True),
    Mutant("train_bpe", "no byte fallback (unseen characters become <unk>)", '''
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size), model_type="bpe",
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"], minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
''', visible=False),
    Mutant("train_bpe", "model_type left at the default (unigram)", '''
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size),
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"],
        byte_fallback=True, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
''', visible=False),
    Mutant("train_bpe", "vocabulary size hard-coded", '''
def train_bpe(text_path, vocab_size, model_prefix):
    if not Path(text_path).is_file():
        raise FileNotFoundError(str(text_path))
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=500, model_type="bpe",
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"],
        byte_fallback=True, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
''', visible=False),
    Mutant("train_bpe", "no check for a missing file (sentencepiece's own error)", '''
def train_bpe(text_path, vocab_size, model_prefix):
    spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size), model_type="bpe",
        character_coverage=1.0, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=False, allow_whitespace_only_pieces=True, user_defined_symbols=["\\n"],
        byte_fallback=True, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=f"{model_prefix}.model")
''', visible=False),
    Mutant("train_bpe", "returns nothing (the trainer's result)", '''
def train_bpe(text_path, vocab_size, model_prefix):
    return spm.SentencePieceTrainer.train(
        input=str(text_path), model_prefix=str(model_prefix), vocab_size=int(vocab_size), model_type="bpe",
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=False,
        byte_fallback=True, minloglevel=2)
''', visible=True),
    # bits_per_char
    Mutant("bits_per_char", "nats instead of bits (no division by ln 2)", '''
def bits_per_char(mean_nll_per_token, n_tokens, n_chars):
    if n_tokens <= 0 or n_chars <= 0:
        raise ValueError("bad counts")
    return float(mean_nll_per_token) * n_tokens / n_chars
''', visible=True),
    Mutant("bits_per_char", "ratio inverted (chars per token)", '''
def bits_per_char(mean_nll_per_token, n_tokens, n_chars):
    if n_tokens <= 0 or n_chars <= 0:
        raise ValueError("bad counts")
    return float(mean_nll_per_token) * n_chars / (n_tokens * math.log(2))
''', visible=True),
    Mutant("bits_per_char", "no error on zero counts", '''
def bits_per_char(mean_nll_per_token, n_tokens, n_chars):
    return float(mean_nll_per_token) * n_tokens / (max(n_chars, 1) * math.log(2))
''', visible=False),
    # mixed_precision_step
    Mutant("mixed_precision_step", "no autocast (plain float32 step)", _MPS_HEAD + '''
    optimizer.zero_grad(set_to_none=True)
    _, loss = model(x, y)
    loss.backward()
    optimizer.step()
    return loss.item()
''', visible=True),
    Mutant("mixed_precision_step", "converts the model to bfloat16", _MPS_HEAD + '''
    model.to(dtype)
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        _, loss = model(x, y)
    loss.backward()
    optimizer.step()
    return loss.item()
''', visible=True),
    Mutant("mixed_precision_step", "never zeroes the gradients", _MPS_HEAD + '''
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        _, loss = model(x, y)
    if scaler is not None:
        scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()
    else:
        loss.backward(); optimizer.step()
    return loss.item()
''', visible=False),
    Mutant("mixed_precision_step", "always bfloat16, ignoring dtype", _MPS_HEAD + '''
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16):
        _, loss = model(x, y)
    if scaler is not None:
        scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()
    else:
        loss.backward(); optimizer.step()
    return loss.item()
''', visible=False),
    Mutant("mixed_precision_step", "scaled backward but optimizer.step() without unscaling", _MPS_HEAD + '''
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
''', visible=False),
    Mutant("mixed_precision_step", "returns the loss tensor", _MPS_HEAD + '''
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        _, loss = model(x, y)
    loss.backward(); optimizer.step()
    return loss
''', visible=True),
    # accumulated_step
    Mutant("accumulated_step", "micro-batch losses not weighted (k times the gradient)", _ACC_HEAD + '''
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in micro_batches:
        _, loss = model(x, y)
        loss.backward()
        total += loss.item()
    optimizer.step()
    return total / len(micro_batches)
''', visible=True),
    Mutant("accumulated_step", "steps after every micro-batch", _ACC_HEAD + '''
    total = 0.0
    n = sum(x.size(0) for x, _ in micro_batches)
    for x, y in micro_batches:
        optimizer.zero_grad(set_to_none=True)
        _, loss = model(x, y)
        (loss * x.size(0) / n).backward()
        optimizer.step()
        total += loss.item() * x.size(0) / n
    return total
''', visible=True),
    Mutant("accumulated_step", "divides by the number of micro-batches (wrong for uneven sizes)", _ACC_HEAD + '''
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in micro_batches:
        with torch.autocast(x.device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
            _, loss = model(x, y)
        (loss / len(micro_batches)).backward()
        total += loss.item() / len(micro_batches)
    optimizer.step()
    return total
''', visible=False),
    Mutant("accumulated_step", "does not zero stale gradients first", _ACC_HEAD + '''
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
''', visible=False),
    Mutant("accumulated_step", "ignores amp_dtype", _ACC_HEAD + '''
    n = sum(x.size(0) for x, _ in micro_batches)
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in micro_batches:
        _, loss = model(x, y)
        (loss * x.size(0) / n).backward()
        total += loss.item() * x.size(0) / n
    optimizer.step()
    return total
''', visible=False),
    # ----------------------------------------------------------------- part 2: finetuning_and_safety
    # LoRALinear
    Mutant("LoRALinear", "B initialised randomly (not the identity at init)", _LORA_OK_INIT.replace(
        "torch.zeros(base.out_features, r", "torch.randn(base.out_features, r") + _LORA_OK_FORWARD + _LORA_OK_MERGE,
        visible=True),
    Mutant("LoRALinear", "base layer left trainable", _LORA_OK_INIT.replace(
        "p.requires_grad_(False)", "pass") + _LORA_OK_FORWARD + _LORA_OK_MERGE, visible=True),
    Mutant("LoRALinear", "merge forgets the alpha / r scaling", _LORA_OK_INIT + _LORA_OK_FORWARD + _LORA_OK_MERGE.replace(
        "b.weight + self.scaling * (self.lora_B @ self.lora_A)", "b.weight + self.lora_B @ self.lora_A"), visible=True),
    Mutant("LoRALinear", "scaling by alpha instead of alpha / r", _LORA_OK_INIT.replace(
        "self.scaling = r, alpha, alpha / r", "self.scaling = r, alpha, alpha") + _LORA_OK_FORWARD + _LORA_OK_MERGE,
        visible=False),
    Mutant("LoRALinear", "A and B both start at zero (no gradient ever flows)", _LORA_OK_INIT.replace(
        "nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))", "nn.init.zeros_(self.lora_A)") + _LORA_OK_FORWARD
        + _LORA_OK_MERGE, visible=False),
    Mutant("LoRALinear", "merge adds the update into the base weight in place", _LORA_OK_INIT + _LORA_OK_FORWARD + '''
    def merge(self):
        with torch.no_grad():
            self.base.weight += self.scaling * (self.lora_B @ self.lora_A)
        return self.base
''', visible=True),
    Mutant("LoRALinear", "factors created in float32 whatever the base dtype", _LORA_OK_INIT.replace(
        "dtype=w.dtype, device=w.device", "device=w.device") + _LORA_OK_FORWARD + _LORA_OK_MERGE, visible=False),
    # instruction_example
    Mutant("instruction_example", "masks one label too many (the first answer token)", '''
def instruction_example(prompt_ids, answer_ids):
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    x, y = ids[:-1], ids[1:].clone()
    y[: len(prompt_ids)] = -100
    return x, y
''', visible=True),
    Mutant("instruction_example", "no shift between inputs and labels", '''
def instruction_example(prompt_ids, answer_ids):
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    y = ids.clone()
    y[: len(prompt_ids)] = -100
    return ids, y
''', visible=True),
    Mutant("instruction_example", "masks by token value instead of position", '''
def instruction_example(prompt_ids, answer_ids):
    if len(prompt_ids) == 0 or len(answer_ids) == 0:
        raise ValueError("empty")
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    x, y = ids[:-1], ids[1:].clone()
    y[torch.isin(y, torch.tensor(list(prompt_ids)))] = -100
    return x, y
''', visible=False),
    Mutant("instruction_example", "no error on an empty prompt or answer", '''
def instruction_example(prompt_ids, answer_ids):
    ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)
    x, y = ids[:-1], ids[1:].clone()
    y[: max(len(prompt_ids) - 1, 0)] = -100
    return x, y
''', visible=False),
    # memorization_rate
    Mutant("memorization_rate", "character n-grams instead of words", '''
def memorization_rate(generated, reference, n=4):
    gen = [generated[i:i + n] for i in range(len(generated) - n + 1)]
    if not gen:
        return float("nan")
    return sum(g in reference for g in gen) / len(gen)
''', visible=True),
    Mutant("memorization_rate", "generated n-grams deduplicated", '''
def memorization_rate(generated, reference, n=4):
    def grams(t):
        w = t.split()
        return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
    gen = grams(generated)
    if not gen:
        return float("nan")
    return len(gen & grams(reference)) / len(gen)
''', visible=False),
    Mutant("memorization_rate", "substring search in the reference (partial words match)", '''
def memorization_rate(generated, reference, n=4):
    w = generated.split()
    gen = [" ".join(w[i:i + n]) for i in range(len(w) - n + 1)]
    if not gen:
        return float("nan")
    return sum(g in " ".join(reference.split()) for g in gen) / len(gen)
''', visible=False),
    Mutant("memorization_rate", "splits on single spaces only", '''
def memorization_rate(generated, reference, n=4):
    def grams(t):
        w = t.split(" ")
        return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]
    gen = grams(generated)
    if not gen:
        return float("nan")
    ref = set(grams(reference))
    return sum(g in ref for g in gen) / len(gen)
''', visible=False),
    Mutant("memorization_rate", "0.0 instead of nan for a text shorter than n", '''
def memorization_rate(generated, reference, n=4):
    def grams(t):
        w = t.split()
        return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]
    gen = grams(generated)
    ref = set(grams(reference))
    return sum(g in ref for g in gen) / max(len(gen), 1)
''', visible=False),
    # flag_toxic
    Mutant("flag_toxic", "case-sensitive matching", '''
import re
def flag_toxic(text, blocklist):
    block = set(blocklist)
    return [w.strip("'") for w in re.findall(r"[A-Za-z']+", text) if w.strip("'") in block]
''', visible=True),
    Mutant("flag_toxic", "substring matching (the Scunthorpe problem)", '''
def flag_toxic(text, blocklist):
    low = text.lower()
    return [w.lower() for w in blocklist if w.lower() in low]
''', visible=False),
    Mutant("flag_toxic", "each word reported once, sorted", '''
import re
def flag_toxic(text, blocklist):
    block = {w.lower() for w in blocklist}
    return sorted({w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text)} & block)
''', visible=False),
]
