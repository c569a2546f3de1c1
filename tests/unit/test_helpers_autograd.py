import math
import random

import pytest
import torch

from helpers.reference.autograd import Value


def test_gradients_match_torch_on_random_graphs():
    for seed in range(30):
        r = random.Random(seed)
        xs = [r.uniform(-2, 2) for _ in range(3)]

        def build(leaves):
            rr = random.Random(100 + seed)
            nodes = list(leaves)
            for _ in range(25):
                a, b = rr.choice(nodes), rr.choice(nodes)
                op = rr.randrange(9)
                nodes.append(
                    [
                        lambda: a + b,
                        lambda: a - b,
                        lambda: a * b * 0.5,
                        lambda: a / (b * b + 1),
                        lambda: 1 - a,
                        lambda: 2 * a,
                        lambda: a.tanh(),
                        lambda: (a - 0.1).relu(),
                        lambda: a.tanh().exp() ** 1.5,
                    ][op]()
                )
            return sum(nodes[3:], nodes[0] * 0)

        mine = [Value(x) for x in xs]
        theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        out_v, out_t = build(mine), build(theirs)
        out_v.backward()
        out_t.backward()
        assert out_v.data == pytest.approx(out_t.item(), abs=1e-12)
        for v, t in zip(mine, theirs):
            assert v.grad == pytest.approx(0.0 if t.grad is None else t.grad.item(), abs=1e-10)


def test_reuse_accumulates_and_numbers_mix():
    a = Value(3.0)
    (a * a + a).backward()
    assert a.grad == 7.0
    assert (1 - Value(3.0)).data == -2.0 and (1 / Value(4.0)).data == 0.25 and (2 * Value(3.0)).data == 6.0
    z = Value(0.0)
    z.relu().backward()
    assert z.grad == 0.0
    with pytest.raises(TypeError):
        Value(2.0) ** Value(2.0)
    e = Value(1.0)
    e.exp().backward()
    assert e.grad == pytest.approx(math.e)


def test_deep_graph_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
