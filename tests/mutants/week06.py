"""Plausible wrong implementations of the Week 6 exercises."""

from tests.mutants import Mutant

_INIT = """
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        k, H = 1.0 / math.sqrt(hidden_size), hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(4 * H).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(4 * H).uniform_(-k, k))
"""


def _lstm(forward: str, init: str = _INIT) -> str:
    return "class LSTMCell(nn.Module):" + init + forward


_NP_SIGMOID = """
    def sigmoid(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
"""


def _backward(
    dc: str = "dc = dc_new + dh_new * o * (1 - tanh_c ** 2)", dg: str = "dg * (1 - g ** 2)", sigmoid: str = _NP_SIGMOID
) -> str:
    return f"""
def lstm_cell_backward_numpy(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh):{sigmoid}
    a_i, a_f, a_g, a_o = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    tanh_c = np.tanh(f * c + i * g)
    {dc}
    do = dh_new * tanh_c
    di, df, dg = dc * g, dc * c, dc * i
    dgates = np.concatenate([di * i * (1 - i), df * f * (1 - f), {dg}, do * o * (1 - o)], axis=1)
    return dgates @ W_ih, dgates @ W_hh, dc * f, dgates.T @ x, dgates.T @ h, dgates.sum(axis=0)
"""


def _forget(start: str, stop: str, hh: str = "0.0") -> str:
    return f"""
def init_forget_bias(lstm, value=1.0):
    H = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[{start}:{stop}] = value
            elif name.startswith("bias_hh"):
                p[{start}:{stop}] = {hh}
    return lstm
"""


