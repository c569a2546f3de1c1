"""Reference answers of the course's weeks, which later weeks build on.

Each module holds the graded answers of one week (or one model). A learner's installation up
to week N (``make learner-kit UNTIL=weekNN``) contains only the modules whose week is before N,
and a week's notebook never imports a module of its own week or a later one: hidden tests that
need a reference carry it inside their hidden region. ``ANSWERS`` is the table both read.
"""

# module name -> the week whose graded exercises it answers
ANSWERS: dict[str, int] = {
    "gradcheck": 2,  # numerical_gradient, relative_error
    "optim": 2,  # momentum_step, adam_step
    "numpy_nn": 3,  # Linear, ReLU, Tanh, softmax_cross_entropy, MLP, iterate_minibatches, sgd_step, train_mlp
    "autograd": 4,  # Value (scalar reverse-mode autograd)
    "checkpoint": 4,  # saving and restoring a model with its optimizer (week 4's checkpoint exercise)
    "text": 5,  # build_vocab, encode, decode, get_batch
    "rnn": 5,  # RNNCell, sample (CharLM, count_parameters, hidden_size_for_budget: plumbing for weeks 6-7)
    "lstm": 6,  # LSTMCell, lstm_cell_numpy and its backward, init_forget_bias, clip_grad_norm, make_recall_task
    "attention": 7,  # scaled_dot_product_attention
    "gpt": 8,  # GPTConfig, causal_mask, LayerNorm, MultiHeadSelfAttention, Block, GPT, configure_optimizer, lr_at, train_babygpt
    "sampling": 9,  # perplexity, top-k/top-p, sample_next_token, generate with a KV cache
    "kv_cache": 9,  # KVCache, cached_attention, forward_with_cache (the KV cache inside attention)
    "quantize": 9,  # quantize_int8, dequantize_int8, Int8Linear, quantize_model (int8 weights)
    "tokens": 10,  # write_tokens, load_tokens, get_batch_memmap (the memory-mapped token pipeline)
    "bpe": 10,  # train_bpe (sentencepiece), bits_per_char
    "byte_bpe": 10,  # train_byte_bpe, bpe_encode, bpe_decode (byte-level BPE from scratch)
    "scaling": 10,  # fit_power_law
    "capstone": 10,  # RMSNorm, apply_rope, SwiGLU, newton_schulz, Muon (the capstone); ModernGPT built from them
    "lora": 10,  # LoRALinear
    "instruct": 10,  # instruction_example (mask_prompt), replay_loss; task data as in helpers.finetuning
    "safety": 10,  # memorization_rate (memorization_share), exposure, flag_toxic (flag_words)
    "posttraining": 11,  # render_chat, sequence_logprob, chat, dpo_loss, group_advantages, policy_gradient_loss
}


def week_of(module: str) -> int:
    """The week a reference module answers: ``week_of("gpt") == 8``."""
    name = module.rsplit(".", 1)[-1]
    if name not in ANSWERS:
        raise KeyError(f"helpers.reference.{name} is not in helpers.reference.ANSWERS: add it with the week it answers")
    return ANSWERS[name]
