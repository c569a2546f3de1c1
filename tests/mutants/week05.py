"""Plausible wrong implementations of the Week 5 exercises."""

from tests.mutants import Mutant

MUTANTS = [
    # get_batch first: the nbgrader round trip uses the first mutant
    Mutant("get_batch", "y is not shifted (the model would learn to copy)", '''
def get_batch(data, block_size, batch_size, generator=None):
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix])
    return x, x.clone()
''', visible=True),
    Mutant("get_batch", "off by one: the last window is never drawn", '''
def get_batch(data, block_size, batch_size, generator=None):
    if data.dim() != 1 or len(data) <= block_size:
        raise ValueError("bad data")
    ix = torch.randint(len(data) - block_size - 1, (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x, y
''', visible=False),
    Mutant("get_batch", "ignores the generator", '''
def get_batch(data, block_size, batch_size, generator=None):
    if data.dim() != 1 or len(data) <= block_size:
        raise ValueError("bad data")
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x, y
''', visible=False),
    Mutant("get_batch", "no check of the data length (fails later with a cryptic error)", '''
def get_batch(data, block_size, batch_size, generator=None):
    ix = torch.randint(max(1, len(data) - block_size), (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x, y
''', visible=False),
    # build_vocab
    Mutant("build_vocab", "vocabulary in order of first appearance, not sorted", '''
def build_vocab(text):
    if not text:
        raise ValueError("empty")
    itos = list(dict.fromkeys(text))
    return {ch: i for i, ch in enumerate(itos)}, itos
''', visible=True),
    Mutant("build_vocab", "drops whitespace characters", '''
def build_vocab(text):
    if not text:
        raise ValueError("empty")
    itos = sorted(set(text) - set(" \\n"))
    return {ch: i for i, ch in enumerate(itos)}, itos
''', visible=False),
    Mutant("build_vocab", "empty text returns an empty vocabulary", '''
def build_vocab(text):
    itos = sorted(set(text))
    return {ch: i for i, ch in enumerate(itos)}, itos
''', visible=False),
    # encode / decode
    Mutant("encode_decode", "decode joins with spaces", '''
def encode(text, stoi):
    return [stoi[ch] for ch in text]

def decode(ids, itos):
    return " ".join(itos[int(i)] for i in ids)
''', visible=True),
    Mutant("encode_decode", "unknown characters silently become id 0", '''
def encode(text, stoi):
    return [stoi.get(ch, 0) for ch in text]

def decode(ids, itos):
    return "".join(itos[int(i)] for i in ids)
''', visible=False),
    Mutant("encode_decode", "decode fails on tensors (uses the ids as they are)", '''
def encode(text, stoi):
    return [stoi[ch] for ch in text]

def decode(ids, itos):
    return "".join(itos[i] if isinstance(i, int) else str(i) for i in ids)
''', visible=False),
    # RNNCell
    Mutant("RNNCell", "W_hh not transposed", '''
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
''', visible=True),
    Mutant("RNNCell", "ReLU instead of tanh", '''
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
''', visible=True),
    Mutant("RNNCell", "parameters left uninitialised (torch.empty)", '''
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
''', visible=False),
    Mutant("RNNCell", "squeezes the batch dimension", '''
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
''', visible=False),
    # CharRNN
    Mutant("CharRNN", "logits only from the last position", '''
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
''', visible=True),
    Mutant("CharRNN", "ignores the state passed in", '''
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
''', visible=False),
    Mutant("CharRNN", "returns the first state instead of the last", '''
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
''', visible=False),
    Mutant("CharRNN", "the default embedding size is the hidden size, not 64", '''
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
''', visible=False),
    # sample
    Mutant("sample", "multiplies by the temperature", '''
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
''', visible=True),
    Mutant("sample", "greedy argmax whatever the temperature", '''
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
''', visible=False),
    Mutant("sample", "drops the state (feeds the new id alone from zeros)", '''
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
''', visible=False),
    Mutant("sample", "returns only the new ids", '''
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
''', visible=True),
]
