"""Week 10 part 2 (finetuning_and_safety.ipynb): learners' mistakes, and honest answers written another way.

Part 1's catalogue is in week10_bpe_and_scaling.py, the capstone's in week10_capstone_pretraining.py."""

from tests.mutants import Mutant, edit

MUTANTS = [
    # ------------------------------------------------------------------ LoRALinear
    Mutant(
        "LoRALinear",
        "B initialised randomly (not the base's outputs at init)",
        edit(
            "self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device))",
            "self.lora_B = nn.Parameter(torch.randn(base.out_features, r, dtype=w.dtype, device=w.device))",
        ),
        visible=True,
        learner=True,
        names_it="lora_B should start at zero",
    ),
    Mutant(
        "LoRALinear",
        "base layer left trainable",
        edit(
            """
            for p in self.base.parameters():
                p.requires_grad_(False)
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="freeze the base layer",
    ),
    Mutant(
        "LoRALinear",
        "only the base weight frozen, its bias still trains",
        edit(
            """
            for p in self.base.parameters():
                p.requires_grad_(False)
            """,
            "self.base.weight.requires_grad_(False)",
        ),
        visible=True,
        learner=True,
        names_it="its bias too",
    ),
    Mutant(
        "LoRALinear",
        "scaling by alpha instead of alpha / r",
        edit(
            "self.r, self.alpha, self.scaling = r, alpha, alpha / r",
            "self.r, self.alpha, self.scaling = r, alpha, alpha",
        ),
        visible=True,
        learner=True,
        names_it="alpha / r",
    ),
    Mutant(
        "LoRALinear",
        "scaling by r / alpha",
        edit(
            "self.r, self.alpha, self.scaling = r, alpha, alpha / r",
            "self.r, self.alpha, self.scaling = r, alpha, r / alpha",
        ),
        visible=True,
        learner=True,
        names_it="scaling = alpha / r",
    ),
    Mutant(
        "LoRALinear",
        "forward forgets the scaling",
        edit(
            "return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling",
            "return self.base(x) + x @ self.lora_A.T @ self.lora_B.T",
        ),
        visible=True,
        learner=True,
        names_it="not scaled",
    ),
    Mutant(
        "LoRALinear",
        "A and B both start at zero (no gradient ever flows)",
        edit(
            "nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))",
            "nn.init.zeros_(self.lora_A)",
        ),
        visible=True,
        learner=True,
        names_it="neither ever gets a gradient",
    ),
    Mutant(
        "LoRALinear",
        "A drawn from a standard normal (far too wide)",
        edit(
            "nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))",
            "nn.init.normal_(self.lora_A)",
        ),
        visible=True,
        learner=True,
        names_it="torch.randn is too wide",
    ),
    Mutant(
        "LoRALinear",
        "A drawn in [0, 1/sqrt(in)] (no negative entry)",
        edit(
            "nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))",
            "nn.init.uniform_(self.lora_A, 0.0, 1 / math.sqrt(base.in_features))",
        ),
        visible=True,
        learner=True,
        names_it="no negative entry",
    ),
    Mutant(
        "LoRALinear",
        "factors as plain tensors (not nn.Parameter)",
        edit(
            """
            self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=w.dtype, device=w.device))
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            """,
            """
            self.lora_A = torch.empty(r, base.in_features, dtype=w.dtype, device=w.device, requires_grad=True)
            self.lora_B = torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device, requires_grad=True)
            with torch.no_grad():
                nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            """,
        ),
        visible=True,
        learner=True,
        names_it="nn.Parameters",
    ),
    Mutant(
        "LoRALinear",
        "factors created in float32 whatever the base dtype",
        edit(
            """
            self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=w.dtype, device=w.device))
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device))
            """,
            """
            self.lora_A = nn.Parameter(torch.empty(r, base.in_features, device=w.device))
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, device=w.device))
            """,
        ),
        visible=True,
        learner=True,
        names_it="base weight's dtype",
    ),
    Mutant(
        "LoRALinear",
        "merge forgets the alpha / r scaling",
        edit(
            "merged.weight.copy_(b.weight + self.scaling * (self.lora_B @ self.lora_A))",
            "merged.weight.copy_(b.weight + self.lora_B @ self.lora_A)",
        ),
        visible=True,
        learner=True,
        names_it="W' = W + (alpha / r) * B @ A",
    ),
    Mutant(
        "LoRALinear",
        "merge adds the update into the base weight in place and returns the base",
        edit(
            """
            b = self.base
            merged = nn.Linear(b.in_features, b.out_features, bias=b.bias is not None, device=b.weight.device, dtype=b.weight.dtype)
            with torch.no_grad():
                merged.weight.copy_(b.weight + self.scaling * (self.lora_B @ self.lora_A))
                if b.bias is not None:
                    merged.bias.copy_(b.bias)
            return merged
            """,
            """
            with torch.no_grad():
                self.base.weight += self.scaling * (self.lora_B @ self.lora_A)
            return self.base
            """,
        ),
        visible=True,
        learner=True,
        names_it="returned the base layer itself",
    ),
    Mutant(
        "LoRALinear",
        "merge forgets the bias",
        edit(
            """
            if b.bias is not None:
                merged.bias.copy_(b.bias)
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="copy the base's bias",
    ),
    Mutant(
        "LoRALinear",
        "merge always makes a layer with a bias",
        edit(
            "merged = nn.Linear(b.in_features, b.out_features, bias=b.bias is not None, device=b.weight.device, dtype=b.weight.dtype)",
            "merged = nn.Linear(b.in_features, b.out_features, device=b.weight.device, dtype=b.weight.dtype)",
            """
            if b.bias is not None:
                merged.bias.copy_(b.bias)
            """,
            """
            merged.bias.zero_()
            if b.bias is not None:
                merged.bias.copy_(b.bias)
            """,
        ),
        visible=True,
        learner=True,
        names_it="should have no bias",
    ),
    Mutant(
        "LoRALinear",
        "merge in float32 whatever the base dtype",
        edit(
            "merged = nn.Linear(b.in_features, b.out_features, bias=b.bias is not None, device=b.weight.device, dtype=b.weight.dtype)",
            "merged = nn.Linear(b.in_features, b.out_features, bias=b.bias is not None, device=b.weight.device)",
        ),
        visible=True,
        learner=True,
        names_it="float64 layer",
    ),
    Mutant(
        "LoRALinear",
        "no TypeError for a layer that is not nn.Linear",
        edit(
            """
            if not isinstance(base, nn.Linear):
                raise TypeError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="TypeError",
    ),
    Mutant(
        "LoRALinear",
        "no ValueError for a rank below 1",
        edit(
            """
            if not isinstance(r, int) or r < 1:
                raise ValueError(f"the rank r must be a positive integer, got {r!r}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="positive integer",
    ),
    Mutant(
        "LoRALinear",
        "integer division alpha // r",
        edit(
            "self.r, self.alpha, self.scaling = r, alpha, alpha / r",
            "self.r, self.alpha, self.scaling = r, alpha, alpha // r",
        ),
        visible=True,
        learner=True,
        names_it="a true division",
    ),
    Mutant(
        "LoRALinear",
        "forward handles 2D and 3D inputs only",
        edit(
            "return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling",
            """
            if x.dim() == 2:
                return self.base(x) + torch.einsum("ni,ri,or->no", x, self.lora_A, self.lora_B) * self.scaling
            return self.base(x) + torch.einsum("bti,ri,or->bto", x, self.lora_A, self.lora_B) * self.scaling
            """,
        ),
        visible=False,
    ),
    Mutant(
        "LoRALinear",
        "a rank of 1.5 accepted (only r < 1 refused)",
        edit(
            "if not isinstance(r, int) or r < 1:",
            "if r < 1:",
            "self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=w.dtype, device=w.device))",
            "self.lora_A = nn.Parameter(torch.empty(int(r), base.in_features, dtype=w.dtype, device=w.device))",
            "self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device))",
            "self.lora_B = nn.Parameter(torch.zeros(base.out_features, int(r), dtype=w.dtype, device=w.device))",
        ),
        visible=True,
        learner=True,
        names_it="positive integer",
    ),
    # ------------------------------------------------------------------ instruction_example
    Mutant(
        "instruction_example",
        "masks one label too many (the first answer token)",
        edit("y[: len(prompt_ids) - 1] = -100", "y[: len(prompt_ids)] = -100"),
        visible=True,
        learner=True,
        names_it="the first answer token's label",
    ),
    Mutant(
        "instruction_example",
        "masks one label too few",
        edit("y[: len(prompt_ids) - 1] = -100", "y[: len(prompt_ids) - 2] = -100"),
        visible=True,
        learner=True,
        names_it="should be -100",
    ),
    Mutant(
        "instruction_example",
        "no shift between inputs and labels",
        edit(
            """
            x, y = ids[:-1], ids[1:].clone()
            y[: len(prompt_ids) - 1] = -100
            """,
            """
            x, y = ids, ids.clone()
            y[: len(prompt_ids)] = -100
            """,
        ),
        visible=True,
        learner=True,
        names_it="shift by one",
    ),
    Mutant(
        "instruction_example",
        "labels are a view of the inputs (masking y changes x)",
        edit("x, y = ids[:-1], ids[1:].clone()", "x, y = ids[:-1], ids[1:]"),
        visible=True,
        learner=True,
        names_it=".clone()",
    ),
    Mutant(
        "instruction_example",
        "masks by token value instead of position",
        edit(
            "y[: len(prompt_ids) - 1] = -100",
            "y[torch.isin(y, torch.tensor(list(prompt_ids)))] = -100",
        ),
        visible=True,
        learner=True,
        names_it="by position",
    ),
    Mutant(
        "instruction_example",
        "the answer masked instead of the prompt",
        edit(
            "y[: len(prompt_ids) - 1] = -100",
            "y[len(prompt_ids) - 1 :] = -100",
        ),
        visible=True,
        learner=True,
        names_it="the other way round",
    ),
    Mutant(
        "instruction_example",
        "+ on the inputs (adds tensors element by element)",
        edit(
            "ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)",
            "ids = torch.as_tensor(prompt_ids + answer_ids, dtype=torch.long)",
        ),
        visible=True,
        learner=True,
        names_it="adds two tensors element by element",
    ),
    Mutant(
        "instruction_example",
        "the prompt list extended in place",
        edit(
            "ids = torch.tensor(list(prompt_ids) + list(answer_ids), dtype=torch.long)",
            """
            n_prompt = len(prompt_ids)
            seq = prompt_ids if isinstance(prompt_ids, list) else list(prompt_ids)
            seq.extend(list(answer_ids))
            ids = torch.tensor(seq, dtype=torch.long)
            """,
            "y[: len(prompt_ids) - 1] = -100",
            "y[: n_prompt - 1] = -100",
        ),
        visible=True,
        learner=True,
        names_it="modified its inputs",
    ),
    Mutant(
        "instruction_example",
        "lists returned instead of tensors",
        edit("return x, y", "return x.tolist(), y.tolist()"),
        visible=True,
        learner=True,
        names_it="torch tensors",
    ),
    Mutant(
        "instruction_example",
        "no ValueError for an empty prompt or answer",
        edit(
            """
            if len(prompt_ids) == 0 or len(answer_ids) == 0:
                raise ValueError("instruction_example needs a non-empty prompt and a non-empty answer")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="raise ValueError",
    ),
    Mutant(
        "instruction_example",
        "always masks at least one label (breaks a one-token prompt)",
        edit("y[: len(prompt_ids) - 1] = -100", "y[: max(len(prompt_ids) - 1, 1)] = -100"),
        visible=True,
        learner=True,
        names_it="one-token prompt",
    ),
    Mutant(
        "instruction_example",
        "masks the first label whatever the prompt (only the visible cases right)",
        edit(
            "y[: len(prompt_ids) - 1] = -100",
            "y[: min(len(prompt_ids) - 1, 3)] = -100",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ replay_loss
    Mutant(
        "replay_loss",
        "one mean over the joined batch",
        edit(
            """
            logits = model(inst_x)[0]
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), inst_y.reshape(-1), ignore_index=-100)
            if lm_x is not None:
                lm_logits = model(lm_x)[0]
                loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))
            return loss
            """,
            """
            if lm_x is None:
                logits = model(inst_x)[0]
                return F.cross_entropy(logits.reshape(-1, logits.size(-1)), inst_y.reshape(-1), ignore_index=-100)
            T = max(inst_x.size(1), lm_x.size(1))
            X = torch.cat([F.pad(inst_x, (0, T - inst_x.size(1))), F.pad(lm_x, (0, T - lm_x.size(1)))])
            Y = torch.cat([F.pad(inst_y, (0, T - inst_y.size(1)), value=-100), F.pad(lm_y, (0, T - lm_y.size(1)), value=-100)])
            logits = model(X)[0]
            return F.cross_entropy(logits.reshape(-1, logits.size(-1)), Y.reshape(-1), ignore_index=-100)
            """,
        ),
        visible=True,
        learner=True,
        names_it="averaged separately",
    ),
    Mutant(
        "replay_loss",
        "mean of each row's mean",
        edit(
            "loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), inst_y.reshape(-1), ignore_index=-100)",
            """
            rows = [F.cross_entropy(logits[i], inst_y[i], ignore_index=-100) for i in range(len(inst_y)) if (inst_y[i] != -100).any()]
            loss = torch.stack(rows).mean()
            """,
        ),
        visible=True,
        learner=True,
        names_it="mean of each row's mean",
    ),
    Mutant(
        "replay_loss",
        "the -100 positions counted in the mean",
        edit(
            "loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), inst_y.reshape(-1), ignore_index=-100)",
            "loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), inst_y.reshape(-1), ignore_index=-100, reduction='none').mean()",
        ),
        visible=True,
        learner=True,
        names_it="-100 ones included",
    ),
    Mutant(
        "replay_loss",
        "replay_weight ignored",
        edit(
            "loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))",
            "loss = loss + F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))",
        ),
        visible=True,
        learner=True,
        names_it="ignores replay_weight",
    ),
    Mutant(
        "replay_loss",
        "replay_weight on the instruction loss",
        edit(
            "loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))",
            "loss = replay_weight * loss + F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))",
        ),
        visible=True,
        learner=True,
        names_it="multiplies the instruction loss",
    ),
    Mutant(
        "replay_loss",
        "the two terms averaged instead of added",
        edit(
            "loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))",
            "loss = (loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))) / 2",
        ),
        visible=True,
        learner=True,
        names_it="added, not averaged",
    ),
    Mutant(
        "replay_loss",
        "labels shifted again",
        edit(
            """
            logits = model(inst_x)[0]
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), inst_y.reshape(-1), ignore_index=-100)
            if lm_x is not None:
                lm_logits = model(lm_x)[0]
                loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))
            """,
            """
            logits = model(inst_x)[0][:, :-1]
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), inst_y[:, 1:].reshape(-1), ignore_index=-100)
            if lm_x is not None:
                lm_logits = model(lm_x)[0][:, :-1]
                loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y[:, 1:].reshape(-1))
            """,
        ),
        visible=True,
        learner=True,
        names_it="already shifted",
    ),
    Mutant(
        "replay_loss",
        "a float returned (.item())",
        edit("return loss", "return loss.item()"),
        visible=True,
        learner=True,
        names_it="do not call .item()",
    ),
    Mutant(
        "replay_loss",
        "lm_x None not handled",
        edit(
            """
            if lm_x is not None:
                lm_logits = model(lm_x)[0]
                loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))
            """,
            """
            lm_logits = model(lm_x)[0]
            loss = loss + replay_weight * F.cross_entropy(lm_logits.reshape(-1, lm_logits.size(-1)), lm_y.reshape(-1))
            """,
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "replay_loss",
        "no error for a batch without answer labels (NaN)",
        edit(
            """
            if not bool((inst_y != -100).any()):
                raise ValueError("the instruction batch has no answer label (every label is -100)")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="raise ValueError",
    ),
    Mutant(
        "replay_loss",
        "ValueError when any row has no answer label",
        edit(
            "if not bool((inst_y != -100).any()):",
            "if not bool((inst_y != -100).any(dim=1).all()):",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ memorization_rate
    Mutant(
        "memorization_rate",
        "the last n-gram not counted",
        edit(
            "return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]",
            "return [tuple(w[i:i + n]) for i in range(len(w) - n)]",
        ),
        visible=True,
        learner=True,
        names_it="the last 2-gram",
    ),
    Mutant(
        "memorization_rate",
        "non-overlapping n-grams",
        edit(
            "return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]",
            "return [tuple(w[i:i + n]) for i in range(0, len(w) - n + 1, n)]",
        ),
        visible=True,
        learner=True,
        names_it="overlapping",
    ),
    Mutant(
        "memorization_rate",
        "character n-grams instead of words",
        edit(
            """
            w = t.split()
            return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]
            """,
            "return [t[i:i + n] for i in range(len(t) - n + 1)]",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "memorization_rate",
        "generated n-grams deduplicated",
        edit(
            "gen = grams(generated)",
            "gen = list(set(grams(generated)))",
        ),
        visible=True,
        learner=True,
        names_it="every occurrence",
    ),
    Mutant(
        "memorization_rate",
        "substring search in the reference (partial words match)",
        edit(
            """
            ref = set(grams(reference))
            return sum(g in ref for g in gen) / len(gen)
            """,
            """
            ref = " ".join(reference.split())
            return sum(" ".join(g) in ref for g in gen) / len(gen)
            """,
        ),
        visible=True,
        learner=True,
        names_it="whole words",
    ),
    Mutant(
        "memorization_rate",
        "splits on single spaces only",
        edit("w = t.split()", 'w = t.split(" ")'),
        visible=True,
        learner=True,
        names_it="str.split() and no argument",
    ),
    Mutant(
        "memorization_rate",
        "case-insensitive comparison",
        edit("w = t.split()", "w = t.lower().split()"),
        visible=True,
        learner=True,
        names_it="case-sensitive",
    ),
    Mutant(
        "memorization_rate",
        "the share of the reference's n-grams",
        edit(
            """
            ref = set(grams(reference))
            return sum(g in ref for g in gen) / len(gen)
            """,
            """
            ref = grams(reference)
            if not ref:
                return 0.0
            return sum(g in set(gen) for g in ref) / len(ref)
            """,
        ),
        visible=True,
        learner=True,
        names_it="not the other way round",
    ),
    Mutant(
        "memorization_rate",
        "0.0 instead of nan for a text shorter than n",
        edit(
            """
            if not gen:
                return float("nan")
            """,
            """
            if not gen:
                return 0.0
            """,
        ),
        visible=True,
        learner=True,
        names_it="float('nan')",
    ),
    Mutant(
        "memorization_rate",
        "nan also for a reference shorter than n",
        edit(
            """
            ref = set(grams(reference))
            """,
            """
            ref = set(grams(reference))
            if not ref:
                return float("nan")
            """,
        ),
        visible=True,
        learner=True,
        names_it="a reference shorter than n words",
    ),
    Mutant(
        "memorization_rate",
        "default n of 3",
        "def memorization_rate(generated, reference, n=3):\n"
        "    def grams(t):\n"
        "        w = t.split()\n"
        "        return [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]\n"
        "    gen = grams(generated)\n"
        "    if not gen:\n"
        '        return float("nan")\n'
        "    ref = set(grams(reference))\n"
        "    return sum(g in ref for g in gen) / len(gen)\n",
        visible=True,
        learner=True,
        names_it="the default n is 4",
    ),
    Mutant(
        "memorization_rate",
        "words split on spaces and newlines only (a tab joins two words)",
        edit("w = t.split()", 'w = [v for v in re.split(r"[ \\n]+", t) if v]'),
        visible=False,
    ),
    # ------------------------------------------------------------------ exposure
    Mutant(
        "exposure",
        "M counts only the alternatives",
        edit(
            "return math.log2(len(others) + 1) - math.log2(rank)",
            "return math.log2(len(others)) - math.log2(rank)",
        ),
        visible=True,
        learner=True,
        names_it="counts the secret too",
    ),
    Mutant(
        "exposure",
        "ties counted against the secret",
        edit(
            "rank = 1 + sum(o > float(secret_logprob) for o in others)",
            "rank = 1 + sum(o >= float(secret_logprob) for o in others)",
        ),
        visible=True,
        learner=True,
        names_it="strictly",
    ),
    Mutant(
        "exposure",
        "ranked the wrong way (less likely counted)",
        edit(
            "rank = 1 + sum(o > float(secret_logprob) for o in others)",
            "rank = 1 + sum(o < float(secret_logprob) for o in others)",
        ),
        visible=True,
        learner=True,
        names_it="a larger log-probability is more likely",
    ),
    Mutant(
        "exposure",
        "natural log instead of log2",
        edit(
            "return math.log2(len(others) + 1) - math.log2(rank)",
            "return math.log(len(others) + 1) - math.log(rank)",
        ),
        visible=True,
        learner=True,
        names_it="use log2",
    ),
    Mutant(
        "exposure",
        "a 0-based rank",
        edit(
            "rank = 1 + sum(o > float(secret_logprob) for o in others)",
            "rank = max(1, sum(o > float(secret_logprob) for o in others))",
        ),
        visible=True,
        learner=True,
    ),
    Mutant(
        "exposure",
        "no error without alternatives",
        edit(
            """
            if not others:
                raise ValueError("exposure needs at least one alternative")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="raise ValueError",
    ),
    Mutant(
        "exposure",
        "a tensor returned for tensor inputs",
        """
def exposure(secret_logprob, other_logprobs):
    if len(other_logprobs) == 0:
        raise ValueError("exposure needs at least one alternative")
    rank = 1 + sum(o > secret_logprob for o in other_logprobs)
    return math.log2(len(other_logprobs) + 1) - torch.log2(torch.as_tensor(rank, dtype=torch.float64))
""",
        visible=True,
        learner=True,
        names_it="return a Python float",
    ),
    Mutant(
        "exposure",
        "the alternatives sorted in place",
        """
def exposure(secret_logprob, other_logprobs):
    if len(other_logprobs) == 0:
        raise ValueError("exposure needs at least one alternative")
    if isinstance(other_logprobs, list):
        other_logprobs.sort(reverse=True)
    rank = 1 + sum(float(o) > float(secret_logprob) for o in other_logprobs)
    return float(math.log2(len(other_logprobs) + 1) - math.log2(rank))
""",
        visible=True,
        learner=True,
        names_it="modified the list",
    ),
    Mutant(
        "exposure",
        "only the first 100 alternatives ranked",
        edit(
            "rank = 1 + sum(o > float(secret_logprob) for o in others)",
            "rank = 1 + sum(o > float(secret_logprob) for o in others[:100])",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ flag_toxic
    Mutant(
        "flag_toxic",
        "case-sensitive matching",
        edit(
            """
            block = {w.lower() for w in blocklist}
            words = (w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text))
            """,
            """
            block = set(blocklist)
            words = (w.strip("'") for w in re.findall(r"[A-Za-z']+", text))
            """,
        ),
        visible=True,
        learner=True,
        names_it="compare case-insensitively",
    ),
    Mutant(
        "flag_toxic",
        "matches returned as written (not lower case)",
        edit(
            """
            words = (w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text))
            return [w for w in words if w in block]
            """,
            """
            words = (w.strip("'") for w in re.findall(r"[A-Za-z']+", text))
            return [w for w in words if w.lower() in block]
            """,
        ),
        visible=True,
        learner=True,
        names_it="in lower case",
    ),
    Mutant(
        "flag_toxic",
        "the block list not lower-cased",
        edit("block = {w.lower() for w in blocklist}", "block = set(blocklist)"),
        visible=True,
        learner=True,
        names_it="lower-case the block list too",
    ),
    Mutant(
        "flag_toxic",
        "substring matching (the Scunthorpe problem)",
        edit(
            """
            words = (w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text))
            return [w for w in words if w in block]
            """,
            """
            low = text.lower()
            return [w.lower() for w in blocklist if w.lower() in low]
            """,
        ),
        visible=True,
        learner=True,
        names_it="Scunthorpe",
    ),
    Mutant(
        "flag_toxic",
        "words split on whitespace (punctuation stays attached)",
        edit(
            """words = (w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text))""",
            """words = (w.strip("'").lower() for w in text.split())""",
        ),
        visible=True,
        learner=True,
        names_it="punctuation",
    ),
    Mutant(
        "flag_toxic",
        "a \\b word-boundary pattern (knave's matches knave)",
        edit(
            """
            words = (w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text))
            return [w for w in words if w in block]
            """,
            """
            if not block:
                return []
            pattern = r"\\b(" + "|".join(re.escape(b) for b in block) + r")\\b"
            return [m.lower() for m in re.findall(pattern, text, flags=re.IGNORECASE)]
            """,
        ),
        visible=True,
        learner=True,
        names_it="knave's is a different word",
    ),
    Mutant(
        "flag_toxic",
        "each word reported once",
        edit("return [w for w in words if w in block]", "return list(dict.fromkeys(w for w in words if w in block))"),
        visible=True,
        learner=True,
        names_it="with repeats",
    ),
    Mutant(
        "flag_toxic",
        "listed in the block list's order",
        edit(
            "return [w for w in words if w in block]",
            """
            found = [w for w in words if w in block]
            return [b for b in sorted(block) for w in found if w == b]
            """,
        ),
        visible=True,
        learner=True,
        names_it="order in the text",
    ),
    Mutant(
        "flag_toxic",
        "apostrophes not stripped",
        edit(
            """words = (w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text))""",
            """words = (w.lower() for w in re.findall(r"[A-Za-z']+", text))""",
        ),
        visible=True,
        learner=True,
        names_it="strip the apostrophes",
    ),
    Mutant(
        "flag_toxic",
        "only one apostrophe stripped at each end",
        edit(
            """words = (w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text))""",
            """
            words = ((w[1:] if w.startswith("'") else w) for w in re.findall(r"[A-Za-z']+", text))
            words = ((w[:-1] if w.endswith("'") else w).lower() for w in words)
            """,
        ),
        visible=False,
    ),
]


HONEST = {
    "LoRALinear": """
