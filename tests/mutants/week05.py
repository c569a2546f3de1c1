"""Plausible wrong implementations of the Week 5 exercises."""

from tests.mutants import Mutant


def _step_backward(body: str) -> str:
    return (
        """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)

def rnn_step_backward(dh, cache):"""
        + body
    )


def _sequence(loop: str) -> str:
    return (
        """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    caches, h_t = [], h0
    for t in range(T):
        h_t, c = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
        h[:, t] = h_t
        caches.append(c)
    return h, caches

def rnn_backward(dh, cache):
    N, T, _ = dh.shape
    dx, dWx, dWh, db = [], 0.0, 0.0, 0.0
    dh_next = np.zeros_like(dh[:, 0])"""
        + loop
        + """    return np.stack(dx[::-1], axis=1), dh_next, dWx, dWh, db
"""
    )


def _chunks(k_line: str, check: bool = True) -> str:
    guard = (
        """    if K == 0:
        raise ValueError("too short")
"""
        if check
        else ""
    )
    return f"""
def tbptt_chunks(data, block_size, batch_size):
    if data.dim() != 1:
        raise ValueError("data should be 1D")
    S = (len(data) - 1) // batch_size
    {k_line}
{guard}    xs = torch.stack([data[b * S: b * S + K * block_size] for b in range(batch_size)])
    ys = torch.stack([data[b * S + 1: b * S + K * block_size + 1] for b in range(batch_size)])
    return (xs.view(batch_size, K, block_size).transpose(0, 1).contiguous(),
            ys.view(batch_size, K, block_size).transpose(0, 1).contiguous())
"""


def _tbptt_step(
    ret: str = "return loss.item(), h_last.detach()",
    clip: str = "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
    zero: str = "optimizer.zero_grad()",
) -> str:
    return f"""
def tbptt_step(model, optimizer, x, y, h):
    logits, h_last = model(x, h)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
    {zero}
    loss.backward()
    {clip}
    optimizer.step()
    {ret}
"""


