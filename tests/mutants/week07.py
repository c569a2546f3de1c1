"""Plausible wrong implementations of the Week 7 exercises."""

from tests.mutants import Mutant

_SG_INIT = """
class SkipGram(nn.Module):
    def __init__(self, vocab, dim=64):
        super().__init__()
        self.itos = list(vocab)
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.in_embed = nn.Embedding(len(self.itos), dim)
        self.out_embed = nn.Embedding(len(self.itos), dim)
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)
"""

_SG_FORWARD = """
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = F.logsigmoid((self.out_embed(context) * v).sum(-1))
        neg = F.logsigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)
        return -(pos + neg).mean()
"""

_SG_SIMILAR = """
    @torch.no_grad()
    def most_similar(self, word, k=5):
        if word not in self.stoi:
            raise KeyError(f"{word!r} is not in the vocabulary")
        W = self.in_embed.weight
        sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)
        sims[self.stoi[word]] = -math.inf
        top = sims.topk(min(k, len(self.itos) - 1))
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
"""

# scaled_dot_product_attention: the correct checks and tail, around a changed core
_SDPA_CHECKS = """
def scaled_dot_product_attention(q, k, v, mask=None):
    if q.size(-1) != k.size(-1):
        raise ValueError("q and k need the same last dimension")
    if k.size(-2) != v.size(-2):
        raise ValueError("k and v need the same number of keys")
"""
_SDPA_MASK = """
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError("mask should be boolean")
        scores = scores.masked_fill(~mask, float("-inf"))
"""
_SDPA_TAIL = """
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights
"""
_SCALED = """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
"""
_SOFTMAX = """
    weights = torch.softmax(scores, dim=-1)
"""


def _sdpa(scores=_SCALED, mask=_SDPA_MASK, softmax=_SOFTMAX, tail=_SDPA_TAIL, checks=_SDPA_CHECKS):
    return (
        checks
        + scores.strip("\n")
        + "\n"
        + mask.strip("\n")
        + "\n"
        + softmax.strip("\n")
        + "\n"
        + tail.strip("\n")
        + "\n"
    )


def _tokenize(body):
    return f"""
def word_tokenize(text):
    if not isinstance(text, str):
        raise TypeError("word_tokenize expects a str")
{body}
"""


_WORD = r"""    return re.findall(r"[^\W_]+(?:'[^\W_]+)*|\S", text)"""

_ENCODE = """

def encode_words(tokens, stoi):
    unk = stoi["<unk>"]
    return [stoi.get(t, unk) for t in tokens]
"""


def _vocab(
    count='counts = Counter(t for t in tokens if t != "<unk>")',
    keep="kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))",
    itos='itos = ["<unk>"] + kept',
    cut="itos = itos[:max_size]",
    checks=True,
    encode=_ENCODE,
):
    guard = (
        """    if max_size is not None and max_size < 1:
        raise ValueError("max_size must be at least 1")
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
"""
        if checks
        else ""
    )
    return (
        f"""
def build_word_vocab(tokens, max_size=None, min_count=1):
{guard}    {count}
    {keep}
    {itos}
    if max_size is not None:
        {cut}
    stoi = {{w: i for i, w in enumerate(itos)}}
    return stoi, itos
"""
        + encode
    )


_READOUT_INIT = """
class Seq2SeqAttention(nn.Module):
    def __init__(self, hidden_size, vocab_size):
        super().__init__()
        self.query = nn.Linear(hidden_size, hidden_size, bias=False)
        self.key = nn.Linear(hidden_size, hidden_size, bias=False)
        self.out = nn.Linear(2 * hidden_size, vocab_size)

    def forward(self, decoder_state, encoder_outputs, src_mask=None):
"""


def _readout(body):
    return _READOUT_INIT + body