class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        if type(base) is not nn.Linear and not isinstance(base, nn.Linear):
            raise TypeError("base must be an nn.Linear")
        if isinstance(r, bool) or not isinstance(r, int) or r <= 0:
            raise ValueError("r must be a positive integer")
        base.weight.requires_grad = False
        if base.bias is not None:
            base.bias.requires_grad = False
        self.base = base
        self.scaling = alpha / r
        ref = nn.Linear(base.in_features, r, bias=False, dtype=base.weight.dtype, device=base.weight.device)
        self.lora_A = nn.Parameter(ref.weight.detach().clone())
        self.lora_B = nn.Parameter(base.weight.new_zeros(base.out_features, r))

    def forward(self, x):
        low = torch.matmul(torch.matmul(x, self.lora_A.t()), self.lora_B.t())
        return self.base(x) + self.scaling * low

    def merge(self):
        out = nn.Linear(self.base.in_features, self.base.out_features, bias=self.base.bias is not None,
                        dtype=self.base.weight.dtype, device=self.base.weight.device)
        new_w = self.base.weight.detach() + self.scaling * torch.mm(self.lora_B.detach(), self.lora_A.detach())
        out.weight = nn.Parameter(new_w.clone())
        if self.base.bias is not None:
            out.bias = nn.Parameter(self.base.bias.detach().clone())
        return out
