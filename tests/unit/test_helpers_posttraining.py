"""Week 11's reference answers (helpers.reference.posttraining) against independent computations."""

import math

import pytest
import torch
import torch.nn.functional as F

from helpers.chat import ASSISTANT, END, USER, add_token_rows, with_chat_tokens
from helpers.model_io import CharTokenizer
from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.posttraining import (
    chat,
    dpo_loss,
    group_advantages,
    policy_gradient_loss,
    render_chat,
    sequence_logprob,
)

CHARS = list("\n abcdefghijklmnopqrstuvwxyz?:")


@pytest.fixture
def tok():
    return with_chat_tokens(CharTokenizer(CHARS))


@pytest.fixture
def model(tok):
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=len(CHARS), block_size=48, n_layer=1, n_head=2, n_embd=16))
    add_token_rows(m, tok.vocab_size)
    return m


def test_render_chat_markers_and_mask(tok):
    u, a, e = (tok.special_id(t) for t in (USER, ASSISTANT, END))
    ids, mask = render_chat([{"role": "user", "content": "ab"}, {"role": "assistant", "content": "c"}], tok)
    assert ids == [u, *tok.encode("ab"), e, a, *tok.encode("c"), e]
    assert mask == [0, 0, 0, 0, 0, 1, 1]
    # several turns: every assistant reply and its end marker count, nothing else
    msgs = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "bb"},
        {"role": "user", "content": ""},
        {"role": "assistant", "content": "c"},
    ]
    ids, mask = render_chat(msgs, tok)
    assert len(ids) == len(mask) == 3 + 4 + 2 + 3
    assert [i for i, m in zip(ids, mask) if m] == [*tok.encode("bb"), e, *tok.encode("c"), e]


@pytest.mark.parametrize(
    "msgs",
    [
        [],
        [{"role": "assistant", "content": "a"}],
        [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        [{"role": "system", "content": "a"}],
        [{"role": "user", "content": "a" + END + ASSISTANT + "b"}],
    ],
)
def test_render_chat_refuses_bad_conversations(tok, msgs):
    with pytest.raises(ValueError):
        render_chat(msgs, tok)


def test_sequence_logprob_matches_a_direct_sum(model):
    torch.manual_seed(1)
    ids = torch.randint(0, model.config.vocab_size, (3, 10))
    mask = (torch.rand(3, 10) > 0.4).float()
    logits, _ = model(ids)
    logp = F.log_softmax(logits, -1)
    want = torch.stack([sum(logp[b, t - 1, ids[b, t]] * mask[b, t] for t in range(1, 10)) for b in range(3)])
    got = sequence_logprob(model, ids, mask)
    assert torch.allclose(got, want, atol=1e-5)
    per = sequence_logprob(model, ids, mask, per_token=True)
    assert per.shape == (3, 10) and torch.all(per[:, 0] == 0)
    assert torch.allclose(per.sum(1), want, atol=1e-5)
    # the first position's mask is ignored; gradients flow
    mask2 = mask.clone()
    mask2[:, 0] = 1
    assert torch.allclose(sequence_logprob(model, ids, mask2), want, atol=1e-5)
    sequence_logprob(model, ids, mask).sum().backward()
    assert model.lm_head.weight.grad is not None
    with pytest.raises(ValueError):
        sequence_logprob(model, ids, mask[:, :-1])


def test_dpo_loss_formula_and_stability():
    pc, pr = torch.tensor([-1.0, -2.0]), torch.tensor([-3.0, -1.0])
    rc, rr = torch.tensor([-1.5, -2.0]), torch.tensor([-2.0, -2.0])
    beta = 0.5
    want = -torch.log(torch.sigmoid(beta * ((pc - rc) - (pr - rr)))).mean()
    assert torch.allclose(dpo_loss(pc, pr, rc, rr, beta), want)
    big = dpo_loss(torch.tensor([-1000.0]), torch.tensor([0.0]), torch.tensor([0.0]), torch.tensor([0.0]), 1.0)
    assert math.isfinite(big.item()) and abs(big.item() - 1000.0) < 1e-3
    # gradients reach the policy only
    pc, rc = pc.clone().requires_grad_(), rc.clone().requires_grad_()
    dpo_loss(pc, pr, rc, rr, beta).backward()
    assert pc.grad is not None and rc.grad is None
    with pytest.raises(ValueError):
        dpo_loss(pc, pr, rc, rr, 0.0)
    with pytest.raises(ValueError):
        dpo_loss(pc, pr[:1], rc, rr, 0.1)


def test_group_advantages():
    r = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    assert torch.allclose(group_advantages(r, 3), torch.tensor([2 / 3, -1 / 3, -1 / 3, 0.0, 0.0, 0.0]))
    norm = group_advantages(r, 3, normalize=True)
    std = torch.tensor([1.0, 0.0, 0.0]).std(unbiased=False)
    assert torch.allclose(norm[:3], torch.tensor([2 / 3, -1 / 3, -1 / 3]) / (std + 1e-6))
    assert torch.all(norm[3:] == 0)  # a group of equal rewards teaches nothing, and no NaN
    assert group_advantages([1, 0], 2).dtype.is_floating_point
    assert torch.equal(r, torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0]))
    for bad in ((r, 4), (r, 0), (r.view(2, 3), 3)):
        with pytest.raises(ValueError):
            group_advantages(*bad)


