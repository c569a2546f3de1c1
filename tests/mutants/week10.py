"""Plausible wrong implementations of the Week 10 part 2 exercises (finetuning_and_safety.ipynb).

Part 1's catalogue is in week10_bpe_and_scaling.py, the capstone's in week10_capstone_pretraining.py."""

from tests.mutants import Mutant

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


MUTANTS += [
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
