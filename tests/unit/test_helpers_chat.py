"""helpers.chat: week 11's given plumbing (conversations, batches, scores), no answer in it."""

import ast
from pathlib import Path

import pytest
import torch

from helpers import chat as hc
from helpers.model_io import CharTokenizer
from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.posttraining import render_chat

CHARS = list("\n abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ?:,")


def test_given_module_imports_no_reference_answer():
    tree = ast.parse(Path(hc.__file__).read_text())
    mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not [m for m in mods if m and m.startswith("helpers.reference")]


def test_chat_tokens_are_appended_once():
    tok = hc.with_chat_tokens(CharTokenizer(CHARS))
    assert tok.vocab_size == len(CHARS) + 3
    assert [tok.special_id(t) for t in hc.CHAT_TOKENS] == [len(CHARS), len(CHARS) + 1, len(CHARS) + 2]
    assert hc.with_chat_tokens(tok) is tok
    assert tok.encode(hc.USER + "ab") == [len(CHARS), *tok.encode("ab")]


@pytest.mark.parametrize("tie", [False, True])
def test_add_token_rows_keeps_the_model_and_its_predictions(tie):
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=2, n_embd=8, tie_weights=tie))
    x = torch.randint(0, 20, (2, 8))
    before = torch.log_softmax(m(x)[0], -1)
    assert hc.add_token_rows(m, 23) == 3
    assert m.config.vocab_size == 23 and m.tok_emb.weight.shape == (23, 8) and m.lm_head.weight.shape == (23, 8)
    assert (m.lm_head.weight is m.tok_emb.weight) == tie
    after = torch.log_softmax(m(x)[0], -1)
    # the old tokens keep their logits; the three new ones take a small share of the probability
    assert torch.allclose(before.exp().sum(-1), torch.ones(2, 8))
    assert after[..., 20:].exp().sum(-1).max() < 0.5
    assert torch.allclose(after[..., :20] - torch.logsumexp(after[..., :20], -1, keepdim=True), before, atol=1e-5)
    assert hc.add_token_rows(m, 23) == 0
    with pytest.raises(ValueError):
        hc.add_token_rows(m, 5)


def test_conversations_by_family():
    line = "Now is the winter of our discontent"
    c = hc.make_conversation("upper", line)
    assert c.reply == line.upper() and c.prompt == [{"role": "user", "content": "in capitals: " + line}]
    c = hc.make_conversation("then_last", line)
    assert [m["content"] for m in c.messages] == ["first word: " + line, "Now", "and the last one?", "discontent"]
    c = hc.make_conversation("repeat", line)
    assert c.messages[2]["content"] == "say the whole line" and c.reply == line
    c = hc.make_conversation("go_on", line)
    assert c.messages[0]["content"] + " " + c.reply == "go on: " + line
    with pytest.raises(ValueError):
        hc.make_conversation("nope", line)
    lines = [f"line number {w} here" for w in "abcdefghij"]
    convs = hc.make_conversations(lines, 12, seed=3)
    n = len(hc.FAMILIES + hc.OPEN_FAMILIES)
    assert [c.family for c in convs[:n]] == list(hc.FAMILIES + hc.OPEN_FAMILIES)
    assert "upper" not in hc.FAMILIES, "in capitals is a spelling task on BPE pieces: not a default family"
    assert convs == hc.make_conversations(lines, 12, seed=3)
    msgs = convs[0].messages
    msgs[0]["content"] = "changed"
    assert convs[0].messages[0]["content"] != "changed", "messages are copies"


def test_pad_batch_and_last_reply_mask():
    ids, mask = hc.pad_batch([([1, 2, 3], [0, 1, 1]), ([4], [0])], pad_id=9)
    assert ids.tolist() == [[1, 2, 3], [4, 9, 9]] and mask.tolist() == [[0, 1, 1], [0, 0, 0]]
    assert ids.dtype == torch.long and mask.dtype == torch.float32
    assert hc.last_reply_mask([0, 1, 1, 0, 0, 1, 1, 0]) == [0, 0, 0, 0, 0, 1, 1, 0]
    with pytest.raises(ValueError):
        hc.pad_batch([([1, 2], [0])], 0)


class _Oracle(torch.nn.Module):
    """Predicts the next token of one fixed sequence (a model that knows every answer)."""

    def __init__(self, seq, vocab):
        super().__init__()
        self.seq, self.vocab = list(seq), vocab
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, idx):
        B, T = idx.shape
        logits = torch.zeros(B, T, self.vocab)
        for b in range(B):
            for t in range(T):
                nxt = self.seq[t + 1] if t + 1 < len(self.seq) else 0
                logits[b, t, nxt] = 1.0
        return logits, None


