"""Plausible wrong implementations of the Week 6 exercises."""

from tests.mutants import Mutant

_INIT = '''
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        k, H = 1.0 / math.sqrt(hidden_size), hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(4 * H).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(4 * H).uniform_(-k, k))
'''


def _lstm(forward: str, init: str = _INIT) -> str:
    return "class LSTMCell(nn.Module):" + init + forward


_NP_SIGMOID = '''
    def sigmoid(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''

MUTANTS = [
    # LSTMCell (the first mutant is used by the nbgrader round trip)
    Mutant("LSTMCell", "gate order i, f, o, g (the order of many textbooks, not PyTorch's)", _lstm('''
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, o, g = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''), visible=True),
    Mutant("LSTMCell", "h_new without the tanh of the cell state", _lstm('''
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * c_new, c_new
'''), visible=True),
    Mutant("LSTMCell", "returns the old cell state", _lstm('''
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c
'''), visible=False),
    Mutant("LSTMCell", "parameters initialised to zeros", _lstm('''
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
''', init='''
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        H = hidden_size
        self.weight_ih = nn.Parameter(torch.zeros(4 * H, input_size))
        self.weight_hh = nn.Parameter(torch.zeros(4 * H, H))
        self.bias_ih = nn.Parameter(torch.zeros(4 * H))
        self.bias_hh = nn.Parameter(torch.zeros(4 * H))
'''), visible=False),
    Mutant("LSTMCell", "updates the cell state in place", _lstm('''
    def forward(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c.mul_(torch.sigmoid(f))
        c_new = c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''), visible=False),
    # lstm_cell_numpy
    Mutant("lstm_cell_numpy", "forget gate applied to the candidate instead of the old cell", '''
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):''' + _NP_SIGMOID + '''
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = sigmoid(i) * c + sigmoid(f) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new
''', visible=True),
    Mutant("lstm_cell_numpy", "naive sigmoid that overflows", '''
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):
    sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new
''', visible=False),
    Mutant("lstm_cell_numpy", "modifies c in place", '''
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):''' + _NP_SIGMOID + '''
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)
    c *= sigmoid(f)
    c += sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c.copy()
''', visible=False),
    Mutant("lstm_cell_numpy", "only the input-to-hidden bias", '''
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):''' + _NP_SIGMOID + '''
    gates = x @ W_ih.T + b_ih + h @ W_hh.T
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new
''', visible=True),
    # clip_grad_norm
    Mutant("clip_grad_norm", "clips each parameter on its own", '''
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
''', visible=True),
    Mutant("clip_grad_norm", "reads a generator twice (nothing left to scale)", '''
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
''', visible=False),
    Mutant("clip_grad_norm", "always rescales to max_norm (even small gradients)", '''
def clip_grad_norm(parameters, max_norm):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    for g in grads:
        g.mul_(max_norm / (total + 1e-6))
    return total
''', visible=False),
    Mutant("clip_grad_norm", "returns the norm after clipping", '''
def clip_grad_norm(parameters, max_norm):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g.mul_(coef)
    return torch.sqrt(sum((g ** 2).sum() for g in grads))
''', visible=True),
]
