"""Week 6 (LSTMs): learners' mistakes as edits of the reference, and honest answers written another way."""

from tests.mutants import Mutant, edit

_GATES = "gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh"
_C_NEW = "c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)"
_H_NEW = "h_new = torch.sigmoid(o) * torch.tanh(c_new)"
_NP_C_NEW = "c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)"
_BW_RETURN = "return dgates @ W_ih, dgates @ W_hh, dc * f, dgates.T @ x, dgates.T @ h, dgates.sum(axis=0)"
_BW_DGATES = (
    "dgates = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=1)"
)
_CLIP_TAIL = """
total = torch.sqrt(sum((g.detach().double() ** 2).sum() for g in grads)).to(grads[0].dtype)
coef = max_norm / (total + 1e-6)
if coef < 1:
    for g in grads:
        g.detach().mul_(coef.to(g.dtype))
return total
"""
_RECALL_DRAW = "x = torch.randint(vocab_size, (n, lag + 1), generator=torch.Generator().manual_seed(seed))"

MUTANTS = [
    # ------------------------------------------------------------------ LSTMCell (the first: the nbgrader round trip)
    Mutant(
        "LSTMCell",
        "gate order i, f, o, g (the order of many textbooks, not PyTorch's)",
        edit("i, f, g, o = gates.chunk(4, dim=1)", "i, f, o, g = gates.chunk(4, dim=1)"),
        visible=True,
        learner=True,
        names_it="PyTorch's is i, f, g, o",
    ),
    Mutant(
        "LSTMCell",
        "the forget gate multiplies the candidate, the input gate the old cell",
        edit(_C_NEW, "c_new = torch.sigmoid(i) * c + torch.sigmoid(f) * torch.tanh(g)"),
        visible=True,
        learner=True,
        names_it="the forget gate multiplies the old cell state",
    ),
    Mutant(
        "LSTMCell",
        "h_new without the tanh of the cell state",
        edit(_H_NEW, "h_new = torch.sigmoid(o) * c_new"),
        visible=True,
        learner=True,
        names_it="tanh of the new cell state",
    ),
    Mutant(
        "LSTMCell",
        "h_new from the old cell state",
        edit(_H_NEW, "h_new = torch.sigmoid(o) * torch.tanh(c)"),
        visible=True,
        learner=True,
        names_it="uses the old cell state",
    ),
    Mutant(
        "LSTMCell",
        "only bias_ih added (bias_hh forgotten)",
        edit(_GATES, "gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T"),
        visible=True,
        learner=True,
        names_it="both biases",
    ),
    Mutant(
        "LSTMCell",
        "a sigmoid on the candidate g",
        edit(_C_NEW, "c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.sigmoid(g)"),
        visible=True,
        learner=True,
        names_it="g uses tanh",
    ),
    Mutant(
        "LSTMCell",
        "returns the old cell state",
        edit("return h_new, c_new", "return h_new, c"),
        visible=True,
        learner=True,
        names_it="return the new cell state",
    ),
    Mutant(
        "LSTMCell",
        "returns (c_new, h_new)",
        edit("return h_new, c_new", "return c_new, h_new"),
        visible=True,
        learner=True,
        names_it="(c_new, h_new)",
    ),
    Mutant(
        "LSTMCell",
        "updates the given cell state in place",
        edit(_C_NEW, "c.mul_(torch.sigmoid(f))\nc_new = c + torch.sigmoid(i) * torch.tanh(g)"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "LSTMCell",
        "initialised with randn",
        edit(
            "self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size).uniform_(-bound, bound))",
            "self.weight_ih = nn.Parameter(torch.randn(4 * H, input_size))",
        ),
        visible=True,
        learner=True,
        names_it="uniform in ±1/sqrt(hidden_size)",
    ),
    Mutant(
        "LSTMCell",
        "the bound from the input size",
        edit("bound = 1.0 / math.sqrt(hidden_size)", "bound = 1.0 / math.sqrt(input_size)"),
        visible=True,
        learner=True,
        names_it="not ±1/sqrt(input_size)",
    ),
    Mutant(
        "LSTMCell",
        "plain tensors instead of nn.Parameter",
        edit(
            """
            self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size).uniform_(-bound, bound))
            self.weight_hh = nn.Parameter(torch.empty(4 * H, H).uniform_(-bound, bound))
            self.bias_ih = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))
            self.bias_hh = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))
            """,
            """
            self.weight_ih = torch.empty(4 * H, input_size).uniform_(-bound, bound).requires_grad_()
            self.weight_hh = torch.empty(4 * H, H).uniform_(-bound, bound).requires_grad_()
            self.bias_ih = torch.empty(4 * H).uniform_(-bound, bound).requires_grad_()
            self.bias_hh = torch.empty(4 * H).uniform_(-bound, bound).requires_grad_()
            """,
        ),
        visible=True,
        learner=True,
        names_it="nn.Parameter",
    ),
    Mutant(
        "LSTMCell",
        "the old cell state detached (no gradient flows back along it)",
        edit(_C_NEW, "c_new = torch.sigmoid(f) * c.detach() + torch.sigmoid(i) * torch.tanh(g)"),
        visible=False,
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
        "LSTMCell",
        "bound 1/hidden_size instead of 1/sqrt(hidden_size)",
        edit("bound = 1.0 / math.sqrt(hidden_size)", "bound = 1.0 / hidden_size"),
        visible=True,
        learner=True,
        names_it="not 1/hidden_size",
    ),
    Mutant(
        "LSTMCell",
        "uniform in [0, bound) (torch.rand times the bound: no negative values)",
        edit(
            """
            self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size).uniform_(-bound, bound))
            self.weight_hh = nn.Parameter(torch.empty(4 * H, H).uniform_(-bound, bound))
            self.bias_ih = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))
            self.bias_hh = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))
            """,
            """
            self.weight_ih = nn.Parameter(torch.rand(4 * H, input_size) * bound)
            self.weight_hh = nn.Parameter(torch.rand(4 * H, H) * bound)
            self.bias_ih = nn.Parameter(torch.rand(4 * H) * bound)
            self.bias_hh = nn.Parameter(torch.rand(4 * H) * bound)
            """,
        ),
        visible=True,
        learner=True,
        names_it="both signs",
    ),
    # ------------------------------------------------------------------ lstm_cell_numpy
    Mutant(
        "lstm_cell_numpy",
        "the forget gate multiplies the candidate, the input gate the old cell",
        edit(_NP_C_NEW, "c_new = sigmoid(i) * c + sigmoid(f) * np.tanh(g)"),
        visible=True,
        learner=True,
        names_it="the forget gate multiplies the old cell state",
    ),
    Mutant(
        "lstm_cell_numpy",
        "the textbook sigmoid, which overflows",
        edit(
            """
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
            """,
            "return 1.0 / (1.0 + np.exp(-z))",
        ),
        visible=True,
        learner=True,
        names_it="overflows",
    ),
    Mutant(
        "lstm_cell_numpy",
        "updates c in place",
        edit(_NP_C_NEW, "c *= sigmoid(f)\nc += sigmoid(i) * np.tanh(g)\nc_new = c.copy()"),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "lstm_cell_numpy",
        "only the input-to-hidden bias",
        edit("gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh", "gates = x @ W_ih.T + b_ih + h @ W_hh.T"),
        visible=True,
        learner=True,
        names_it="b_hh is missing",
    ),
    Mutant(
        "lstm_cell_numpy",
        "gate order i, f, o, g",
        edit("i, f, g, o = np.split(gates, 4, axis=1)", "i, f, o, g = np.split(gates, 4, axis=1)"),
        visible=True,
        learner=True,
        names_it="gate order",
    ),
    Mutant(
        "lstm_cell_numpy",
        "h_new without the tanh of the cell state",
        edit("h_new = sigmoid(o) * np.tanh(c_new)", "h_new = sigmoid(o) * c_new"),
        visible=True,
        learner=True,
        names_it="tanh of the new cell state",
    ),
    Mutant(
        "lstm_cell_numpy",
        "computed with torch's cell, not numpy",
        """
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):
    cell = nn.LSTMCell(W_ih.shape[1], h.shape[1]).double()
    with torch.no_grad():
        for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
            getattr(cell, name).copy_(torch.from_numpy(value))
        hn, cn = cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
    return hn.numpy(), cn.numpy()
""",
        visible=False,
    ),
    # ------------------------------------------------------------------ lstm_cell_backward_numpy
    Mutant(
        "lstm_cell_backward_numpy",
        "dc misses the path through h_new (dc = dc_new)",
        edit("dc = dc_new + dh_new * o * (1 - tanh_c ** 2)", "dc = dc_new"),
        visible=True,
        learner=True,
        names_it="missing the path through h_new",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "the sigmoid's derivative used for the tanh candidate g",
        edit(_BW_DGATES, _BW_DGATES.replace("dg * (1 - g ** 2)", "dg * g * (1 - g)")),
        visible=True,
        learner=True,
        names_it="not the sigmoid's",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "dc_prev not multiplied by the forget gate",
        edit(_BW_RETURN, _BW_RETURN.replace("dc * f,", "dc,")),
        visible=True,
        learner=True,
        names_it="multiplied by the forget gate",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "db counted for both biases (twice the gradient)",
        edit(_BW_RETURN, _BW_RETURN.replace("dgates.sum(axis=0)", "2 * dgates.sum(axis=0)")),
        visible=True,
        learner=True,
        names_it="twice the gradient",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "dW_ih transposed (x.T @ dgates)",
        edit(_BW_RETURN, _BW_RETURN.replace("dgates.T @ x", "x.T @ dgates")),
        visible=True,
        learner=True,
        names_it="transposed",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "pre-activation gradients stacked in the order i, f, o, g",
        edit(
            _BW_DGATES,
            "dgates = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)], axis=1)",
        ),
        visible=True,
        learner=True,
        names_it="order i, f, g, o",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "the path through h_new accumulated into dc_new in place",
        edit(
            "dc = dc_new + dh_new * o * (1 - tanh_c ** 2)",
            "dc_new += dh_new * o * (1 - tanh_c ** 2)\ndc = dc_new",
        ),
        visible=True,
        learner=True,
        names_it="in place",
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "df from the forget gate instead of the old cell state",
        edit("di, df, dg = dc * g, dc * c, dc * i", "di, df, dg = dc * g, dc * f, dc * i"),
        visible=True,
        learner=True,
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "gradients taken with torch.autograd, not derived",
        """
def lstm_cell_backward_numpy(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh):
    cell = nn.LSTMCell(W_ih.shape[1], h.shape[1]).double()
    with torch.no_grad():
        for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
            getattr(cell, name).copy_(torch.from_numpy(value))
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    hn, cn = cell(xt, (ht, ct))
    (hn * torch.from_numpy(dh_new) + cn * torch.from_numpy(dc_new)).sum().backward()
    return tuple(t.grad.numpy() for t in (xt, ht, ct, cell.weight_ih, cell.weight_hh, cell.bias_ih))
""",
        visible=False,
    ),
    Mutant(
        "lstm_cell_backward_numpy",
        "squeezes the batch axis (a batch of one loses it)",
        edit(
            _BW_RETURN,
            "return (np.squeeze(dgates @ W_ih), np.squeeze(dgates @ W_hh), np.squeeze(dc * f), dgates.T @ x, "
            "dgates.T @ h, dgates.sum(axis=0))",
        ),
        visible=True,
        learner=True,
        names_it="no squeeze",
    ),
    # ------------------------------------------------------------------ clip_grad_norm
    Mutant(
        "clip_grad_norm",
        "clips each parameter on its own",
        edit(
            """
            coef = max_norm / (total + 1e-6)
            if coef < 1:
                for g in grads:
                    g.detach().mul_(coef.to(g.dtype))
            """,
            """
            for g in grads:
                if g.norm() > max_norm:
                    g.mul_(max_norm / (g.norm() + 1e-6))
            """,
        ),
        visible=True,
        learner=True,
        names_it="not one per parameter",
    ),
    Mutant(
        "clip_grad_norm",
        "reads a generator twice (nothing left to scale)",
        edit(
            "grads = [p.grad for p in parameters if p.grad is not None]\nif not grads:\n    return torch.tensor(0.0)"
            + _CLIP_TAIL,
            """
            total = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in parameters if p.grad is not None)).float()
            coef = max_norm / (total + 1e-6)
            if coef < 1:
                for p in parameters:
                    if p.grad is not None:
                        p.grad.mul_(coef)
            return total
            """,
        ),
        visible=True,
        learner=True,
        names_it="can be read only once",
    ),
    Mutant(
        "clip_grad_norm",
        "always rescales to max_norm (even small gradients)",
        edit(
            """
            if coef < 1:
                for g in grads:
                    g.detach().mul_(coef.to(g.dtype))
            """,
            """
            for g in grads:
                g.detach().mul_(coef.to(g.dtype))
            """,
        ),
        visible=True,
        learner=True,
        names_it="left unchanged",
    ),
    Mutant(
        "clip_grad_norm",
        "returns the norm after clipping",
        edit("return total", "return torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).float()"),
        visible=True,
        learner=True,
        names_it="norm after clipping",
    ),
    Mutant(
        "clip_grad_norm",
        "the sum of the parameters' norms instead of the global L2 norm",
        edit(
            "total = torch.sqrt(sum((g.detach().double() ** 2).sum() for g in grads)).to(grads[0].dtype)",
            "total = sum(g.norm() for g in grads)",
        ),
        visible=True,
        learner=True,
        names_it="sum of each parameter's own norm",
    ),
    Mutant(
        "clip_grad_norm",
        "new gradient tensors instead of scaling in place",
        edit(
            """
            for g in grads:
                g.detach().mul_(coef.to(g.dtype))
            """,
            """
            for p in [p for p in parameters_list if p.grad is not None]:
                p.grad = p.grad * coef
            """,
            "grads = [p.grad for p in parameters if p.grad is not None]",
            "parameters_list = list(parameters)\ngrads = [p.grad for p in parameters_list if p.grad is not None]",
        ),
        visible=True,
        learner=True,
        names_it="replaced by new tensors",
    ),
    Mutant(
        "clip_grad_norm",
        "returns a Python float",
        edit("return total", "return float(total)"),
        visible=True,
        learner=True,
        names_it="0-dimensional tensor",
    ),
    Mutant(
        "clip_grad_norm",
        "parameters without gradient not skipped",
        edit("grads = [p.grad for p in parameters if p.grad is not None]", "grads = [p.grad for p in parameters]"),
        visible=True,
        learner=True,
        names_it="skip those",
    ),
    Mutant(
        "clip_grad_norm",
        "a single tensor iterated as if it were a list",
        edit(
            """
            if isinstance(parameters, torch.Tensor):
                parameters = [parameters]
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="single tensor is also allowed",
    ),
    Mutant(
        "clip_grad_norm",
        "calls torch.nn.utils.clip_grad_norm_",
        edit(
            "grads = [p.grad for p in parameters if p.grad is not None]\nif not grads:\n    return torch.tensor(0.0)"
            + _CLIP_TAIL,
            "return torch.nn.utils.clip_grad_norm_(list(parameters), max_norm)",
        ),
        visible=False,
    ),
    # ------------------------------------------------------------------ make_recall_task
    Mutant(
        "make_recall_task",
        "y is the last token, not the first",
        edit("y = x[:, 0].clone()", "y = x[:, -1].clone()"),
        visible=True,
        learner=True,
        names_it="the label is the first token",
    ),
    Mutant(
        "make_recall_task",
        "y is a view of x (no clone)",
        edit("y = x[:, 0].clone()", "y = x[:, 0]"),
        visible=True,
        learner=True,
        names_it="shares memory with x",
    ),
    Mutant(
        "make_recall_task",
        "drawn from the global generator",
        edit(_RECALL_DRAW, "x = torch.randint(vocab_size, (n, lag + 1))"),
        visible=True,
        learner=True,
        names_it="global random state",
    ),
    Mutant(
        "make_recall_task",
        "torch.manual_seed(seed), then the global generator",
        edit(_RECALL_DRAW, "torch.manual_seed(seed)\nx = torch.randint(vocab_size, (n, lag + 1))"),
        visible=True,
        learner=True,
        names_it="global random state",
    ),
    Mutant(
        "make_recall_task",
        "no ValueError for bad sizes",
        edit(
            """
            if n < 1 or lag < 1 or vocab_size < 2:
                raise ValueError(f"make_recall_task needs n >= 1, lag >= 1 and vocab_size >= 2; got n={n}, lag={lag}, vocab_size={vocab_size}")
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="ValueError",
    ),
    Mutant(
        "make_recall_task",
        "rows of lag tokens (the token to recall counted among them)",
        edit(_RECALL_DRAW, _RECALL_DRAW.replace("(n, lag + 1)", "(n, lag)")),
        visible=True,
        learner=True,
        names_it="lag + 1 tokens",
    ),
    Mutant(
        "make_recall_task",
        "tokens 1 .. vocab_size - 1",
        edit(_RECALL_DRAW, _RECALL_DRAW.replace("torch.randint(vocab_size,", "torch.randint(1, vocab_size,")),
        visible=True,
        learner=True,
        names_it="0 .. vocab_size - 1",
    ),
    Mutant(
        "make_recall_task",
        "the token to recall and the distractors drawn separately",
        edit(
            _RECALL_DRAW,
            """
            gen = torch.Generator().manual_seed(seed)
            first = torch.randint(vocab_size, (n, 1), generator=gen)
            x = torch.cat([first, torch.randint(vocab_size, (n, lag), generator=gen)], dim=1)
            """,
        ),
        visible=True,
        learner=True,
        names_it="one torch.randint draw",
    ),
    Mutant(
        "make_recall_task",
        "the smallest valid task rejected (vocab_size <= 2)",
        edit("if n < 1 or lag < 1 or vocab_size < 2:", "if n < 1 or lag < 1 or vocab_size <= 2:"),
        visible=False,
    ),
    Mutant(
        "make_recall_task",
        "y = x[:, 0].contiguous() (still a view of x when n = 1)",
        edit("y = x[:, 0].clone()", "y = x[:, 0].contiguous()"),
        visible=True,
        learner=True,
        names_it="contiguous",
    ),
    # ------------------------------------------------------------------ init_forget_bias
    Mutant(
        "init_forget_bias",
        "sets the input gate's block (rows 0:H)",
        edit("p[H:2 * H] = value", "p[0:H] = value", "p[H:2 * H] = 0.0", "p[0:H] = 0.0"),
        visible=True,
        learner=True,
        names_it="the forget gate is the second block",
    ),
    Mutant(
        "init_forget_bias",
        "sets both biases to value (the gate gets 2 * value)",
        edit("p[H:2 * H] = 0.0", "p[H:2 * H] = value"),
        visible=True,
        learner=True,
        names_it="2 * value",
    ),
    Mutant(
        "init_forget_bias",
        "bias_hh left as it was",
        edit(
            """
            elif name.startswith("bias_hh"):
                p[H:2 * H] = 0.0
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="left as it was",
    ),
    Mutant(
        "init_forget_bias",
        "only the attributes bias_ih / bias_hh (fails on an nn.LSTM)",
        edit(
            """
            for name, p in lstm.named_parameters():
                if name.startswith("bias_ih"):
                    p[H:2 * H] = value
                elif name.startswith("bias_hh"):
                    p[H:2 * H] = 0.0
            """,
            """
            lstm.bias_ih[H:2 * H] = value
            lstm.bias_hh[H:2 * H] = 0.0
            """,
        ),
        visible=True,
        learner=True,
        names_it="bias_ih_l0",
    ),
    Mutant(
        "init_forget_bias",
        "only layer 0 of a stacked LSTM",
        edit(
            'if name.startswith("bias_ih"):',
            'if name in ("bias_ih", "bias_ih_l0"):',
            'elif name.startswith("bias_hh"):',
            'elif name in ("bias_hh", "bias_hh_l0"):',
        ),
        visible=True,
        learner=True,
        names_it="in every layer",
    ),
    Mutant(
        "init_forget_bias",
        "replaces the parameters with new ones (an optimizer would lose them)",
        edit(
            """
            with torch.no_grad():
                for name, p in lstm.named_parameters():
                    if name.startswith("bias_ih"):
                        p[H:2 * H] = value
                    elif name.startswith("bias_hh"):
                        p[H:2 * H] = 0.0
            """,
            """
            for name, p in list(lstm.named_parameters()):
                if name.startswith("bias_ih") or name.startswith("bias_hh"):
                    new = p.detach().clone()
                    new[H:2 * H] = value if name.startswith("bias_ih") else 0.0
                    setattr(lstm, name, nn.Parameter(new))
            """,
        ),
        visible=True,
        learner=True,
        names_it="replaced by a new parameter",
    ),
    Mutant(
        "init_forget_bias",
        "in-place change outside torch.no_grad()",
        edit(
            """
            with torch.no_grad():
                for name, p in lstm.named_parameters():
                    if name.startswith("bias_ih"):
                        p[H:2 * H] = value
                    elif name.startswith("bias_hh"):
                        p[H:2 * H] = 0.0
            """,
            """
            for name, p in lstm.named_parameters():
                if name.startswith("bias_ih"):
                    p[H:2 * H] = value
                elif name.startswith("bias_hh"):
                    p[H:2 * H] = 0.0
            """,
        ),
        visible=True,
        learner=True,
        names_it="torch.no_grad()",
    ),
    Mutant(
        "init_forget_bias",
        "returns nothing",
        edit("return lstm", ""),
        visible=True,
        learner=True,
        names_it="return the module",
    ),
    Mutant(
        "init_forget_bias",
        "the forget block hard-coded at rows 4:8 (the hidden size of the examples)",
        edit("p[H:2 * H] = value", "p[4:8] = value", "p[H:2 * H] = 0.0", "p[4:8] = 0.0"),
        visible=True,
        learner=True,
        names_it="not a number from another example",
    ),
    Mutant(
        "init_forget_bias",
        "another default value (0.0, not 1.0)",
        """
def init_forget_bias(lstm, value=0.0):
    H = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[H:2 * H] = value
            elif name.startswith("bias_hh"):
                p[H:2 * H] = 0.0
    return lstm
""",
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "LSTMCell": """
class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        scale = hidden_size ** -0.5

        def uniform(*shape):
            return nn.Parameter((torch.rand(*shape) * 2 - 1) * scale)

        self.weight_ih = uniform(4 * hidden_size, input_size)
        self.weight_hh = uniform(4 * hidden_size, hidden_size)
        self.bias_ih = uniform(4 * hidden_size)
        self.bias_hh = uniform(4 * hidden_size)

    def forward(self, x, state):
        h_prev, c_prev = state
        n = self.hidden_size
        z = torch.addmm(self.bias_ih, x, self.weight_ih.t()) + torch.addmm(self.bias_hh, h_prev, self.weight_hh.t())
        in_gate, forget_gate = torch.sigmoid(z[:, :n]), torch.sigmoid(z[:, n:2 * n])
        cand, out_gate = torch.tanh(z[:, 2 * n:3 * n]), torch.sigmoid(z[:, 3 * n:])
        c_next = forget_gate * c_prev + in_gate * cand
        return out_gate * torch.tanh(c_next), c_next
""",
    "lstm_cell_numpy": """
def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = h.shape[1]
    pre = np.dot(x, W_ih.T) + np.dot(h, W_hh.T) + (b_ih + b_hh)

    def stable_sigmoid(a):
        out = np.empty_like(a)
        pos = a >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
        ex = np.exp(a[~pos])
        out[~pos] = ex / (1.0 + ex)
        return out

    in_g, forget_g, out_g = stable_sigmoid(pre[:, :n]), stable_sigmoid(pre[:, n:2 * n]), stable_sigmoid(pre[:, 3 * n:])
    cand = np.tanh(pre[:, 2 * n:3 * n])
    c_next = forget_g * c + in_g * cand
    return out_g * np.tanh(c_next), c_next
""",
    "lstm_cell_backward_numpy": """
def lstm_cell_backward_numpy(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = h.shape[1]
    z = np.dot(x, W_ih.T) + np.dot(h, W_hh.T) + b_ih + b_hh
    sg = lambda a: 0.5 * (1.0 + np.tanh(0.5 * a))        # the sigmoid, without any overflow
    gi, gf, gg, go = sg(z[:, :n]), sg(z[:, n:2 * n]), np.tanh(z[:, 2 * n:3 * n]), sg(z[:, 3 * n:])
    tc = np.tanh(gf * c + gi * gg)
    d_c = dc_new + dh_new * go * (1.0 - tc * tc)
    dz = np.hstack([d_c * gg * gi * (1 - gi), d_c * c * gf * (1 - gf), d_c * gi * (1 - gg * gg), dh_new * tc * go * (1 - go)])
    return np.dot(dz, W_ih), np.dot(dz, W_hh), d_c * gf, np.dot(dz.T, x), np.dot(dz.T, h), dz.sum(0)
""",
    "clip_grad_norm": """
def clip_grad_norm(parameters, max_norm):
    if torch.is_tensor(parameters):
        parameters = [parameters]
    with_grad = [p for p in list(parameters) if p.grad is not None]
    if len(with_grad) == 0:
        return torch.tensor(0.0)
    sq = torch.zeros((), dtype=torch.float64)
    for p in with_grad:
        sq = sq + p.grad.detach().double().pow(2).sum()
    norm = sq.sqrt().to(with_grad[0].grad.dtype)
    scale = float(max_norm) / (float(norm) + 1e-6)
    if scale < 1.0:
        for p in with_grad:
            p.grad.detach().mul_(scale)
    return norm
""",
    "make_recall_task": """
def make_recall_task(n, lag, vocab_size, seed):
    if min(n, lag) < 1 or vocab_size < 2:
        raise ValueError("need n >= 1, lag >= 1 and vocab_size >= 2")
    gen = torch.Generator()
    gen.manual_seed(seed)
    tokens = torch.randint(0, vocab_size, size=(n, lag + 1), generator=gen, dtype=torch.long)
    return tokens, tokens[:, 0].detach().clone()
""",
    "init_forget_bias": """
def init_forget_bias(lstm, value=1.0):
    hs = lstm.hidden_size
    for pname, param in lstm.named_parameters():
        if pname.startswith("bias_ih"):
            param.data[hs:2 * hs].fill_(value)
        if pname.startswith("bias_hh"):
            param.data[hs:2 * hs].zero_()
    return lstm
""",
}
