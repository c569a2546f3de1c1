"""Unit tests for helpers.reference.sampling (perplexity, filters, sampling, generation with a KV cache)."""

import math

import pytest
import torch

from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.sampling import generate, perplexity, sample_next_token, top_k_filter, top_p_filter

NEG = float("-inf")


def test_perplexity():
    assert perplexity(0.0) == 1.0
    assert perplexity(math.log(84)) == pytest.approx(84)
    assert perplexity(torch.tensor(1.5)) == pytest.approx(math.exp(1.5))
    assert perplexity(1e6) == math.inf
    with pytest.raises(ValueError):
        perplexity(float("nan"))
    with pytest.raises(ValueError):
        perplexity(-0.5)


def test_top_k_filter():
    x = torch.tensor([1.0, 3.0, 2.0, 0.0])
    assert torch.equal(top_k_filter(x, 2), torch.tensor([NEG, 3.0, 2.0, NEG]))
    assert torch.equal(top_k_filter(x, 1), torch.tensor([NEG, 3.0, NEG, NEG]))
    assert torch.equal(top_k_filter(x, 10), x), "k larger than the vocabulary keeps everything"
    assert torch.equal(x, torch.tensor([1.0, 3.0, 2.0, 0.0])), "input unchanged"
    ties = torch.tensor([2.0, 1.0, 2.0, 2.0])
    assert torch.equal(top_k_filter(ties, 2), ties.masked_fill(ties < 2, NEG)), "ties at the k-th value are kept"
    batch = torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
    assert torch.equal(top_k_filter(batch, 1), torch.tensor([[NEG, NEG, 2.0], [2.0, NEG, NEG]]))
    with pytest.raises(ValueError):
        top_k_filter(x, 0)


def test_top_p_filter():
    probs = torch.tensor([0.5, 0.25, 0.125, 0.125])
    logits = probs.log()
    assert torch.equal(top_p_filter(logits, 0.5).isfinite(), torch.tensor([True, False, False, False]))
    assert torch.equal(top_p_filter(logits, 0.6).isfinite(), torch.tensor([True, True, False, False]))
    assert torch.equal(top_p_filter(logits, 0.01).isfinite(), torch.tensor([True, False, False, False])), (
        "the most likely token is always kept"
    )
    assert torch.equal(top_p_filter(logits, 1.0), logits), "p = 1 keeps everything"
    # the two 0.125 tokens tie: reaching 0.8 needs one of them, so both are kept
    assert torch.equal(top_p_filter(logits, 0.8).isfinite(), torch.tensor([True, True, True, True]))
    # order does not matter, batches work row by row
    batch = torch.stack([logits.flip(0), logits])
    kept = top_p_filter(batch, 0.6).isfinite()
    assert torch.equal(kept, torch.tensor([[False, False, True, True], [True, True, False, False]]))
    kept_vals = top_p_filter(batch, 0.6)
    assert torch.equal(kept_vals[kept], batch[kept]), "kept logits are unchanged"
    for bad in (0.0, 1.5, -0.1):
        with pytest.raises(ValueError):
            top_p_filter(logits, bad)