MUTANTS = [
    # scaled_dot_product_attention first (used by the nbgrader round trip)
    Mutant(
        "scaled_dot_product_attention",
        "no 1/sqrt(d) scaling",
        _sdpa(scores="    scores = q @ k.transpose(-2, -1)\n"),
        visible=True,
        names_it="did you divide by sqrt(d)",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "softmax over the queries",
        _sdpa(softmax="    weights = torch.softmax(scores, dim=-2)\n"),
        visible=True,
        names_it="softmax over the wrong axis",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "mask inverted (True = blocked)",
        _sdpa(
            mask="""
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError("mask should be boolean")
        scores = scores.masked_fill(mask, float("-inf"))
"""
        ),
        visible=True,
        names_it="mask semantics inverted",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "mask applied after the softmax (no renormalisation)",
        _SDPA_CHECKS
        + """
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), dim=-1)
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError("mask should be boolean")
        weights = weights * mask
    return weights @ v, weights
""",
        visible=True,
        names_it="renormalised over the allowed keys",
    ),
    Mutant(
        "scaled_dot_product_attention",
        "k.T (only right for 2D inputs)",
        _sdpa(scores="    scores = q @ k.T / math.sqrt(q.size(-1))\n"),
        visible=False,
    ),
    Mutant(
        "scaled_dot_product_attention",
        "a query with every key masked gives NaN",
        _sdpa(tail="    return weights @ v, weights\n"),
        visible=False,
    ),
    Mutant(
        "scaled_dot_product_attention",
        "a float mask accepted (no TypeError)",
        _sdpa(
            mask="""
    if mask is not None:
        scores = scores.masked_fill(~mask.bool(), float("-inf"))
"""
        ),
        visible=False,
    ),
    Mutant(
        "scaled_dot_product_attention",
        "no ValueError for mismatched shapes",
        """
def scaled_dot_product_attention(q, k, v, mask=None):
"""
        + _SCALED.strip("\n")
        + "\n"
        + _SDPA_MASK.strip("\n")
        + "\n"
        + _SOFTMAX.strip("\n")
        + "\n"
        + _SDPA_TAIL.strip("\n")
        + "\n",
        visible=False,
    ),
    Mutant(
        "scaled_dot_product_attention",
        "out from F.scaled_dot_product_attention (not from scratch)",
        _sdpa(
            tail="""
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask), weights
"""
        ),
        visible=False,
    ),
    Mutant(
        "scaled_dot_product_attention",
        "imported from helpers.reference (not written)",
        "from helpers.reference.attention import scaled_dot_product_attention\n",
        visible=False,
    ),
    # word_tokenize
    Mutant(
        "word_tokenize",
        "split on whitespace",
        _tokenize("    return text.split()"),
        visible=True,
        names_it="split punctuation marks from words",
    ),
    Mutant(
        "word_tokenize",
        "lower-cased",
        _tokenize(_WORD.replace("text)", "text.lower())")),
        visible=True,
        names_it="keep the case",
    ),
    Mutant(
        "word_tokenize",
        "apostrophes split words",
        _tokenize(r"""    return re.findall(r"[^\W_]+|\S", text)"""),
        visible=True,
        names_it="an apostrophe between two letters joins them",
    ),
    Mutant(
        "word_tokenize",
        "apostrophes at the edges of words kept",
        _tokenize(r"""    return re.findall(r"(?:[^\W_]|')+|\S", text)"""),
        visible=False,
    ),
    Mutant(
        "word_tokenize",
        "hyphenated words kept whole",
        _tokenize(r"""    return re.findall(r"[^\W_]+(?:['-][^\W_]+)*|\S", text)"""),
        visible=False,
    ),
    Mutant(
        "word_tokenize",
        "ASCII letters only (café split)",
        _tokenize(r"""    return re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*|\S", text)"""),
        visible=False,
    ),
    Mutant(
        "word_tokenize",
        "a run of punctuation is one token",
        _tokenize(r"""    return re.findall(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]+|_", text)"""),
        visible=False,
    ),
    Mutant(
        "word_tokenize",
        "digits dropped",
        _tokenize(r"""    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*|[^\s\d]", text)"""),
        visible=False,
    ),
    Mutant(
        "word_tokenize",
        "the underscore is part of words",
        _tokenize(r"""    return re.findall(r"\w+(?:'\w+)*|\S", text)"""),
        visible=False,
    ),
    Mutant(
        "word_tokenize",
        "no TypeError for a text that is not a str",
        """
def word_tokenize(text):
"""
        + _WORD.replace("text)", "str(text))")
        + "\n",
        visible=False,
    ),
    # build_word_vocab (the cell also holds encode_words)
    Mutant(
        "build_word_vocab",
        "<unk> at the end instead of id 0",
        _vocab(itos='itos = kept + ["<unk>"]'),
        visible=True,
        names_it="should have id 0",
    ),
    Mutant(
        "build_word_vocab",
        "least frequent first",
        _vocab(keep="kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (counts[w], w))"),
        visible=True,
        names_it="most frequent first",
    ),
    Mutant(
        "build_word_vocab",
        "max_size counts the words only, not <unk>",
        _vocab(cut="itos = itos[:max_size + 1]"),
        visible=True,
        names_it="max_size counts <unk> too",
    ),
    Mutant(
        "build_word_vocab",
        "ties in order of first appearance (Counter.most_common)",
        _vocab(keep="kept = [w for w, c in counts.most_common() if c >= min_count]"),
        visible=True,
        names_it="alphabetical order",
    ),
    Mutant(
        "build_word_vocab",
        "min_count compared with > instead of >=",
        _vocab(keep="kept = sorted((w for w, c in counts.items() if c > min_count), key=lambda w: (-counts[w], w))"),
        visible=True,
        names_it="at least min_count",
    ),
    Mutant(
        "build_word_vocab",
        "unknown words raise KeyError in encode_words",
        _vocab(
            encode="""

def encode_words(tokens, stoi):
    return [stoi[t] for t in tokens]
"""
        ),
        visible=True,
        names_it="map to the id of <unk>",
    ),
    Mutant(
        "build_word_vocab",
        "case folded",
        _vocab(count='counts = Counter(t.lower() for t in tokens if t != "<unk>")'),
        visible=False,
    ),
    Mutant(
        "build_word_vocab",
        "<unk> in the input counted as a word (twice in itos)",
        _vocab(count="counts = Counter(tokens)"),
        visible=False,
    ),
    Mutant(
        "build_word_vocab",
        "the id of <unk> hard-coded as 0 in encode_words",
        _vocab(
            encode="""

def encode_words(tokens, stoi):
    return [stoi.get(t, 0) for t in tokens]
"""
        ),
        visible=False,
    ),
    Mutant("build_word_vocab", "no ValueError for max_size < 1 or min_count < 1", _vocab(checks=False), visible=False),
    Mutant(
        "build_word_vocab",
        "the input list extended with <unk>",
        _vocab(
            count='tokens += ["<unk>"] if isinstance(tokens, list) else []\n    counts = Counter(t for t in tokens if t != "<unk>")'
        ),
        visible=True,
        names_it="do not modify the input",
    ),
    Mutant(
        "build_word_vocab",
        "encode_words returns a tensor",
        _vocab(
            encode="""

def encode_words(tokens, stoi):
    unk = stoi["<unk>"]
    return torch.tensor([stoi.get(t, unk) for t in tokens], dtype=torch.long)
"""
        ),
        visible=False,
    ),
    # Seq2SeqAttention
    Mutant(
        "Seq2SeqAttention",
        "context before the decoder state in the concatenation",
        _readout("""
        mask = None if src_mask is None else src_mask.unsqueeze(-2)
        context, weights = scaled_dot_product_attention(self.query(decoder_state), self.key(encoder_outputs), encoder_outputs, mask)
        return self.out(torch.cat([context, decoder_state], dim=-1)), weights
"""),
        visible=True,
        names_it="concatenate the decoder state first",
    ),
    Mutant(
        "Seq2SeqAttention",
        "no query/key projections",
        _readout("""
        mask = None if src_mask is None else src_mask.unsqueeze(-2)
        context, weights = scaled_dot_product_attention(decoder_state, encoder_outputs, encoder_outputs, mask)
        return self.out(torch.cat([decoder_state, context], dim=-1)), weights
"""),
        visible=True,
        names_it="apply the query and key projections",
    ),
    Mutant(
        "Seq2SeqAttention",
        "query from the encoder, keys from the decoder",
        _readout("""
        mask = None if src_mask is None else src_mask.unsqueeze(-2)
        context, weights = scaled_dot_product_attention(self.query(encoder_outputs), self.key(decoder_state), decoder_state)
        return self.out(torch.cat([decoder_state, context], dim=-1)), weights
"""),
        visible=True,
        names_it="not the other way round",
    ),
    Mutant(
        "Seq2SeqAttention",
        "values projected with the key layer",
        _readout("""
        mask = None if src_mask is None else src_mask.unsqueeze(-2)
        k = self.key(encoder_outputs)
        context, weights = scaled_dot_product_attention(self.query(decoder_state), k, k, mask)
        return self.out(torch.cat([decoder_state, context], dim=-1)), weights
"""),
        visible=True,
        names_it="the encoder outputs themselves",
    ),
    Mutant(
        "Seq2SeqAttention",
        "attention written inline instead of calling scaled_dot_product_attention",
        _readout("""
        scores = self.query(decoder_state) @ self.key(encoder_outputs).transpose(-2, -1) / math.sqrt(decoder_state.size(-1))
        if src_mask is not None:
            scores = scores.masked_fill(~src_mask.unsqueeze(-2), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return self.out(torch.cat([decoder_state, weights @ encoder_outputs], dim=-1)), weights
"""),
        visible=True,
        names_it="should call scaled_dot_product_attention",
    ),
    Mutant(
        "Seq2SeqAttention",
        "src_mask ignored",
        _readout("""
        context, weights = scaled_dot_product_attention(self.query(decoder_state), self.key(encoder_outputs), encoder_outputs)
        return self.out(torch.cat([decoder_state, context], dim=-1)), weights
"""),
        visible=False,
    ),
    Mutant(
        "Seq2SeqAttention",
        "src_mask passed without a query axis",
        _readout("""
        context, weights = scaled_dot_product_attention(self.query(decoder_state), self.key(encoder_outputs), encoder_outputs, src_mask)
        return self.out(torch.cat([decoder_state, context], dim=-1)), weights
"""),
        visible=False,
    ),
    Mutant(
        "Seq2SeqAttention",
        "src_mask inverted (True = padding)",
        _readout("""
        mask = None if src_mask is None else ~src_mask.unsqueeze(-2)
        context, weights = scaled_dot_product_attention(self.query(decoder_state), self.key(encoder_outputs), encoder_outputs, mask)
        return self.out(torch.cat([decoder_state, context], dim=-1)), weights
"""),
        visible=False,
    ),
    Mutant(
        "Seq2SeqAttention",
        "squeezes the step axis (breaks T = 1)",
        _readout("""
        mask = None if src_mask is None else src_mask.unsqueeze(-2)
        context, weights = scaled_dot_product_attention(self.query(decoder_state), self.key(encoder_outputs), encoder_outputs, mask)
        return self.out(torch.cat([decoder_state, context], dim=-1)).squeeze(1), weights.squeeze(1)
"""),
        visible=False,
    ),
    # SkipGram
    Mutant(
        "SkipGram",
        "dot product instead of cosine in most_similar",
        _SG_INIT
        + _SG_FORWARD
        + """
    @torch.no_grad()
    def most_similar(self, word, k=5):
        if word not in self.stoi:
            raise KeyError(word)
        W = self.in_embed.weight
        sims = W @ W[self.stoi[word]]
        sims[self.stoi[word]] = -math.inf
        top = sims.topk(min(k, len(self.itos) - 1))
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
""",
        visible=True,
        names_it="use the cosine",
    ),
    Mutant(
        "SkipGram",
        "the word itself is its own nearest neighbour",
        _SG_INIT
        + _SG_FORWARD
        + """
    @torch.no_grad()
    def most_similar(self, word, k=5):
        W = self.in_embed.weight
        sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)
        top = sims.topk(min(k, len(self.itos)))
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
""",
        visible=True,
        names_it="leave the word itself out",
    ),
    Mutant(
        "SkipGram",
        "negatives averaged over K instead of summed",
        _SG_INIT
        + """
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = F.logsigmoid((self.out_embed(context) * v).sum(-1))
        neg = F.logsigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1)).mean(-1)
        return -(pos + neg).mean()
"""
        + _SG_SIMILAR,
        visible=True,
        names_it="averaged over K; sum them",
    ),
    Mutant(
        "SkipGram",
        "loss summed over the batch",
        _SG_INIT
        + """
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = F.logsigmoid((self.out_embed(context) * v).sum(-1))
        neg = F.logsigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)
        return -(pos + neg).sum()
"""
        + _SG_SIMILAR,
        visible=False,
    ),
    Mutant(
        "SkipGram",
        "naive log(sigmoid) that overflows",
        _SG_INIT
        + """
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = torch.log(torch.sigmoid((self.out_embed(context) * v).sum(-1)))
        neg = torch.log(torch.sigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1))).sum(-1)
        return -(pos + neg).mean()
"""
        + _SG_SIMILAR,
        visible=False,
    ),
    Mutant(
        "SkipGram",
        "most_similar crashes when k exceeds the vocabulary",
        _SG_INIT
        + _SG_FORWARD
        + """
    @torch.no_grad()
    def most_similar(self, word, k=5):
        if word not in self.stoi:
            raise KeyError(f"{word!r} is not in the vocabulary")
        W = self.in_embed.weight
        sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)
        sims[self.stoi[word]] = -math.inf
        top = sims.topk(k)
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
""",
        visible=False,
    ),
    # make_reverse_task
    Mutant(
        "make_reverse_task",
        "reverses the batch instead of each sequence",
        """
def make_reverse_task(n, seq_len, vocab_size, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(vocab_size, (n, seq_len), generator=g)
    return src, src.flip(0)
""",
        visible=True,
        names_it="not the batch",
    ),
    Mutant(
        "make_reverse_task",
        "ignores the seed",
        """
def make_reverse_task(n, seq_len, vocab_size, seed=0):
    src = torch.randint(vocab_size, (n, seq_len))
    return src, src.flip(1)
""",
        visible=False,
    ),
    Mutant(
        "make_reverse_task",
        "tokens from 1 (0 never used)",
        """
def make_reverse_task(n, seq_len, vocab_size, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(1, vocab_size, (n, seq_len), generator=g)
    return src, src.flip(1)
""",
        visible=False,
    ),
]
