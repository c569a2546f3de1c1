"""Week 7 (tokens, embeddings, attention): learners' mistakes as edits of the reference, and honest
answers written another way."""

from tests.mutants import Mutant, edit

_FINDALL = r"""return re.findall(r"[^\W_]+(?:'[^\W_]+)*|\S", text)"""


def _regex(pattern: str) -> str:
    return f'return re.findall(r"{pattern}", text)'


_KEEP = "kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))"
_ENCODE = "return [stoi.get(t, unk) for t in tokens]"
_SG_NEG = "neg = F.logsigmoid(-(u_neg @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)"
_SG_POS = "pos = F.logsigmoid((u_pos * v).sum(-1))"
_SCORES = "scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))"
_MASK_FILL = 'scores = scores.masked_fill(~mask, float("-inf"))'
_ZERO_ROWS = """
if mask is not None:
    weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
"""
_DRAW = "src = torch.randint(vocab_size, (n, seq_len), generator=g)"
_CALL = "context, weights = scaled_dot_product_attention(q, k, encoder_outputs, mask)"
_MASK_AXIS = "mask = None if src_mask is None else src_mask.unsqueeze(-2)"

MUTANTS = [
    # ------------------------------------------------------------------ scaled_dot_product_attention (first: the round trip)
    Mutant(
        "scaled_dot_product_attention",
        "no 1/sqrt(d) scaling",
        edit(_SCORES, "scores = q @ k.transpose(-2, -1)"),
        visible=True,
        learner=True,
        names_it="did you divide by sqrt(d)",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "softmax over the queries",
        edit("weights = torch.softmax(scores, dim=-1)", "weights = torch.softmax(scores, dim=-2)"),
        visible=True,
        learner=True,
        names_it="softmax over the wrong axis",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "mask inverted (True = blocked)",
        edit(_MASK_FILL, 'scores = scores.masked_fill(mask, float("-inf"))'),
        visible=True,
        learner=True,
        names_it="mask semantics inverted",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "mask applied after the softmax (no renormalisation)",
        edit(
            _MASK_FILL,
            "",
            _ZERO_ROWS,
            """
            if mask is not None:
                weights = weights * mask
            """,
        ),
        visible=True,
        learner=True,
        names_it="renormalised over the allowed keys",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "k.T (only right for 2-D inputs)",
        edit(_SCORES, "scores = q @ k.T / math.sqrt(q.size(-1))"),
        visible=True,
        learner=True,
        names_it="k.transpose(-2, -1)",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "a query with every key masked gives NaN",
        edit(_ZERO_ROWS, ""),
        visible=True,
        learner=True,
        names_it="gave NaN",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "-1e9 instead of -inf (a fully masked query gets uniform weights)",
        edit(_MASK_FILL, "scores = scores.masked_fill(~mask, -1e9)", _ZERO_ROWS, ""),
        visible=True,
        learner=True,
        names_it="large negative number",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "scores divided by d",
        edit(_SCORES, "scores = q @ k.transpose(-2, -1) / q.size(-1)"),
        visible=True,
        learner=True,
        names_it="the scale is 1/sqrt(d)",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "scaled by the values' dimension",
        edit(_SCORES, "scores = q @ k.transpose(-2, -1) / math.sqrt(v.size(-1))"),
        visible=True,
        learner=True,
        names_it="sqrt(dv)",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "a float mask accepted (no TypeError)",
        edit(
            """
            if mask.dtype != torch.bool:
                raise TypeError(f"mask should be boolean (True = may attend), got {mask.dtype}")
            scores = scores.masked_fill(~mask, float("-inf"))
            """,
            """
            mask = mask.bool()
            scores = scores.masked_fill(~mask, float("-inf"))
            """,
        ),
        visible=True,
        learner=True,
        names_it="TypeError",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "no ValueError for mismatched shapes",
        edit(
            """
            if q.size(-1) != k.size(-1):
                raise ValueError(f"q and k need the same last dimension, got {q.size(-1)} and {k.size(-1)}")
            if k.size(-2) != v.size(-2):
                raise ValueError(f"k and v need the same number of keys, got {k.size(-2)} and {v.size(-2)}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="should raise ValueError",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "q scaled in place",
        edit(_SCORES, "q /= math.sqrt(q.size(-1))\nscores = q @ k.transpose(-2, -1)"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "out from F.scaled_dot_product_attention (not from scratch)",
        edit("return weights @ v, weights", "return F.scaled_dot_product_attention(q, k, v, attn_mask=mask), weights"),
        visible=False,
    ),
    Mutant(
        "scaled_dot_product_attention",
        "imported from helpers.reference (not written)",
        "from helpers.reference.attention import scaled_dot_product_attention\n",
        visible=False,
    ),
    Mutant(
        "scaled_dot_product_attention",
        "a ValueError (not a TypeError) for a float mask",
        edit(
            'raise TypeError(f"mask should be boolean (True = may attend), got {mask.dtype}")',
            'raise ValueError(f"mask should be boolean (True = may attend), got {mask.dtype}")',
        ),
        visible=True,
        learner=True,
        names_it="is a TypeError",
    ),
    # ------------------------------------------------------------------ word_tokenize
    Mutant(
        "word_tokenize",
        "split on whitespace",
        edit(_FINDALL, "return text.split()"),
        visible=True,
        learner=True,
        names_it="split punctuation marks from words",
    ),
    Mutant(
        "word_tokenize",
        "lower-cased",
        edit(_FINDALL, _FINDALL.replace("text)", "text.lower())")),
        visible=True,
        learner=True,
        names_it="keep the case",
    ),
    Mutant(
        "word_tokenize",
        "apostrophes split words",
        edit(_FINDALL, _regex(r"[^\W_]+|\S")),
        visible=True,
        learner=True,
        names_it="an apostrophe between two letters joins them",
    ),
    Mutant(
        "word_tokenize",
        "apostrophes at the edges of words kept",
        edit(_FINDALL, _regex(r"(?:[^\W_]|')+|\S")),
        visible=True,
        learner=True,
        names_it="at the start or the end of a word",
    ),
    Mutant(
        "word_tokenize",
        "hyphenated words kept whole",
        edit(_FINDALL, _regex(r"[^\W_]+(?:['-][^\W_]+)*|\S")),
        visible=True,
        learner=True,
        names_it="a hyphen is not a letter or digit",
    ),
    Mutant(
        "word_tokenize",
        "ASCII letters only (café split)",
        edit(_FINDALL, _regex(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*|\S")),
        visible=True,
        learner=True,
        names_it="ASCII or not",
    ),
    Mutant(
        "word_tokenize",
        "a run of punctuation is one token",
        edit(_FINDALL, _regex(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]+|_")),
        visible=True,
        learner=True,
        names_it="each mark of a run",
    ),
    Mutant(
        "word_tokenize",
        "letters only: digits dropped",
        edit(_FINDALL, _regex(r"[^\W\d_]+(?:'[^\W\d_]+)*|[^\s\d]")),
        visible=True,
        learner=True,
        names_it="digits belong to words",
    ),
    Mutant(
        "word_tokenize",
        "\\w: the underscore is part of words",
        edit(_FINDALL, _regex(r"\w+(?:'\w+)*|\S")),
        visible=True,
        learner=True,
        names_it="underscore",
    ),
    Mutant(
        "word_tokenize",
        "the curly apostrophe joins words too",
        edit(_FINDALL, _regex(r"[^\W_]+(?:['’][^\W_]+)*|\S")),
        visible=True,
        learner=True,
        names_it="the curly ’ is a mark of its own",
    ),
    Mutant(
        "word_tokenize",
        "whitespace listed by hand (tabs and carriage returns become tokens)",
        edit(_FINDALL, _regex(r"[^\W_]+(?:'[^\W_]+)*|[^ \n]")),
        visible=True,
        learner=True,
        names_it="whitespace became tokens",
    ),
    Mutant(
        "word_tokenize",
        "no TypeError: anything converted with str()",
        edit(
            """
            if not isinstance(text, str):
                raise TypeError(f"word_tokenize expects a str, got {type(text).__name__}")
            """,
            "text = str(text)",
        ),
        visible=True,
        learner=True,
        names_it="TypeError",
    ),
    Mutant(
        "word_tokenize",
        "a run of apostrophes joins words (a''b one token)",
        edit(_FINDALL, _regex(r"[^\W_]+(?:'+[^\W_]+)*|\S")),
        visible=False,
    ),
    # ------------------------------------------------------------------ build_word_vocab (the cell also holds encode_words)
    Mutant(
        "build_word_vocab",
        "<unk> at the end instead of id 0",
        edit('itos = ["<unk>"] + kept', 'itos = kept + ["<unk>"]'),
        visible=True,
        learner=True,
        names_it="should have id 0",
    ),
    Mutant(
        "build_word_vocab",
        "least frequent first",
        edit(_KEEP, _KEEP.replace("(-counts[w], w)", "(counts[w], w)")),
        visible=True,
        learner=True,
        names_it="most frequent first",
    ),
    Mutant(
        "build_word_vocab",
        "max_size counts the words only, not <unk>",
        edit("itos = itos[:max_size]", "itos = itos[:max_size + 1]"),
        visible=True,
        learner=True,
        names_it="max_size counts <unk> too",
    ),
    Mutant(
        "build_word_vocab",
        "ties in order of first appearance (Counter.most_common)",
        edit(_KEEP, "kept = [w for w, c in counts.most_common() if c >= min_count]"),
        visible=True,
        learner=True,
        names_it="alphabetical order",
    ),
    Mutant(
        "build_word_vocab",
        "min_count compared with > instead of >=",
        edit(_KEEP, _KEEP.replace("c >= min_count", "c > min_count")),
        visible=True,
        learner=True,
        names_it="at least min_count",
    ),
    Mutant(
        "build_word_vocab",
        "unknown words raise KeyError in encode_words",
        edit(_ENCODE, "return [stoi[t] for t in tokens]"),
        visible=True,
        learner=True,
        names_it="map to the id of <unk>",
    ),
    Mutant(
        "build_word_vocab",
        "case folded",
        edit(
            'counts = Counter(t for t in tokens if t != "<unk>")',
            'counts = Counter(t.lower() for t in tokens if t != "<unk>")',
        ),
        visible=True,
        learner=True,
        names_it="keep the case",
    ),
    Mutant(
        "build_word_vocab",
        "<unk> in the input counted as a word (twice in itos)",
        edit('counts = Counter(t for t in tokens if t != "<unk>")', "counts = Counter(tokens)"),
        visible=True,
        learner=True,
        names_it="not added a second time",
    ),
    Mutant(
        "build_word_vocab",
        "the id of <unk> hard-coded as 0 in encode_words",
        edit(_ENCODE, "return [stoi.get(t, 0) for t in tokens]"),
        visible=True,
        learner=True,
        names_it="do not assume it is 0",
    ),
    Mutant(
        "build_word_vocab",
        "no ValueError for max_size < 1 or min_count < 1",
        edit(
            """
            if max_size is not None and max_size < 1:
                raise ValueError(f"max_size must be at least 1 (room for <unk>), got {max_size}")
            if min_count < 1:
                raise ValueError(f"min_count must be at least 1, got {min_count}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="ValueError",
    ),
    Mutant(
        "build_word_vocab",
        "encode_words overwrites the tokens with their ids",
        edit(
            _ENCODE,
            """
            for i, t in enumerate(tokens):
                tokens[i] = stoi.get(t, unk)
            return tokens
            """,
        ),
        visible=True,
        learner=True,
        names_it="do not modify the input",
    ),
    Mutant(
        "build_word_vocab",
        "encode_words returns a tensor",
        edit(_ENCODE, "return torch.tensor([stoi.get(t, unk) for t in tokens])"),
        visible=True,
        learner=True,
        names_it="encode_words(...) should be a list",
    ),
    Mutant(
        "build_word_vocab",
        "only zero rejected: negative sizes accepted",
        edit(
            "if max_size is not None and max_size < 1:",
            "if max_size == 0:",
            "if min_count < 1:",
            "if min_count == 0:",
        ),
        visible=False,
    ),
    Mutant(
        "build_word_vocab",
        "stoi built before the cut to max_size (the cut tokens keep ids past the end of itos)",
        edit(
            """
            itos = ["<unk>"] + kept
            if max_size is not None:
                itos = itos[:max_size]
            stoi = {w: i for i, w in enumerate(itos)}
            """,
            """
            itos = ["<unk>"] + kept
            stoi = {w: i for i, w in enumerate(itos)}
            if max_size is not None:
                itos = itos[:max_size]
            """,
        ),
        visible=True,
        learner=True,
        names_it="build stoi from the cut itos",
    ),
    # ------------------------------------------------------------------ SkipGram
    Mutant(
        "SkipGram",
        "dot product instead of cosine in most_similar",
        edit("sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)", "sims = W @ W[self.stoi[word]]"),
        visible=True,
        learner=True,
        names_it="use the cosine",
    ),
    Mutant(
        "SkipGram",
        "the word itself is its own nearest neighbour",
        edit(
            "sims[self.stoi[word]] = -math.inf",
            "",
            "top = sims.topk(min(k, len(self.itos) - 1))",
            "top = sims.topk(min(k, len(self.itos)))",
        ),
        visible=True,
        learner=True,
        names_it="leave the word itself out",
    ),
    Mutant(
        "SkipGram",
        "most_similar from the context vectors (out_embed)",
        edit("W = self.in_embed.weight", "W = self.out_embed.weight"),
        visible=True,
        learner=True,
        names_it="rank by the center vectors",
    ),
    Mutant(
        "SkipGram",
        "negatives averaged over K instead of summed",
        edit(_SG_NEG, _SG_NEG.replace(".sum(-1)", ".mean(-1)")),
        visible=True,
        learner=True,
        names_it="averaged over K; sum them",
    ),
    Mutant(
        "SkipGram",
        "loss summed over the batch",
        edit("return -(pos + neg).mean()", "return -(pos + neg).sum()"),
        visible=True,
        learner=True,
        names_it="average over the batch",
    ),
    Mutant(
        "SkipGram",
        "log(sigmoid(x)), which underflows",
        edit(
            _SG_POS,
            "pos = torch.log(torch.sigmoid((u_pos * v).sum(-1)))",
            _SG_NEG,
            "neg = torch.log(torch.sigmoid(-(u_neg @ v.unsqueeze(-1)).squeeze(-1))).sum(-1)",
        ),
        visible=True,
        learner=True,
        names_it="numerically stable log-sigmoid",
    ),
    Mutant(
        "SkipGram",
        "the negative term without its minus sign",
        edit(_SG_NEG, "neg = F.logsigmoid((u_neg @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)"),
        visible=True,
        learner=True,
        names_it="negatives push their dot product down",
    ),
    Mutant(
        "SkipGram",
        "center and context tables swapped in the loss",
        edit(
            "v = self.in_embed(center)",
            "v = self.out_embed(center)",
            "u_pos = self.out_embed(context)",
            "u_pos = self.in_embed(context)",
            "u_neg = self.out_embed(negatives)",
            "u_neg = self.in_embed(negatives)",
        ),
        visible=True,
        learner=True,
        names_it="v (center) comes from in_embed",
    ),
    Mutant(
        "SkipGram",
        "most_similar fails when k exceeds the vocabulary",
        edit("top = sims.topk(min(k, len(self.itos) - 1))", "top = sims.topk(k)"),
        visible=True,
        learner=True,
        names_it="return all of them",
    ),
    Mutant(
        "SkipGram",
        "an unknown word gives an empty list",
        edit('raise KeyError(f"{word!r} is not in the vocabulary")', "return []"),
        visible=True,
        learner=True,
        names_it="should raise KeyError",
    ),
    Mutant(
        "SkipGram",
        "default initialisation (no uniform ±0.5/dim)",
        edit("nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)", ""),
        visible=True,
        learner=True,
        names_it="uniform in ±0.5/dim",
    ),
    Mutant(
        "SkipGram",
        "out_embed not started at zeros",
        edit("nn.init.zeros_(self.out_embed.weight)", ""),
        visible=True,
        learner=True,
        names_it="start at zeros",
    ),
    Mutant(
        "SkipGram",
        "most_similar normalises the embedding table in place",
        edit(
            "sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)",
            "W.div_(W.norm(dim=1, keepdim=True))\nsims = W @ W[self.stoi[word]]",
        ),
        visible=True,
        learner=True,
        names_it="changed the embeddings",
    ),
    Mutant(
        "SkipGram",
        "only the first two negatives (right for the visible K <= 2 only)",
        edit(
            "u_neg = self.out_embed(negatives)                                # (B, K, D)",
            "u_neg = self.out_embed(negatives[:, :2])",
        ),
        visible=False,
    ),
    Mutant(
        "SkipGram",
        "most_similar lists the words least similar first",
        edit(
            "return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]",
            "return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist()[::-1], top.indices.tolist()[::-1])]",
        ),
        visible=True,
        learner=True,
        names_it="most similar word comes first",
    ),
    Mutant(
        "SkipGram",
        "a ValueError for an unknown word",
        edit(
            """raise KeyError(f"{word!r} is not in the vocabulary")""",
            """raise ValueError(f"{word!r} is not in the vocabulary")""",
        ),
        visible=True,
        learner=True,
        names_it="KeyError that names it",
    ),
    # ------------------------------------------------------------------ make_reverse_task
    Mutant(
        "make_reverse_task",
        "reverses the batch instead of each sequence",
        edit("return src, src.flip(1)", "return src, src.flip(0)"),
        visible=True,
        learner=True,
        names_it="not the batch",
    ),
    Mutant(
        "make_reverse_task",
        "drawn from the global generator",
        edit(_DRAW, "src = torch.randint(vocab_size, (n, seq_len))"),
        visible=True,
        learner=True,
        names_it="global random state",
    ),
    Mutant(
        "make_reverse_task",
        "torch.manual_seed(seed), then the global generator",
        edit(_DRAW, "torch.manual_seed(seed)\nsrc = torch.randint(vocab_size, (n, seq_len))"),
        visible=True,
        learner=True,
        names_it="global random state",
    ),
    Mutant(
        "make_reverse_task",
        "tokens from 1 (0 never used)",
        edit(_DRAW, "src = torch.randint(1, vocab_size, (n, seq_len), generator=g)"),
        visible=True,
        learner=True,
        names_it="0 .. vocab_size - 1",
    ),
    Mutant(
        "make_reverse_task",
        "numpy's negative-step slice",
        edit("return src, src.flip(1)", "return src, src[:, ::-1]"),
        visible=True,
        learner=True,
        names_it="negative steps",
    ),
    Mutant(
        "make_reverse_task",
        "the seed ignored (always 0)",
        edit("g = torch.Generator().manual_seed(seed)", "g = torch.Generator().manual_seed(0)"),
        visible=True,
        learner=True,
        names_it="another seed should give other data",
    ),
    Mutant(
        "make_reverse_task",
        "drawn as (seq_len, n) and transposed",
        edit(_DRAW, "src = torch.randint(vocab_size, (seq_len, n), generator=g).T"),
        visible=True,
        learner=True,
        names_it="one torch.randint draw",
    ),
    Mutant(
        "make_reverse_task",
        "numpy arrays instead of tensors",
        edit("return src, src.flip(1)", "return src.numpy(), src.flip(1).numpy()"),
        visible=True,
        learner=True,
        names_it="return torch tensors",
    ),
    Mutant(
        "make_reverse_task",
        "right for the small visible examples only",
        edit("return src, src.flip(1)", "return src, (src.flip(1) if n <= 3 else src.flip(0))"),
        visible=False,
    ),
    # ------------------------------------------------------------------ Seq2SeqAttention
    Mutant(
        "Seq2SeqAttention",
        "context before the decoder state in the concatenation",
        edit(
            "logits = self.out(torch.cat([decoder_state, context], dim=-1))",
            "logits = self.out(torch.cat([context, decoder_state], dim=-1))",
        ),
        visible=True,
        learner=True,
        names_it="concatenate the decoder state first",
    ),
    Mutant(
        "Seq2SeqAttention",
        "no query/key projections",
        edit(
            _CALL,
            "context, weights = scaled_dot_product_attention(decoder_state, encoder_outputs, encoder_outputs, mask)",
        ),
        visible=True,
        learner=True,
        names_it="apply the query and key projections",
    ),
    Mutant(
        "Seq2SeqAttention",
        "query from the encoder, keys from the decoder",
        edit(
            "q = self.query(decoder_state)",
            "q = self.query(encoder_outputs)",
            "k = self.key(encoder_outputs)",
            "k = self.key(decoder_state)",
            _CALL,
            "context, weights = scaled_dot_product_attention(q, k, decoder_state, mask)",
        ),
        visible=True,
        learner=True,
        names_it="not the other way round",
    ),
    Mutant(
        "Seq2SeqAttention",
        "values projected with the key layer",
        edit(_CALL, "context, weights = scaled_dot_product_attention(q, k, k, mask)"),
        visible=True,
        learner=True,
        names_it="the encoder outputs themselves",
    ),
    Mutant(
        "Seq2SeqAttention",
        "attention written inline instead of calling scaled_dot_product_attention",
        edit(
            _CALL,
            """
            scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            weights = torch.softmax(scores, dim=-1)
            context = weights @ encoder_outputs
            """,
        ),
        visible=True,
        learner=True,
        names_it="should call scaled_dot_product_attention",
    ),
    Mutant(
        "Seq2SeqAttention",
        "src_mask ignored",
        edit(_MASK_AXIS, "mask = None"),
        visible=True,
        learner=True,
        names_it="src_mask is ignored",
    ),
    Mutant(
        "Seq2SeqAttention",
        "src_mask passed without a query axis",
        edit(_MASK_AXIS, "mask = src_mask"),
        visible=True,
        learner=True,
        names_it="give it a query axis",
    ),
    Mutant(
        "Seq2SeqAttention",
        "src_mask inverted (True = padding)",
        edit(_MASK_AXIS, "mask = None if src_mask is None else ~src_mask.unsqueeze(-2)"),
        visible=True,
        learner=True,
        names_it="src_mask is inverted",
    ),
    Mutant(
        "Seq2SeqAttention",
        "squeezes the step axis (breaks T = 1)",
        edit("return logits, weights", "return logits.squeeze(1), weights.squeeze(1)"),
        visible=True,
        learner=True,
        names_it="do not squeeze",
    ),
    Mutant(
        "Seq2SeqAttention",
        "a bias on the query projection",
        edit(
            "self.query = nn.Linear(hidden_size, hidden_size, bias=False)",
            "self.query = nn.Linear(hidden_size, hidden_size)",
        ),
        visible=True,
        learner=True,
        names_it="bias=False",
    ),
    Mutant(
        "Seq2SeqAttention",
        "no bias on the output layer",
        edit(
            "self.out = nn.Linear(2 * hidden_size, vocab_size)",
            "self.out = nn.Linear(2 * hidden_size, vocab_size, bias=False)",
        ),
        visible=True,
        learner=True,
        names_it="with its bias",
    ),
    Mutant(
        "Seq2SeqAttention",
        "the attention computed under torch.no_grad() (query and key never learn)",
        edit(
            _CALL,
            "with torch.no_grad():\n    context, weights = scaled_dot_product_attention(q, k, encoder_outputs, mask)",
        ),
        visible=False,
    ),
    Mutant(
        "Seq2SeqAttention",
        "a float padding mask (PyTorch would add it to the scores)",
        edit(
            "mask = None if src_mask is None else src_mask.unsqueeze(-2)   # (N, 1, S): the same for every output step",
            "mask = None if src_mask is None else src_mask.unsqueeze(-2).float()",
        ),
        visible=True,
        learner=True,
        names_it="not boolean",
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "word_tokenize": """
def word_tokenize(text):
    if not isinstance(text, str):
        raise TypeError("word_tokenize needs a str")
    tokens, current = [], ""
    for pos, ch in enumerate(text):
        if ch.isalnum():
            current += ch
        elif ch == "'" and current and pos + 1 < len(text) and text[pos + 1].isalnum():
            current += ch
        else:
            if current:
                tokens.append(current)
                current = ""
            if not ch.isspace():
                tokens.append(ch)
    if current:
        tokens.append(current)
    return tokens
""",
    "build_word_vocab": """
def build_word_vocab(tokens, max_size=None, min_count=1):
    if min_count < 1 or (max_size is not None and max_size < 1):
        raise ValueError("max_size and min_count must be at least 1")
    freq = {}
    for tok in tokens:
        if tok != "<unk>":
            freq[tok] = freq.get(tok, 0) + 1
    words = [w for w in sorted(freq) if freq[w] >= min_count]
    words.sort(key=lambda w: freq[w], reverse=True)       # a stable sort: ties stay in code-point order
    itos = (["<unk>"] + words)[: max_size if max_size is not None else None]
    return {w: i for i, w in enumerate(itos)}, itos


def encode_words(tokens, stoi):
    fallback = stoi["<unk>"]
    return [int(stoi[t]) if t in stoi else fallback for t in tokens]
""",
    "SkipGram": """
class SkipGram(nn.Module):
    def __init__(self, vocab, dim=64):
        super().__init__()
        self.itos = list(vocab)
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        size = len(self.itos)
        self.in_embed, self.out_embed = nn.Embedding(size, dim), nn.Embedding(size, dim)
        with torch.no_grad():
            self.in_embed.weight.uniform_(-0.5 / dim, 0.5 / dim)
            self.out_embed.weight.fill_(0.0)

    def forward(self, center, context, negatives):
        vc = self.in_embed(center)
        pos_score = torch.einsum("bd,bd->b", self.out_embed(context), vc)
        neg_score = torch.einsum("bkd,bd->bk", self.out_embed(negatives), vc)
        return (F.softplus(-pos_score) + F.softplus(neg_score).sum(dim=1)).mean()

    @torch.no_grad()
    def most_similar(self, word, k=5):
        idx = self.stoi[word]                       # a KeyError that names the word
        unit = F.normalize(self.in_embed.weight, dim=1)
        cos = unit @ unit[idx]
        order = [j for j in torch.argsort(cos, descending=True).tolist() if j != idx][:k]
        return [(self.itos[j], cos[j].item()) for j in order]
""",
    "scaled_dot_product_attention": """
def scaled_dot_product_attention(q, k, v, mask=None):
    d = q.shape[-1]
    if k.shape[-1] != d or k.shape[-2] != v.shape[-2]:
        raise ValueError("q, k and v do not fit together")
    logits = torch.matmul(q, k.transpose(-1, -2)) * d ** -0.5
    if mask is not None:
        if mask.dtype is not torch.bool:
            raise TypeError("the mask must be boolean")
        logits = torch.where(mask, logits, torch.full_like(logits, float("-inf")))
    attn = torch.nan_to_num(torch.softmax(logits, dim=-1), nan=0.0)
    return torch.matmul(attn, v), attn
""",
    "make_reverse_task": """
def make_reverse_task(n, seq_len, vocab_size, seed=0):
    rng = torch.Generator()
    rng.manual_seed(seed)
    data = torch.randint(low=0, high=vocab_size, size=(n, seq_len), generator=rng)
    return data, torch.flip(data, dims=[1])
""",
    "Seq2SeqAttention": """
class Seq2SeqAttention(nn.Module):
    def __init__(self, hidden_size, vocab_size):
        super().__init__()
        self.query, self.key = (nn.Linear(hidden_size, hidden_size, bias=False) for _ in range(2))
        self.out = nn.Linear(hidden_size * 2, vocab_size)

    def forward(self, decoder_state, encoder_outputs, src_mask=None):
        allowed = src_mask[:, None, :] if src_mask is not None else None
        ctx, attn = scaled_dot_product_attention(self.query(decoder_state), self.key(encoder_outputs),
                                                 encoder_outputs, allowed)
        return self.out(torch.cat((decoder_state, ctx), -1)), attn
""",
}