MUTANTS = [
    # LSTMCell (the first mutant is used by the nbgrader round trip)
    Mutant(
        "LSTMCell",
        "gate order i, f, o, g (the order of many textbooks, not PyTorch's)",
        _lstm("""
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, o, g = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
"""),
        visible=True,
        names_it="PyTorch's is i, f, g, o",
    ),
    Mutant(
        "LSTMCell",
        "h_new without the tanh of the cell state",
        _lstm("""
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * c_new, c_new
"""),
        visible=True,
    ),
    Mutant(
        "LSTMCell",
        "returns the old cell state",
        _lstm("""
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c
"""),
        visible=False,
    ),
    Mutant(
        "LSTMCell",
        "parameters initialised to zeros",
        _lstm(
            """
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
""",
            init="""
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        H = hidden_size
        self.weight_ih = nn.Parameter(torch.zeros(4 * H, input_size))
        self.weight_hh = nn.Parameter(torch.zeros(4 * H, H))
        self.bias_ih = nn.Parameter(torch.zeros(4 * H))
        self.bias_hh = nn.Parameter(torch.zeros(4 * H))
""",
        ),
        visible=False,
    ),
    Mutant(
        "LSTMCell",
        "updates the cell state in place",
        _lstm("""
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c.mul_(torch.sigmoid(f))
        c_new = c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
"""),
        visible=False,
    ),
    # lstm_cell_numpy
    Mutant(
        "lstm_cell_numpy",
        "forget gate applied to the candidate instead of the old cell",
        """
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):"""
        + _NP_SIGMOID
        + """
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = sigmoid(i) * c + sigmoid(f) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new
""",
        visible=True,
        names_it="the forget gate multiplies the old cell state",
    ),
    Mutant(
        "lstm_cell_numpy",
        "naive sigmoid that overflows",
        """
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):
    sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new
""",
        visible=False,
    ),
    Mutant(
        "lstm_cell_numpy",
        "modifies c in place",
        """
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):"""
        + _NP_SIGMOID
        + """
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    c *= sigmoid(f)
    c += sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c.copy()
""",
        visible=False,
    ),
    Mutant(
        "lstm_cell_numpy",
        "only the input-to-hidden bias",
        """
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):"""
        + _NP_SIGMOID
        + """
    gates = x @ W_ih.T + b_ih + h @ W_hh.T
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new
""",
        visible=True,
    ),
    # clip_grad_norm
    Mutant(
        "clip_grad_norm",
        "clips each parameter on its own",
        """
def clip_grad_norm(parameters, max_norm):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    norms = []
    for p in params:
        if p.grad is None:
            continue
        n = p.grad.norm()
        norms.append(n)
        if n > max_norm:
            p.grad.mul_(max_norm / (n + 1e-6))
    return torch.stack(norms).norm()
""",
        visible=True,
        names_it="not one per parameter",
    ),
    Mutant(
        "clip_grad_norm",
        "reads a generator twice (nothing left to scale)",
        """
def clip_grad_norm(parameters, max_norm):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in parameters if p.grad is not None))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for p in parameters:
            if p.grad is not None:
                p.grad.mul_(coef)
    return total
""",
        visible=False,
    ),
    Mutant(
        "clip_grad_norm",
        "always rescales to max_norm (even small gradients)",
        """
def clip_grad_norm(parameters, max_norm):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    for g in grads:
        g.mul_(max_norm / (total + 1e-6))
    return total
""",
        visible=False,
    ),
    Mutant(
        "clip_grad_norm",
        "returns the norm after clipping",
        """
def clip_grad_norm(parameters, max_norm):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g.mul_(coef)
    return torch.sqrt(sum((g ** 2).sum() for g in grads))
""",
        visible=True,
    ),
    Mutant(
        "LSTMCell",
        "subclasses torch.nn.LSTMCell instead of writing the cell",
        """
class LSTMCell(nn.LSTMCell):
    pass
""",
        visible=False,
    ),
    Mutant(
        "clip_grad_norm",
        "calls torch.nn.utils.clip_grad_norm_",
        """
def clip_grad_norm(parameters, max_norm):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    return torch.nn.utils.clip_grad_norm_(list(parameters), max_norm)
""",
        visible=False,
    ),
    # lstm_cell_backward_numpy
    Mutant(
        "lstm_cell_backward_numpy",
        "dc misses the path through h_new (dc = dc_new)",
        _backward(dc="dc = dc_new"),
        visible=True,
        names_it="missing the path through h_new",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "the sigmoid's derivative used for the tanh candidate g",
        _backward(dg="dg * g * (1 - g)"),
        visible=True,
        names_it="not the sigmoid's",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "naive sigmoid that overflows",
        _backward(
            sigmoid="""
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))
"""
        ),
        visible=False,
    ),
    # make_recall_task
    Mutant(
        "make_recall_task",
        "y is the last token, not the first",
        """
def make_recall_task(n, lag, vocab_size, seed):
    if n < 1 or lag < 1 or vocab_size < 2:
        raise ValueError("bad arguments")
    x = torch.randint(vocab_size, (n, lag + 1), generator=torch.Generator().manual_seed(seed))
    return x, x[:, -1].clone()
""",
        visible=True,
        names_it="the label is the first token",
    ),
    Mutant(
        "make_recall_task",
        "the distractors are all zeros",
        """
def make_recall_task(n, lag, vocab_size, seed):
    if n < 1 or lag < 1 or vocab_size < 2:
        raise ValueError("bad arguments")
    first = torch.randint(vocab_size, (n,), generator=torch.Generator().manual_seed(seed))
    x = torch.zeros(n, lag + 1, dtype=torch.long)
    x[:, 0] = first
    return x, first.clone()
""",
        visible=False,
    ),
    Mutant(
        "make_recall_task",
        "y is a view of x (no clone)",
        """
def make_recall_task(n, lag, vocab_size, seed):
    if n < 1 or lag < 1 or vocab_size < 2:
        raise ValueError("bad arguments")
    x = torch.randint(vocab_size, (n, lag + 1), generator=torch.Generator().manual_seed(seed))
    return x, x[:, 0]
""",
        visible=False,
    ),
    # init_forget_bias
    Mutant(
        "init_forget_bias",
        "sets the input gate's block (rows 0:H)",
        _forget("0", "H"),
        visible=True,
        names_it="the forget gate is the second block",
    ),
    Mutant(
        "init_forget_bias",
        "sets both biases to value (the gate gets 2 * value)",
        _forget("H", "2 * H", hh="value"),
        visible=True,
        names_it="set bias_hh's block to 0",
    ),
    Mutant(
        "init_forget_bias",
        "only the attributes bias_ih / bias_hh (fails on a stacked nn.LSTM)",
        """
def init_forget_bias(lstm, value=1.0):
    H = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih[H:2 * H] = value
        lstm.bias_hh[H:2 * H] = 0.0
    return lstm
""",
        visible=False,
    ),
    Mutant(
        "init_forget_bias",
        "replaces the parameters with new ones (an optimizer would lose them)",
        """
def init_forget_bias(lstm, value=1.0):
    H = lstm.hidden_size
    for name, p in list(lstm.named_parameters()):
        if name.startswith("bias_ih") or name.startswith("bias_hh"):
            new = p.detach().clone()
            new[H:2 * H] = value if name.startswith("bias_ih") else 0.0
            setattr(lstm, name, nn.Parameter(new))
    return lstm
""",
        visible=False,
    ),
]