""",
    "instruction_example": """
def instruction_example(prompt_ids, answer_ids):
    prompt = [int(t) for t in prompt_ids]
    answer = [int(t) for t in answer_ids]
    if not prompt or not answer:
        raise ValueError("empty prompt or answer")
    seq = prompt + answer
    inputs = torch.tensor(seq[:-1], dtype=torch.int64)
    labels = torch.tensor([-100] * (len(prompt) - 1) + answer, dtype=torch.int64)
    return inputs, labels
""",
    "replay_loss": """
def replay_loss(model, inst_x, inst_y, lm_x, lm_y, replay_weight=1.0):
    keep = inst_y != -100
    if keep.sum() == 0:
        raise ValueError("no answer labels in the instruction batch")
    logp = torch.log_softmax(model(inst_x)[0], dim=-1)
    picked = logp[keep].gather(1, inst_y[keep].unsqueeze(1)).squeeze(1)
    total = -picked.mean()
    if lm_x is None:
        return total
    lm_logp = torch.log_softmax(model(lm_x)[0], dim=-1)
    lm_nll = -lm_logp.gather(2, lm_y.unsqueeze(-1)).squeeze(-1).mean()
    return total + replay_weight * lm_nll
""",
    "memorization_rate": """
def memorization_rate(generated, reference, n=4):
    gw, rw = generated.split(), reference.split()
    if len(gw) < n:
        return float("nan")
    seen = set()
    for i in range(len(rw) - n + 1):
        seen.add(" ".join(rw[i:i + n]))
    hits = total = 0
    for i in range(len(gw) - n + 1):
        total += 1
        if " ".join(gw[i:i + n]) in seen:
            hits += 1
    return hits / total
""",
    "exposure": """
def exposure(secret_logprob, other_logprobs):
    alts = np.asarray([float(v) for v in other_logprobs], dtype=np.float64)
    if alts.size == 0:
        raise ValueError("no alternatives")
    s = float(secret_logprob)
    position = int(np.count_nonzero(alts > s)) + 1
    return float(np.log2(alts.size + 1) - np.log2(position))
""",
    "flag_toxic": """
import re


def flag_toxic(text, blocklist):
    bad = set()
    for word in blocklist:
        bad.add(word.lower())
    hits = []
    for match in re.finditer(r"[A-Za-z']+", text):
        word = match.group().strip("'").lower()
        if word in bad:
            hits.append(word)
    return hits
""",
}