MUTANTS = [
    # get_batch first: the nbgrader round trip uses the first mutant
    Mutant(
        "get_batch",
        "y is not shifted (the model would learn to copy)",
        """
def get_batch(data, block_size, batch_size, generator=None):
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix])
    return x, x.clone()
""",
        visible=True,
        names_it="shifted by one",
    ),
    Mutant(
        "get_batch",
        "off by one: the last window is never drawn",
        """
def get_batch(data, block_size, batch_size, generator=None):
    if data.dim() != 1 or len(data) <= block_size:
        raise ValueError("bad data")
    ix = torch.randint(len(data) - block_size - 1, (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x, y
""",
        visible=False,
    ),
    Mutant(
        "get_batch",
        "ignores the generator",
        """
def get_batch(data, block_size, batch_size, generator=None):
    if data.dim() != 1 or len(data) <= block_size:
        raise ValueError("bad data")
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x, y
""",
        visible=False,
    ),
    Mutant(
        "get_batch",
        "no check of the data length (fails later with a cryptic error)",
        """
def get_batch(data, block_size, batch_size, generator=None):
    ix = torch.randint(max(1, len(data) - block_size), (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x, y
""",
        visible=False,
    ),
    # build_vocab
    Mutant(
        "build_vocab",
        "vocabulary in order of first appearance, not sorted",
        """
def build_vocab(text):
    if not text:
        raise ValueError("empty")
    itos = list(dict.fromkeys(text))
    return {ch: i for i, ch in enumerate(itos)}, itos
""",
        visible=True,
        names_it="sorted",
    ),
    Mutant(
        "build_vocab",
        "drops whitespace characters",
        """
def build_vocab(text):
    if not text:
        raise ValueError("empty")
    itos = sorted(set(text) - set(" \\n"))
    return {ch: i for i, ch in enumerate(itos)}, itos
""",
        visible=False,
    ),
    Mutant(
        "build_vocab",
        "empty text returns an empty vocabulary",
        """
def build_vocab(text):
    itos = sorted(set(text))
    return {ch: i for i, ch in enumerate(itos)}, itos
""",
        visible=False,
    ),
    # encode / decode
    Mutant(
        "encode_decode",
        "decode joins with spaces",
        """
def encode(text, stoi):
    return [stoi[ch] for ch in text]

def decode(ids, itos):
    return " ".join(itos[int(i)] for i in ids)
""",
        visible=True,
        names_it="no separator",
    ),
    Mutant(
        "encode_decode",
        "unknown characters silently become id 0",
        """
def encode(text, stoi):
    return [stoi.get(ch, 0) for ch in text]

def decode(ids, itos):
    return "".join(itos[int(i)] for i in ids)
""",
        visible=False,
    ),
    Mutant(
        "encode_decode",
        "decode fails on tensors (uses the ids as they are)",
        """
def encode(text, stoi):
    return [stoi[ch] for ch in text]

def decode(ids, itos):
    return "".join(itos[i] if isinstance(i, int) else str(i) for i in ids)
""",
        visible=False,
    ),
    # RNNCell
    Mutant(
        "RNNCell",
        "W_hh not transposed",
        """
class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))

    def forward(self, x, h):
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh + self.bias_hh)
""",
        visible=True,
        names_it="W_hh is not transposed",
    ),
    Mutant(
        "RNNCell",
        "ReLU instead of tanh",
        """
class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))

    def forward(self, x, h):
        return torch.relu(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)
""",
        visible=True,
    ),
    Mutant(
        "RNNCell",
        "parameters left uninitialised (torch.empty)",
        """
class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.zeros(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.zeros(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x, h):
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)
""",
        visible=False,
    ),
    Mutant(
        "RNNCell",
        "squeezes the batch dimension",
        """
class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))

    def forward(self, x, h):
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).squeeze()
""",
        visible=False,
    ),
    # CharRNN
    Mutant(
        "CharRNN",
        "logits only from the last position",
        """
class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size, embed_size=64):
        super().__init__()
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.cell = RNNCell(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, h=None):
        x = self.embed(idx)
        if h is None:
            h = x.new_zeros(idx.shape[0], self.hidden_size)
        for t in range(idx.shape[1]):
            h = self.cell(x[:, t], h)
        return self.head(h).unsqueeze(1).expand(-1, idx.shape[1], -1), h
""",
        visible=True,
        names_it="head at every step",
    ),
    Mutant(
        "CharRNN",
        "ignores the state passed in",
        """
class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size, embed_size=64):
        super().__init__()
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.cell = RNNCell(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, h=None):
        x = self.embed(idx)
        h = x.new_zeros(idx.shape[0], self.hidden_size)
        states = []
        for t in range(idx.shape[1]):
            h = self.cell(x[:, t], h)
            states.append(h)
        return self.head(torch.stack(states, 1)), h
""",
        visible=False,
    ),
    Mutant(
        "CharRNN",
        "returns the first state instead of the last",
        """
class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size, embed_size=64):
        super().__init__()
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.cell = RNNCell(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, h=None):
        x = self.embed(idx)
        if h is None:
            h = x.new_zeros(idx.shape[0], self.hidden_size)
        states = []
        for t in range(idx.shape[1]):
            h = self.cell(x[:, t], h)
            states.append(h)
        return self.head(torch.stack(states, 1)), states[0]
""",
        visible=False,
    ),
    Mutant(
        "CharRNN",
        "the default embedding size is the hidden size, not 64",
        """
class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size, embed_size=None):
        super().__init__()
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        embed_size = embed_size or hidden_size
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.cell = RNNCell(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, h=None):
        x = self.embed(idx)
        if h is None:
            h = x.new_zeros(idx.shape[0], self.hidden_size)
        states = []
        for t in range(idx.shape[1]):
            h = self.cell(x[:, t], h)
            states.append(h)
        return self.head(torch.stack(states, 1)), h
""",
        visible=False,
    ),
    # sample
    Mutant(
        "sample",
        "multiplies by the temperature",
        """
@torch.no_grad()
def sample(model, prompt_ids, max_new_tokens, temperature=1.0, generator=None):
    model.eval()
    out = [int(i) for i in prompt_ids]
    logits, h = model(torch.tensor([out]))
    for _ in range(max_new_tokens):
        nxt = int(torch.multinomial(torch.softmax(logits[0, -1] * temperature, -1), 1, generator=generator))
        out.append(nxt)
        logits, h = model(torch.tensor([[nxt]]), h)
    return out
""",
        visible=True,
    ),
    Mutant(
        "sample",
        "greedy argmax whatever the temperature",
        """
@torch.no_grad()
def sample(model, prompt_ids, max_new_tokens, temperature=1.0, generator=None):
    model.eval()
    out = [int(i) for i in prompt_ids]
    logits, h = model(torch.tensor([out]))
    for _ in range(max_new_tokens):
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        logits, h = model(torch.tensor([[nxt]]), h)
    return out
""",
        visible=False,
    ),
    Mutant(
        "sample",
        "drops the state (feeds the new id alone from zeros)",
        """
@torch.no_grad()
def sample(model, prompt_ids, max_new_tokens, temperature=1.0, generator=None):
    model.eval()
    out = [int(i) for i in prompt_ids]
    logits, h = model(torch.tensor([out]))
    for _ in range(max_new_tokens):
        nxt = int(torch.multinomial(torch.softmax(logits[0, -1] / temperature, -1), 1, generator=generator))
        out.append(nxt)
        logits, _ = model(torch.tensor([[nxt]]))
    return out
""",
        visible=False,
    ),
    Mutant(
        "sample",
        "returns only the new ids",
        """
@torch.no_grad()
def sample(model, prompt_ids, max_new_tokens, temperature=1.0, generator=None):
    model.eval()
    out = []
    logits, h = model(torch.tensor([[int(i) for i in prompt_ids]]))
    for _ in range(max_new_tokens):
        nxt = int(torch.multinomial(torch.softmax(logits[0, -1] / temperature, -1), 1, generator=generator))
        out.append(nxt)
        logits, h = model(torch.tensor([[nxt]]), h)
    return out
""",
        visible=True,
        names_it="the prompt first",
    ),
    # rnn_step (rnn_step_forward and rnn_step_backward)
    Mutant(
        "rnn_step",
        "dh_prev is missing the (1 - h²) factor of the tanh",
        _step_backward("""
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, dh @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""),
        visible=True,
        names_it="missing the (1 - h²) factor",
    ),
    Mutant(
        "rnn_step",
        "forward multiplies by Wh.T (PyTorch's convention mixed with CS231n's)",
        """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh.T + b)
    return h, (x, h_prev, Wx, Wh, h)

def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh, x.T @ da, (h_prev.T @ da).T, da.sum(axis=0)
""",
        visible=True,
        names_it="no transpose",
    ),
    Mutant(
        "rnn_step",
        "db averaged over the batch instead of summed",
        _step_backward("""
    x, h_prev, Wx, Wh, h = cache
    da = dh * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.mean(axis=0)
"""),
        visible=False,
    ),
    Mutant(
        "rnn_step",
        "modifies dh in place (dh *= 1 - h**2)",
        _step_backward("""
    x, h_prev, Wx, Wh, h = cache
    dh *= 1 - h ** 2
    return dh @ Wx.T, dh @ Wh.T, x.T @ dh, h_prev.T @ dh, dh.sum(axis=0)
"""),
        visible=False,
    ),
    # rnn_forward_backward
    Mutant(
        "rnn_forward_backward",
        "the gradient from step t+1 is not added (each step sees dh[:, t] only)",
        _sequence("""
    for t in reversed(range(T)):
        dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dx.append(dx_t)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
"""),
        visible=True,
        names_it="dh_prev that step t+1 returned",
    ),
    Mutant(
        "rnn_forward_backward",
        "weight gradients overwritten at each step (= instead of +=)",
        _sequence("""
    for t in reversed(range(T)):
        dx_t, dh_next, dWx, dWh, db = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dx.append(dx_t)
"""),
        visible=True,
        names_it="sum the weight gradients over all T steps",
    ),
    Mutant(
        "rnn_forward_backward",
        "modifies dh in place (dh[:, t] += dh_next)",
        _sequence("""
    for t in reversed(range(T)):
        dh[:, t] += dh_next
        dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dx.append(dx_t)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
"""),
        visible=False,
    ),
    # tbptt_chunks
    Mutant(
        "tbptt_chunks",
        "consecutive pieces of the text go to the rows of one chunk (data.view(K, B, T))",
        """
def tbptt_chunks(data, block_size, batch_size):
    if data.dim() != 1:
        raise ValueError("data should be 1D")
    S = (len(data) - 1) // batch_size
    K = S // block_size
    if K == 0:
        raise ValueError("too short")
    n = K * batch_size * block_size
    return data[:n].view(K, batch_size, block_size), data[1:n + 1].view(K, batch_size, block_size)
""",
        visible=True,
        names_it="must continue where row b of chunk k ended",
    ),
    Mutant(
        "tbptt_chunks",
        "drops the last full chunk (K = (S - 1) // block_size)",
        _chunks("K = (S - 1) // block_size"),
        visible=False,
    ),
    Mutant(
        "tbptt_chunks",
        "no error when the data is too short for one chunk",
        _chunks("K = S // block_size", check=False),
        visible=False,
    ),
    # tbptt_step
    Mutant(
        "tbptt_step",
        "the state is not detached",
        _tbptt_step(ret="return loss.item(), h_last"),
        visible=True,
        names_it="still attached to the graph",
    ),
    Mutant("tbptt_step", "no gradient clipping", _tbptt_step(clip=""), visible=False),
    Mutant("tbptt_step", "no optimizer.zero_grad() (gradients accumulate)", _tbptt_step(zero=""), visible=False),
]