def test_sample_next_token():
    logits = torch.tensor([[0.0, 5.0, 1.0], [3.0, 3.0, 0.0]])
    assert torch.equal(sample_next_token(logits, temperature=0), torch.tensor([1, 0]))
    assert sample_next_token(torch.tensor([0.0, 2.0]), temperature=0).shape == ()
    g = torch.Generator().manual_seed(0)
    draws = torch.stack([sample_next_token(logits, 1.0, top_k=1, generator=g) for _ in range(50)])
    assert (draws[:, 0] == 1).all()
    assert set(draws[:, 1].tolist()) <= {0, 1}, "ties at the top-1 value are both kept"
    # temperature: high makes uniform, top_p keeps only the head
    flat = torch.tensor([0.0, 1.0, 2.0, 3.0])
    g = torch.Generator().manual_seed(1)
    hot = torch.stack([sample_next_token(flat, 100.0, generator=g) for _ in range(400)])
    assert len(set(hot.tolist())) == 4
    cold = torch.stack([sample_next_token(flat, 0.05, generator=g) for _ in range(100)])
    assert (cold == 3).all()
    nuc = torch.stack([sample_next_token(flat, 1.0, top_p=0.5, generator=g) for _ in range(200)])
    assert set(nuc.tolist()) <= {2, 3}
    # reproducible with a seeded generator; frequencies follow the softmax
    a = sample_next_token(flat.repeat(4000, 1), generator=torch.Generator().manual_seed(3))
    b = sample_next_token(flat.repeat(4000, 1), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    freq = torch.bincount(a, minlength=4).float() / 4000
    assert torch.allclose(freq, flat.softmax(0), atol=0.03)
    with pytest.raises(ValueError):
        sample_next_token(flat, temperature=-1)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=13, block_size=24, n_layer=2, n_head=2, n_embd=32))
    # a little training so greedy decoding is not a constant
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    data = torch.tensor([1, 2, 3, 5, 8, 0, 8, 8, 3, 11, 1, 12, 0, 12] * 20)
    for _ in range(40):
        ix = torch.randint(0, len(data) - 25, (8,))
        x = torch.stack([data[i : i + 24] for i in ix])
        y = torch.stack([data[i + 1 : i + 25] for i in ix])
        _, loss = m(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return m.eval()


def test_generate_cache_identical_greedy(model):
    idx = torch.tensor([[1, 2, 3], [8, 8, 3]])
    for n in (1, 5, 21, 40):  # within the window and past it (the window slides)
        a = generate(model, idx, n, temperature=0, use_kv_cache=False)
        b = generate(model, idx, n, temperature=0, use_kv_cache=True)
        assert a.shape == (2, 3 + n) and torch.equal(a, b), n
    assert torch.equal(
        generate(model, idx, 30, temperature=0, use_kv_cache=False), model.generate(idx, 30, temperature=0)
    )
    long_prompt = torch.randint(0, 13, (1, 30))  # longer than block_size
    assert torch.equal(
        generate(model, long_prompt, 6, temperature=0, use_kv_cache=False),
        generate(model, long_prompt, 6, temperature=0, use_kv_cache=True),
    )


def test_generate_sampling_same_seed(model):
    idx = torch.tensor([[1]])
    a = generate(model, idx, 20, 1.0, top_k=5, top_p=0.9, use_kv_cache=True, generator=torch.Generator().manual_seed(2))
    b = generate(
        model, idx, 20, 1.0, top_k=5, top_p=0.9, use_kv_cache=False, generator=torch.Generator().manual_seed(2)
    )
    assert torch.equal(a, b)
    times = []
    generate(model, idx, 7, temperature=0, step_times=times)
    assert len(times) == 7 and all(t > 0 for t in times)
    with pytest.raises(ValueError):
        generate(model, torch.zeros(1, 0, dtype=torch.long), 3)


@pytest.mark.parametrize("kwargs", [dict(temperature=-0.1), dict(top_k=0), dict(top_p=0.0), dict(top_p=1.5)])
def test_invalid_sampling_arguments(kwargs):
    with pytest.raises(ValueError):
        sample_next_token(torch.zeros(2, 5), **kwargs)


def test_cache_feeds_one_token_per_step():
    """The cache's saving, counted rather than timed (timings belong in benchmarks): with the
    cache every step after the prompt runs the model on one new token, without it on the whole
    sequence so far."""
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=20, block_size=400, n_layer=2, n_head=2, n_embd=64)).eval()
    fed = []
    m.tok_emb.register_forward_hook(lambda mod, inp, out: fed.append(inp[0].shape[-1]))
    idx = torch.zeros(1, 5, dtype=torch.long)
    generate(m, idx, 50, temperature=0, use_kv_cache=False)
    without = list(fed)
    fed.clear()
    generate(m, idx, 50, temperature=0, use_kv_cache=True)
    assert without == list(range(5, 55)), without[:5]
    assert fed[0] == 5 and all(n == 1 for n in fed[1:]), fed[:5]
    assert sum(fed) == 5 + 49 < sum(without)
