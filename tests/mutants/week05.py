"""Week 5 (character RNN, BPTT by hand): learners' mistakes, and honest answers written another way."""

from tests.mutants import Mutant, edit

_RANDINT = "ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)"
_UNIFORM = """
self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-bound, bound))
self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-bound, bound))
self.bias_ih = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
self.bias_hh = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
"""

MUTANTS = [
    # ------------------------------------------------------------------ get_batch (first: the round trip grades it)
    Mutant(
        "get_batch",
        "y is x, not shifted (the model would learn to copy)",
        edit("y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])", "y = x.clone()"),
        visible=True,
        learner=True,
        names_it="shifted by one",
    ),
    Mutant(
        "get_batch",
        "ignores the generator (torch's global generator draws the starts)",
        edit(_RANDINT, "ix = torch.randint(len(data) - block_size, (batch_size,))"),
        visible=True,
        learner=True,
        names_it="generator",
    ),
    Mutant(
        "get_batch",
        "off by one: the last window is never drawn",
        edit(_RANDINT, "ix = torch.randint(len(data) - block_size - 1, (batch_size,), generator=generator)"),
        visible=True,
        learner=True,
        names_it="every start",
    ),
    Mutant(
        "get_batch",
        "off by one: a window can run past the end of data",
        edit(_RANDINT, "ix = torch.randint(len(data) - block_size + 1, (batch_size,), generator=generator)"),
        visible=True,
        learner=True,
        names_it="past the end",
    ),
    Mutant(
        "get_batch",
        "no check that data is 1D",
        edit(
            """
            if data.dim() != 1:
                raise ValueError(f"data should be a 1D tensor of token ids, got shape {tuple(data.shape)}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="should raise ValueError",
    ),
    Mutant(
        "get_batch",
        "starts from torch.rand, scaled and floored (the right range, not the reference's draws)",
        edit(_RANDINT, "ix = (torch.rand(batch_size, generator=generator) * (len(data) - block_size)).long()"),
        visible=False,
    ),
    # ------------------------------------------------------------------ build_vocab
    Mutant(
        "build_vocab",
        "not sorted: a set's order",
        edit("itos = sorted(set(text))", "itos = list(set(text))"),
        visible=True,
        learner=True,
        names_it="sorted",
    ),
    Mutant(
        "build_vocab",
        "sorted(text): every occurrence, not every distinct character",
        edit("itos = sorted(set(text))", "itos = sorted(text)"),
        visible=True,
        learner=True,
        names_it="repeated characters",
    ),
    Mutant(
        "build_vocab",
        "no error for an empty text",
        edit(
            """
            if not text:
                raise ValueError("build_vocab needs a non-empty text")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="raise ValueError",
    ),
    Mutant(
        "build_vocab",
        "itos as a string",
        edit("itos = sorted(set(text))", 'itos = "".join(sorted(set(text)))'),
        visible=True,
        learner=True,
        names_it="should be a list",
    ),
    Mutant(
        "build_vocab",
        "the course's reference, imported",
        "from helpers.reference.text import build_vocab\n",
        visible=False,
    ),
    # ------------------------------------------------------------------ encode_decode
    Mutant(
        "encode_decode",
        "decode puts spaces between the characters",
        edit('return "".join(itos[int(i)] for i in ids)', 'return " ".join(itos[int(i)] for i in ids)'),
        visible=True,
        learner=True,
        names_it="spaces",
    ),
    Mutant(
        "encode_decode",
        "unknown characters skipped",
        edit('raise KeyError(f"character {ch!r} is not in the vocabulary")', "continue"),
        visible=True,
        learner=True,
        names_it="raise a KeyError",
    ),
    Mutant(
        "encode_decode",
        "encode returns a tensor",
        edit("return out", "return torch.tensor(out)"),
        visible=True,
        learner=True,
        names_it="should return a list",
    ),
    Mutant(
        "encode_decode",
        "decode returns the list of characters",
        edit('return "".join(itos[int(i)] for i in ids)', "return [itos[int(i)] for i in ids]"),
        visible=True,
        learner=True,
        names_it="should return a string",
    ),
    Mutant(
        "encode_decode",
        "the course's reference, imported",
        "from helpers.reference.text import encode, decode\n",
        visible=False,
    ),
    # ------------------------------------------------------------------ RNNCell
    Mutant(
        "RNNCell",
        "W_hh not transposed",
        edit(
            "return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)",
            "return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh + self.bias_hh)",
        ),
        visible=True,
        learner=True,
        names_it="not transposed",
    ),
    Mutant(
        "RNNCell",
        "one bias instead of two",
        edit(
            "self.bias_hh = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))",
            "",
            "return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)",
            "return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T)",
        ),
        visible=True,
        learner=True,
        names_it="two of them biases",
    ),
    Mutant(
        "RNNCell",
        "parameters start at zero",
        edit("bound = 1.0 / math.sqrt(hidden_size)", "bound = 0.0"),
        visible=True,
        learner=True,
        names_it="spread uniformly",
    ),
    Mutant(
        "RNNCell",
        "the bound from the input size",
        edit("bound = 1.0 / math.sqrt(hidden_size)", "bound = 1.0 / math.sqrt(input_size)"),
        visible=True,
        learner=True,
        names_it="1/sqrt(hidden_size)",
    ),
    Mutant(
        "RNNCell",
        "two nn.Linear layers inside",
        """
class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.ih = nn.Linear(input_size, hidden_size)
        self.hh = nn.Linear(hidden_size, hidden_size)

    def forward(self, x, h):
        return torch.tanh(self.ih(x) + self.hh(h))
""",
        visible=True,
        learner=True,
        names_it="no nn.Linear inside",
    ),
    Mutant(
        "RNNCell",
        "a subclass of PyTorch's nn.RNNCell",
        """
class RNNCell(nn.RNNCell):
    pass
""",
        visible=False,
    ),
    # ------------------------------------------------------------------ rnn_step
    Mutant(
        "rnn_step",
        "Wh transposed in the forward step (PyTorch's layout)",
        edit("h = np.tanh(x @ Wx + h_prev @ Wh + b)", "h = np.tanh(x @ Wx + h_prev @ Wh.T + b)"),
        visible=True,
        learner=True,
        names_it="no transpose",
    ),
    Mutant(
        "rnn_step",
        "no derivative of the tanh",
        edit("da = dh * (1 - h ** 2)", "da = dh"),
        visible=True,
        learner=True,
        names_it="(1 - h²) factor",
    ),
    Mutant(
        "rnn_step",
        "the bias gradient averaged over the batch",
        edit("da.sum(axis=0))", "da.mean(axis=0))"),
        visible=True,
        learner=True,
        names_it="sum over the batch",
    ),
    Mutant(
        "rnn_step",
        "dh updated in place",
        edit("da = dh * (1 - h ** 2)", "dh *= 1 - h ** 2\nda = dh"),
        visible=True,
        learner=True,
        names_it="was modified",
    ),
    Mutant(
        "rnn_step",
        "dx = da Wx, without the transpose",
        edit("return (da @ Wx.T,", "return (da @ Wx,"),
        visible=True,
        learner=True,
        names_it="transpose",
    ),
    Mutant(
        "rnn_step",
        "the bias gradient squeezed (shape () when H = 1)",
        edit("da.sum(axis=0))", "da.sum(axis=0).squeeze())"),
        visible=False,
    ),
    # ------------------------------------------------------------------ rnn_forward_backward
    Mutant(
        "rnn_forward_backward",
        "no gradient from step t+1 back to h_t",
        edit(
            "dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])",
            "dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])",
        ),
        visible=True,
        learner=True,
        names_it="dh_prev that step t+1 returned",
    ),
    Mutant(
        "rnn_forward_backward",
        "the weight gradients of one step only (=, not summed)",
        edit("dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t", "dWx, dWh, db = dWx_t, dWh_t, db_t"),
        visible=True,
        learner=True,
        names_it="sum the weight gradients",
    ),
    Mutant(
        "rnn_forward_backward",
        "dx stacked in reverse time order",
        edit("dx = np.stack(dx[::-1], axis=1)", "dx = np.stack(dx, axis=1)"),
        visible=True,
        learner=True,
        names_it="reverse time order",
    ),
    Mutant(
        "rnn_forward_backward",
        "the gradient from the future added into dh in place",
        edit(
            "dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])",
            "dh[:, t] += dh_next\ndx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])",
        ),
        visible=True,
        learner=True,
        names_it="modified dh",
    ),
    Mutant(
        "rnn_forward_backward",
        "h[:, t] holds the state before step t",
        edit(
            """
            h_t, cache_t = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
            h[:, t] = h_t
            """,
            """
            h[:, t] = h_t
            h_t, cache_t = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
            """,
        ),
        visible=True,
        learner=True,
        names_it="state before step t",
    ),
    Mutant(
        "rnn_forward_backward",
        "h allocated as float64 whatever the inputs' dtype",
        edit("h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))", "h = np.zeros((N, T, h0.shape[1]))"),
        visible=False,
    ),
    # ------------------------------------------------------------------ CharRNN
    Mutant(
        "CharRNN",
        "the state passed in is ignored (always zeros)",
        edit(
            """
            if h is None:
                h = x.new_zeros(N, self.hidden_size)
            """,
            "h = x.new_zeros(N, self.hidden_size)",
        ),
        visible=True,
        learner=True,
        names_it="state passed in is ignored",
    ),
    Mutant(
        "CharRNN",
        "returns the state after the first position",
        edit("return logits, h", "return logits, states[0]"),
        visible=True,
        learner=True,
        names_it="the state after the last position",
    ),
    Mutant(
        "CharRNN",
        "the head on the last state only",
        edit("logits = self.head(torch.stack(states, dim=1))", "logits = self.head(h)"),
        visible=True,
        learner=True,
        names_it="the head at every position",
    ),
    Mutant(
        "CharRNN",
        "the states stacked on dimension 0: logits (T, N, V)",
        edit("logits = self.head(torch.stack(states, dim=1))", "logits = self.head(torch.stack(states, dim=0))"),
        visible=True,
        learner=True,
        names_it="(N, T, V)",
    ),
    Mutant(
        "CharRNN",
        "the state detached at every position",
        edit("h = self.cell(x[:, t], h)", "h = self.cell(x[:, t], h).detach()"),
        visible=True,
        learner=True,
        names_it="do not detach",
    ),
    Mutant(
        "CharRNN",
        "the zero state always float32 (not the embedding's dtype)",
        edit("h = x.new_zeros(N, self.hidden_size)", "h = torch.zeros(N, self.hidden_size)"),
        visible=False,
    ),
    # ------------------------------------------------------------------ tbptt_chunks
    Mutant(
        "tbptt_chunks",
        "consecutive pieces go to the rows of one chunk (no transpose)",
        edit(
            "x = streams_x.view(batch_size, K, block_size).transpose(0, 1)",
            "x = streams_x.view(K, batch_size, block_size)",
            "y = streams_y.view(batch_size, K, block_size).transpose(0, 1)",
            "y = streams_y.view(K, batch_size, block_size)",
        ),
        visible=True,
        learner=True,
        names_it="continue where row b of chunk k ended",
    ),
    Mutant(
        "tbptt_chunks",
        "S = L // batch_size (no token kept for the last target)",
        edit("S = (len(data) - 1) // batch_size", "S = len(data) // batch_size"),
        visible=True,
        learner=True,
        names_it="(L - 1) // batch_size",
    ),
    Mutant(
        "tbptt_chunks",
        "stream b starts right after the chunks of stream b - 1 (b * K * block_size)",
        edit(
            "streams_x = torch.stack([data[b * S: b * S + K * block_size] for b in range(batch_size)])",
            "streams_x = torch.stack([data[b * K * block_size: (b + 1) * K * block_size] for b in range(batch_size)])",
            "streams_y = torch.stack([data[b * S + 1: b * S + K * block_size + 1] for b in range(batch_size)])",
            "streams_y = torch.stack([data[b * K * block_size + 1: (b + 1) * K * block_size + 1] for b in range(batch_size)])",
        ),
        visible=True,
        learner=True,
        names_it="streams start at b * S",
    ),
    Mutant(
        "tbptt_chunks",
        "no error when the data is too short for one chunk",
        edit(
            """
            if K == 0:
                raise ValueError(f"{len(data)} tokens are too few for one chunk of {batch_size} x {block_size}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="should raise ValueError",
    ),
    Mutant(
        "tbptt_chunks",
        "y not shifted",
        edit(
            "streams_y = torch.stack([data[b * S + 1: b * S + K * block_size + 1] for b in range(batch_size)])",
            "streams_y = torch.stack([data[b * S: b * S + K * block_size] for b in range(batch_size)])",
        ),
        visible=True,
        learner=True,
        names_it="shifted by one",
    ),
    Mutant(
        "tbptt_chunks",
        "(S - 1) // block_size: a stream that divides exactly loses its last chunk",
        edit("K = S // block_size", "K = (S - 1) // block_size"),
        visible=False,
    ),
    # ------------------------------------------------------------------ tbptt_step
    Mutant(
        "tbptt_step",
        "the state is not detached",
        edit("return loss.item(), h_last.detach()", "return loss.item(), h_last"),
        visible=True,
        learner=True,
        names_it="still attached to the graph",
    ),
    Mutant(
        "tbptt_step",
        "no zero_grad: gradients accumulate",
        edit("optimizer.zero_grad()", ""),
        visible=True,
        learner=True,
        names_it="zero_grad()",
    ),
    Mutant(
        "tbptt_step",
        "no gradient clipping",
        edit("torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)", ""),
        visible=True,
        learner=True,
        names_it="clip the gradient norm",
    ),
    Mutant(
        "tbptt_step",
        "the loss returned as a tensor",
        edit("return loss.item(), h_last.detach()", "return loss.detach(), h_last.detach()"),
        visible=True,
        learner=True,
        names_it="Python float",
    ),
    Mutant(
        "tbptt_step",
        "the state passed in is ignored (model(x))",
        edit("logits, h_last = model(x, h)", "logits, h_last = model(x)"),
        visible=True,
        learner=True,
        names_it="state passed in",
    ),
    Mutant(
        "tbptt_step",
        "view instead of reshape (fails on logits that are not contiguous)",
        edit(
            "loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))",
            "loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ sample
    Mutant(
        "sample",
        "the state is not carried (each new id from a fresh state)",
        edit(
            "logits, h = model(torch.tensor([[nxt]], device=device), h)",
            "logits, h = model(torch.tensor([[nxt]], device=device))",
        ),
        visible=True,
        learner=True,
        names_it="carry the state",
    ),
    Mutant(
        "sample",
        "greedy argmax instead of a draw",
        edit("nxt = int(torch.multinomial(probs, 1, generator=generator))", "nxt = int(probs.argmax())"),
        visible=True,
        learner=True,
        names_it="draw at random",
    ),
    Mutant(
        "sample",
        "the logits multiplied by the temperature",
        edit(
            "probs = torch.softmax(logits[0, -1] / temperature, dim=-1)",
            "probs = torch.softmax(logits[0, -1] * temperature, dim=-1)",
        ),
        visible=True,
        learner=True,
        names_it="divide the logits by the temperature",
    ),
    Mutant(
        "sample",
        "ignores the generator",
        edit("nxt = int(torch.multinomial(probs, 1, generator=generator))", "nxt = int(torch.multinomial(probs, 1))"),
        visible=True,
        learner=True,
        names_it="generator=generator",
    ),
    Mutant(
        "sample",
        "never switches to eval mode",
        edit("model.eval()", ""),
        visible=True,
        learner=True,
        names_it="eval mode",
    ),
    Mutant(
        "sample",
        "always draws at least one id (max_new_tokens=0 gives one)",
        edit("for _ in range(max_new_tokens):", "for _ in range(max(max_new_tokens, 1)):"),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "get_batch": """
def get_batch(data, block_size, batch_size, generator=None):
    if data.ndim != 1 or data.shape[0] < block_size + 1:
        raise ValueError("need a 1D tensor longer than block_size")
    starts = torch.randint(0, data.shape[0] - block_size, (batch_size,), generator=generator)
    offsets = torch.arange(block_size)
    return data[starts[:, None] + offsets], data[starts[:, None] + offsets + 1]
""",
    "build_vocab": """
def build_vocab(text):
    if len(text) == 0:
        raise ValueError("empty text: no characters, no vocabulary")
    chars = []
    for c in sorted(text):
        if not chars or chars[-1] != c:
            chars.append(c)
    return dict(zip(chars, range(len(chars)))), chars
""",
    "encode_decode": """
def encode(text, stoi):
    ids = []
    for position, char in enumerate(text):
        try:
            ids.append(int(stoi[char]))
        except KeyError:
            raise KeyError(f"unknown character {char!r} at position {position}") from None
    return ids


def decode(ids, itos):
    pieces = []
    for token in list(ids):
        pieces.append(itos[int(token)])
    return "".join(pieces)
""",
    "RNNCell": """
class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        k = hidden_size ** -0.5
        def init(*shape):
            return nn.Parameter(torch.rand(*shape) * 2 * k - k)
        self.weight_ih = init(hidden_size, input_size)
        self.weight_hh = init(hidden_size, hidden_size)
        self.bias_ih = init(hidden_size)
        self.bias_hh = init(hidden_size)

    def forward(self, x, h):
        pre = torch.addmm(self.bias_ih, x, self.weight_ih.t()) + torch.addmm(self.bias_hh, h, self.weight_hh.t())
        return pre.tanh()
""",
    "rnn_step": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    pre = np.dot(x, Wx) + np.dot(h_prev, Wh) + b
    out = np.tanh(pre)
    return out, {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "out": out}


def rnn_step_backward(dh, cache):
    g = dh * (1.0 - np.square(cache["out"]))
    grad_x = np.dot(g, cache["Wx"].T)
    grad_h_prev = np.dot(g, cache["Wh"].T)
    grad_Wx = np.dot(cache["x"].T, g)
    grad_Wh = np.dot(cache["h_prev"].T, g)
    grad_b = np.sum(g, axis=0)
    return grad_x, grad_h_prev, grad_Wx, grad_Wh, grad_b
""",
    "rnn_forward_backward": """
def rnn_forward(x, h0, Wx, Wh, b):
    states, caches, state = [], [], h0
    for step in range(x.shape[1]):
        state, c = rnn_step_forward(x[:, step, :], state, Wx, Wh, b)
        states.append(state)
        caches.append(c)
    return np.stack(states, axis=1), caches


def rnn_backward(dh, cache):
    T = len(cache)
    grads_x = [None] * T
    carry = np.zeros(dh.shape[::2], dtype=dh.dtype)
    sums = None
    for step in range(T - 1, -1, -1):
        g_x, carry, g_Wx, g_Wh, g_b = rnn_step_backward(dh[:, step, :] + carry, cache[step])
        grads_x[step] = g_x
        sums = [g_Wx, g_Wh, g_b] if sums is None else [s + g for s, g in zip(sums, (g_Wx, g_Wh, g_b))]
    return (np.stack(grads_x, axis=1), carry, *sums)
""",
    "CharRNN": """
class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size, embed_size=64):
        super().__init__()
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.embed = nn.Embedding(num_embeddings=vocab_size, embedding_dim=embed_size)
        self.cell = RNNCell(input_size=embed_size, hidden_size=hidden_size)
        self.head = nn.Linear(in_features=hidden_size, out_features=vocab_size)

    def forward(self, idx, h=None):
        emb = self.embed(idx)
        state = torch.zeros(idx.size(0), self.hidden_size, dtype=emb.dtype, device=emb.device) if h is None else h
        outputs = []
        for x_t in emb.unbind(dim=1):
            state = self.cell(x_t, state)
            outputs.append(self.head(state))
        return torch.stack(outputs, dim=1), state
""",
    "tbptt_chunks": """
def tbptt_chunks(data, block_size, batch_size):
    if data.ndim != 1:
        raise ValueError("tbptt_chunks wants a 1D tensor")
    per_stream = (data.numel() - 1) // batch_size
    n_chunks = per_stream // block_size
    if n_chunks < 1:
        raise ValueError("not enough data for a single chunk")
    xs = torch.empty(n_chunks, batch_size, block_size, dtype=torch.long)
    ys = torch.empty(n_chunks, batch_size, block_size, dtype=torch.long)
    for k in range(n_chunks):
        for row in range(batch_size):
            start = row * per_stream + k * block_size
            xs[k, row] = data[start:start + block_size]
            ys[k, row] = data[start + 1:start + block_size + 1]
    return xs, ys
""",
    "tbptt_step": """
def tbptt_step(model, optimizer, x, y, h):
    out, last = model(x, h)
    vocab = out.shape[-1]
    loss = F.cross_entropy(out.flatten(0, 1), y.flatten())
    for p in model.parameters():
        p.grad = None
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=1.0)
    optimizer.step()
    return float(loss), last.detach().clone()
""",
    "sample": """
@torch.no_grad()
def sample(model, prompt_ids, max_new_tokens, temperature=1.0, generator=None):
    model.train(False)
    dev = next(iter(model.parameters())).device
    ids = list(map(int, prompt_ids))
    logits, state = model(torch.tensor(ids, device=dev).unsqueeze(0), None)
    last = logits[0, -1]
    while len(ids) < len(prompt_ids) + max_new_tokens:
        p = F.softmax(last / temperature, dim=-1)
        p = p.to(generator.device) if generator is not None else p
        new = torch.multinomial(p, num_samples=1, generator=generator).item()
        ids.append(int(new))
        logits, state = model(torch.tensor([[new]], device=dev), state)
        last = logits[0, -1]
    return ids
""",
}