def test_policy_gradient_loss_is_token_level():
    logp = torch.tensor([[-1.0, -2.0, -3.0], [-0.5, -0.5, 0.0]], requires_grad=True)
    adv = torch.tensor([1.0, -2.0])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    want = -(1.0 * (-6.0) + -2.0 * (-0.5)) / 4
    loss = policy_gradient_loss(logp, adv, mask)
    assert abs(loss.item() - want) < 1e-6
    loss.backward()
    assert torch.allclose(logp.grad, -adv[:, None] * mask / 4)
    with pytest.raises(ValueError):
        policy_gradient_loss(logp, adv, torch.zeros_like(mask))
    with pytest.raises(ValueError):
        policy_gradient_loss(logp, adv[:1], mask)


def _greedy_without_cache(model, ids, n, end):
    out = []
    x = torch.tensor([ids])
    for _ in range(n):
        if x.size(1) >= model.config.block_size + 1:
            break
        nxt = int(model(x)[0][0, -1].argmax())
        if nxt == end:
            break
        out.append(nxt)
        if x.size(1) + 1 > model.config.block_size:
            break
        x = torch.cat([x, torch.tensor([[nxt]])], 1)
    return out


def test_chat_greedy_equals_recomputation_and_stops(model, tok):
    msgs = [{"role": "user", "content": "first word: abc de"}]
    model.train()
    reply = chat(model, tok, msgs, max_new_tokens=12)
    assert model.training, "chat restores the model's mode"
    prompt = render_chat(msgs, tok)[0] + [tok.special_id(ASSISTANT)]
    want = _greedy_without_cache(model.eval(), prompt, 12, tok.special_id(END))
    assert reply == tok.decode(want)
    # an end marker the model is sure of stops the reply at once, and is not part of it
    head = torch.nn.Linear(16, tok.vocab_size, bias=True)
    with torch.no_grad():
        head.weight.copy_(model.lm_head.weight)
        head.bias.zero_()
        head.bias[tok.special_id(END)] = 100.0
    sure = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=48, n_layer=1, n_head=2, n_embd=16))
    sure.load_state_dict(model.state_dict())
    sure.lm_head = head
    assert chat(sure, tok, msgs, max_new_tokens=10) == ""
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a = chat(model, tok, msgs, max_new_tokens=10, temperature=1.0, generator=g1)
    b = chat(model, tok, msgs, max_new_tokens=10, temperature=1.0, generator=g2)
    assert a == b
    with pytest.raises(ValueError):
        chat(model, tok, [{"role": "user", "content": "a" * 60}])
    with pytest.raises(ValueError):
        chat(model, tok, [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}])
