"""Plausible wrong implementations of the Week 7 exercises."""

from tests.mutants import Mutant

_SG_INIT = '''
class SkipGram(nn.Module):
    def __init__(self, vocab, dim=64):
        super().__init__()
        self.itos = list(vocab)
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.in_embed = nn.Embedding(len(self.itos), dim)
        self.out_embed = nn.Embedding(len(self.itos), dim)
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)
'''

_SG_FORWARD = '''
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = F.logsigmoid((self.out_embed(context) * v).sum(-1))
        neg = F.logsigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)
        return -(pos + neg).mean()
'''

_SG_SIMILAR = '''
    @torch.no_grad()
    def most_similar(self, word, k=5):
        if word not in self.stoi:
            raise KeyError(f"{word!r} is not in the vocabulary")
        W = self.in_embed.weight
        sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)
        sims[self.stoi[word]] = -math.inf
        top = sims.topk(min(k, len(self.itos) - 1))
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
'''

MUTANTS = [
    # scaled_dot_product_attention first (used by the nbgrader round trip)
    Mutant("scaled_dot_product_attention", "no 1/sqrt(d) scaling", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return w @ v, w
''', visible=True),
    Mutant("scaled_dot_product_attention", "softmax over the queries", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    w = torch.softmax(scores, dim=-2)
    return w @ v, w
''', visible=True),
    Mutant("scaled_dot_product_attention", "mask inverted (True = blocked)", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return w @ v, w
''', visible=False),
    Mutant("scaled_dot_product_attention", "mask applied after the softmax (no renormalisation)", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), dim=-1)
    if mask is not None:
        w = w * mask
    return w @ v, w
''', visible=False),
    Mutant("scaled_dot_product_attention", "k.T (only right for 2D inputs)", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.T / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return w @ v, w
''', visible=False),
    # SkipGram
    Mutant("SkipGram", "dot product instead of cosine in most_similar", _SG_INIT + _SG_FORWARD + '''
    @torch.no_grad()
    def most_similar(self, word, k=5):
        if word not in self.stoi:
            raise KeyError(word)
        W = self.in_embed.weight
        sims = W @ W[self.stoi[word]]
        sims[self.stoi[word]] = -math.inf
        top = sims.topk(min(k, len(self.itos) - 1))
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
''', visible=True),
    Mutant("SkipGram", "the word itself is its own nearest neighbour", _SG_INIT + _SG_FORWARD + '''
    @torch.no_grad()
    def most_similar(self, word, k=5):
        W = self.in_embed.weight
        sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)
        top = sims.topk(min(k, len(self.itos)))
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
''', visible=True),
    Mutant("SkipGram", "negatives averaged over K instead of summed", _SG_INIT + '''
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = F.logsigmoid((self.out_embed(context) * v).sum(-1))
        neg = F.logsigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1)).mean(-1)
        return -(pos + neg).mean()
''' + _SG_SIMILAR, visible=True),
    Mutant("SkipGram", "loss summed over the batch", _SG_INIT + '''
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = F.logsigmoid((self.out_embed(context) * v).sum(-1))
        neg = F.logsigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)
        return -(pos + neg).sum()
''' + _SG_SIMILAR, visible=False),
    Mutant("SkipGram", "naive log(sigmoid) that overflows", _SG_INIT + '''
    def forward(self, center, context, negatives):
        v = self.in_embed(center)
        pos = torch.log(torch.sigmoid((self.out_embed(context) * v).sum(-1)))
        neg = torch.log(torch.sigmoid(-(self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1))).sum(-1)
        return -(pos + neg).mean()
''' + _SG_SIMILAR, visible=False),
    Mutant("SkipGram", "most_similar crashes when k exceeds the vocabulary", _SG_INIT + _SG_FORWARD + '''
    @torch.no_grad()
    def most_similar(self, word, k=5):
        if word not in self.stoi:
            raise KeyError(f"{word!r} is not in the vocabulary")
        W = self.in_embed.weight
        sims = F.cosine_similarity(W[self.stoi[word]].unsqueeze(0), W, dim=-1)
        sims[self.stoi[word]] = -math.inf
        top = sims.topk(k)
        return [(self.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]
''', visible=False),
    # make_reverse_task
    Mutant("make_reverse_task", "reverses the batch instead of each sequence", '''
def make_reverse_task(n, seq_len, vocab_size, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(vocab_size, (n, seq_len), generator=g)
    return src, src.flip(0)
''', visible=True),
    Mutant("make_reverse_task", "ignores the seed", '''
def make_reverse_task(n, seq_len, vocab_size, seed=0):
    src = torch.randint(vocab_size, (n, seq_len))
    return src, src.flip(1)
''', visible=False),
    Mutant("make_reverse_task", "tokens from 1 (0 never used)", '''
def make_reverse_task(n, seq_len, vocab_size, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(1, vocab_size, (n, seq_len), generator=g)
    return src, src.flip(1)
''', visible=False),
]