def test_exact_match_scores_only_the_last_reply():
    tok = hc.with_chat_tokens(CharTokenizer(CHARS))
    render = lambda m: render_chat(m, tok)  # noqa: E731
    conv = hc.make_conversation("then_last", "to be or not")
    ids, _ = render(conv.messages)
    assert hc.exact_match(_Oracle(ids, tok.vocab_size), [conv], render) == [True]
    wrong = list(ids)
    wrong[-2] = tok.encode("x")[0]  # the last reply's last letter
    assert hc.exact_match(_Oracle(wrong, tok.vocab_size), [conv], render) == [False]
    early = list(ids)
    early[3] = tok.encode("x")[0]  # a user token: not scored
    assert hc.exact_match(_Oracle(early, tok.vocab_size), [conv], render) == [True]
    assert hc.by_family([conv, conv], [1.0, 0.0]) == {"all": 0.5, "then_last": 0.5}


def test_completions_batch_cuts_at_the_end_marker():
    new = torch.tensor([[5, 6, 2, 7], [5, 5, 5, 5]])
    ids, mask, replies = hc.completions_batch([1, 1], new, end_id=2, pad_id=0)
    assert ids.tolist() == [[1, 1, 5, 6, 2, 0], [1, 1, 5, 5, 5, 5]]
    assert mask.tolist() == [[0, 0, 1, 1, 1, 0], [0, 0, 1, 1, 1, 1]]
    assert replies == [[5, 6], [5, 5, 5, 5]]
    assert hc.exact_reward("ab", True, "ab") == 1.0 and hc.exact_reward("ab", False, "ab") == 0.0


def test_text_nll_uses_fixed_windows():
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, n_embd=4))
    ids = torch.randint(0, 10, (50,))
    w = hc.text_windows(ids, 4)
    assert w.shape == (12, 5) and torch.equal(w[1], ids[4:9])
    total, n = hc.text_nll(m, w)
    assert n == 12 * 4
    logits, _ = m(ids[:4][None])
    first = torch.nn.functional.cross_entropy(logits[0], ids[1:5], reduction="sum")
    total1, n1 = hc.text_nll(m, hc.text_windows(ids, 4, max_windows=1))
    assert n1 == 4 and abs(total1 - first.item()) < 1e-4
    with pytest.raises(ValueError):
        hc.text_windows(ids[:3], 4)


def test_runs_with_kv_cache_tells_week_8s_layout_from_rope():
    gpt = GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, n_embd=4))
    assert hc.runs_with_kv_cache(gpt)
    gpt.config.positions = "rope"  # the capstone's layout: positions rotate q and k inside attention
    assert not hc.runs_with_kv_cache(gpt)
    gpt.config.positions = "learned"
    gpt.blocks[0].norm_1 = gpt.blocks[0].ln_1
    del gpt.blocks[0].ln_1
    assert not hc.runs_with_kv_cache(gpt)


def test_plausible_wrong_replies_are_wrong():
    import random

    line = "Now is the winter of our discontent"
    rng = random.Random(0)
    for family in hc.FAMILIES:
        c = hc.make_conversation(family, line)
        wrong = hc.plausible_wrong(c, rng)
        assert wrong != c.reply and wrong


def test_forward_with_cache_runs_the_capstone_layout_as_the_full_forward():
    from helpers.reference.capstone import ModernConfig, ModernGPT

    torch.manual_seed(0)
    for layout in (dict(positions="rope"), dict(positions="learned", mlp="gelu", norm="layer")):
        m = ModernGPT(ModernConfig(vocab_size=30, block_size=12, n_layer=2, n_head=2, n_embd=16, **layout)).eval()
        assert hc.runs_with_kv_cache(m)
        ids = torch.randint(0, 30, (2, 10))
        cache = hc.new_kv_cache(m)
        parts = [hc.forward_with_cache(m, ids[:, :6], cache)]
        parts += [hc.forward_with_cache(m, ids[:, t : t + 1], cache) for t in range(6, 10)]
        assert torch.allclose(torch.cat(parts, 1), m(ids)[0], atol=1e-5)
        with pytest.raises(ValueError):
            hc.forward_with_cache(m, ids[:, :3], cache)  # 10 cached + 3 > block_size 12
        greedy = ids[:, :4]
        for _ in range(5):
            greedy = torch.cat([greedy, m(greedy)[0][:, -1].argmax(-1, keepdim=True)], 1)
        assert torch.equal(hc.sample_continuations(m, ids[:, :4], 5, temperature=0.0), greedy)
    with pytest.raises(ValueError):
        hc.forward_with_cache(torch.nn.Linear(2, 2), ids, [])
