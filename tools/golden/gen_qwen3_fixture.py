#!/usr/bin/env python3
"""Golden fixtures for the qwen3 plugin: tiny random-weight Qwen3ForCausalLM + HF reference outputs.

Builds the tiny config of docs/models/qwen3.md §6 in three variants (tied and untied embeddings, and tied with YaRN rope scaling),
float32, eager attention, seed 0, every parameter re-randomised (RMSNorm weights 1 + 0.1·N(0,1), so
that a norm bug cannot hide behind all-ones weights), saves it with save_pretrained and stores:

  reference.safetensors   input_ids [S] i64, logits [S, V] f32 (one batch forward),
                          logits_step [S, V] f32 (prefill of the first 8 ids, then one id at a time
                          through the KV cache), hidden_states.K [S, D] f32 (HF output_hidden_states:
                          K = 0 embeddings, K = 1..L-1 outputs of layers 0..L-2, K = L the final-norm
                          output) and last_hidden_state [S, D] (final-norm output)
  reference.json          ids, greedy continuation (generate(do_sample=False, max_new_tokens=16)),
                          versions, script version, dtype, tolerances

Only the tied variant gets a tokenizer (tokenizer.json + tokenizer_config.json); the untied one is
a model directory without tokenizer files, as `pio logits` must accept. The tokenizer is the real
Qwen3 byte-level BPE cut down to the tiny vocab (see build_tiny_tokenizer), so the tokenizer and
chat-template code paths of the real model also run on the fixture.

Usage: python3 (a venv with torch + transformers) tools/golden/gen_qwen3_fixture.py [--out tests/fixtures/qwen3]
       [--qwen-tokenizer ../shared/data/qwen3-tokenizer]
Needs torch, transformers, tokenizers, safetensors (never needed by CI: the output is committed).
"""
import argparse
import json
import os
import pathlib

import torch
import transformers
from safetensors.torch import save_file

SCRIPT_VERSION = 1
FIXED_IDS = [1, 17, 300, 42, 99, 5, 511, 256, 7, 3, 128, 64, 2]   # qwen3.md §6
PREFILL = 8            # logits_step: first PREFILL ids in one batch, the rest one by one
GREEDY_NEW_TOKENS = 16
# fp32 engine vs fp32 HF: relative L2 error of the logits (||a-b|| / ||b||); see qwen3.md §6.
TOLERANCES = {"logits_rel_l2": 1e-4, "logits_max_abs": 1e-4, "hidden_rel_l2": 1e-4}

# The tiny tokenizer mirrors the real layout: 256 byte-level symbols (ids 0..255, the same ids as in
# Qwen3), then the first real merges (ids 256..504), then the added tokens (505..511) -- as in the real
# tokenizer.json they are not part of the BPE vocab, and `tokenizers` numbers them after it.
# bos/eos/pad follow the real config: bos = <|endoftext|>, eos = <|im_end|>, generation stops on both.
TINY_BOS, TINY_EOS = 505, 507
TINY_SPECIALS = [  # (content, special) as in the real tokenizer.json
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
    ("<think>", False), ("</think>", False), ("<tool_call>", False), ("</tool_call>", False),
]


def build_tiny_tokenizer(qwen_dir, vocab_size, out_dir):
    """Writes tokenizer.json / tokenizer_config.json: the real Qwen3 tokenizer cut to vocab_size ids.

    Keeps the real normaliser, Split regex, byte-level pre-tokenizer/decoder and chat template; the
    BPE vocab is 256 byte symbols plus the first (vocab_size - 256 - specials) real merges, in rank
    order, so every merge's parts exist; the added tokens take the last ids.
    """
    real = json.loads(pathlib.Path(qwen_dir, "tokenizer.json").read_text(encoding="utf-8"))
    real_cfg = json.loads(pathlib.Path(qwen_dir, "tokenizer_config.json").read_text(encoding="utf-8"))
    real_vocab = real["model"]["vocab"]
    by_id = sorted(real_vocab.items(), key=lambda kv: kv[1])
    byte_symbols = [tok for tok, i in by_id[:256]]
    assert all(len(t) == 1 for t in byte_symbols), "first 256 Qwen ids are the byte symbols"
    vocab = {}
    for tok in byte_symbols:
        vocab[tok] = len(vocab)
    merges = []
    n_merges = vocab_size - 256 - len(TINY_SPECIALS)
    for merge in real["model"]["merges"]:
        if len(merges) == n_merges:
            break
        a, b = merge if isinstance(merge, list) else merge.split(" ")
        if a in vocab and b in vocab and a + b not in vocab:
            vocab[a + b] = len(vocab)
            merges.append([a, b])
    assert len(vocab) + len(TINY_SPECIALS) == vocab_size
    tok = dict(real)
    tok["added_tokens"] = [
        {"id": len(vocab) + i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": s} for i, (c, s) in enumerate(TINY_SPECIALS)]
    tok["model"] = dict(real["model"], vocab=vocab, merges=merges)
    (out_dir / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False, indent=1), encoding="utf-8")
    cfg = dict(real_cfg)
    cfg["added_tokens_decoder"] = {
        str(len(vocab) + i): {"content": c, "lstrip": False, "normalized": False, "rstrip": False,
                 "single_word": False, "special": s} for i, (c, s) in enumerate(TINY_SPECIALS)}
    cfg["additional_special_tokens"] = ["<|im_start|>", "<|im_end|>"]
    cfg["model_max_length"] = 128
    (out_dir / "tokenizer_config.json").write_text(json.dumps(cfg, ensure_ascii=False, indent=2), encoding="utf-8")
    # Self-check with the reference library: it must load and round-trip text.
    import tokenizers
    t = tokenizers.Tokenizer.from_file(str(out_dir / "tokenizer.json"))
    text = "<|im_start|>user\nHello, world! 123<|im_end|>\n"
    ids = t.encode(text).ids
    assert t.decode(ids, skip_special_tokens=False) == text, (ids, t.decode(ids))
    assert max(ids) < vocab_size and ids[0] == 506 and ids[-2] == TINY_EOS, ids
    assert t.encode("Hello, world!").ids[:1] == [9707 if 9707 < 505 else t.token_to_id("H")]


# std 0.2 (not the 0.05 of the spec outline): with small weights the tiny model's greedy output
# degenerates into one repeated token, which would not test decoding; at 0.2 it varies and the
# top-1/top-2 margin of every greedy step stays far above the fp32 tolerance (see reference.json).
MATRIX_STD = 0.2


def rerandomise(model, matrix_std=MATRIX_STD, router_std=0.5):
    """Every parameter gets fresh values: norms 1 + 0.1·N(0,1), MoE routers N(0, router_std²),
    everything else N(0, matrix_std²)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif name.endswith("mlp.gate.weight"):        # MoE router: decisive routing, far from ties
                p.copy_(router_std * torch.randn_like(p))
            else:
                p.copy_(matrix_std * torch.randn_like(p))


def reference_outputs(model, ids, prefill):
    """Batch logits + hidden states, and the prefill-then-step logits through the KV cache."""
    input_ids = torch.tensor([ids])
    with torch.no_grad():
        out = model(input_ids, output_hidden_states=True, use_cache=False)
        logits = out.logits[0].float().contiguous()
        hidden = [h[0].float().contiguous() for h in out.hidden_states]
        base = getattr(model, "model")
        last_hidden = base(input_ids, use_cache=False).last_hidden_state[0].float().contiguous()
        step_rows = []
        pre = model(input_ids[:, :prefill], use_cache=True)
        step_rows.append(pre.logits[0])
        past = pre.past_key_values
        for s in range(prefill, len(ids)):
            o = model(input_ids[:, s:s + 1], past_key_values=past, use_cache=True)
            past = o.past_key_values
            step_rows.append(o.logits[0])
        logits_step = torch.cat(step_rows, dim=0).float().contiguous()
    tensors = {"input_ids": torch.tensor(ids, dtype=torch.int64), "logits": logits,
               "logits_step": logits_step, "last_hidden_state": last_hidden}
    for k, h in enumerate(hidden):
        tensors[f"hidden_states.{k}"] = h
    return tensors


def greedy(model, ids, n):
    """New ids of generate(do_sample=False) and the smallest top-1 minus top-2 logit margin."""
    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), max_new_tokens=n, do_sample=False,
                             output_scores=True, return_dict_in_generate=True)
    margins = [float(s[0].topk(2).values[0] - s[0].topk(2).values[1]) for s in out.scores]
    return out.sequences[0, len(ids):].tolist(), min(margins)


def rel_l2(a, b):
    return float((a - b).norm() / b.norm())


def write_reference(model, out_dir, ids, extra_meta, extra_tensors=None):
    tensors = reference_outputs(model, ids, PREFILL)
    if extra_tensors:
        tensors.update(extra_tensors)
    save_file(tensors, str(out_dir / "reference.safetensors"),
              metadata={"format": "pt", "script_version": str(SCRIPT_VERSION)})
    cont, margin = greedy(model, ids, GREEDY_NEW_TOKENS)
    step_vs_batch = rel_l2(tensors["logits_step"], tensors["logits"])
    meta = {
        "script": "tools/golden/" + pathlib.Path(__file__).name,
        "script_version": SCRIPT_VERSION,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "dtype": "float32",
        "attn_implementation": "eager",
        "seed": 0,
        "input_ids": ids,
        "prefill_tokens": PREFILL,
        "greedy": {"prompt_ids": ids, "max_new_tokens": GREEDY_NEW_TOKENS, "do_sample": False,
                   "eos_token_id": model.generation_config.eos_token_id, "new_ids": cont,
                   "stopped_on_eos": len(cont) < GREEDY_NEW_TOKENS, "min_top1_margin": margin},
        "tolerances": TOLERANCES,
        "hf_step_vs_batch_rel_l2": step_vs_batch,
        "reference_tensors": {k: list(v.shape) for k, v in tensors.items()},
        "hidden_states_note": "hidden_states.K: K=0 embedding output, K=1..L-1 output of layer K-1, "
                              "K=L final-norm output (HF output_hidden_states); last_hidden_state == hidden_states.L",
        "matrix_std": MATRIX_STD,
    }
    meta.update(extra_meta)
    (out_dir / "reference.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


# YaRN as Qwen documents it for long context (factor 4 over the pre-training length), scaled down.
YARN_ROPE = {"rope_type": "yarn", "rope_theta": 1e6, "factor": 4.0,
             "original_max_position_embeddings": 32}


def build_model(tied, yarn=False):
    from transformers import Qwen3Config, Qwen3ForCausalLM
    rope = {"rope_parameters": YARN_ROPE} if yarn else {"rope_theta": 1e6}
    config = Qwen3Config(vocab_size=512, hidden_size=64, intermediate_size=160, num_hidden_layers=3,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                         rms_norm_eps=1e-6, max_position_embeddings=128, **rope,
                         attention_bias=False, tie_word_embeddings=tied,
                         bos_token_id=TINY_BOS, eos_token_id=TINY_EOS, pad_token_id=TINY_BOS)
    torch.manual_seed(0)
    model = Qwen3ForCausalLM._from_config(config, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    # As the real generation_config.json: stop on <|im_end|> and <|endoftext|>.
    model.generation_config.eos_token_id = [TINY_EOS, TINY_BOS]
    model.generation_config.pad_token_id = TINY_BOS
    torch.manual_seed(0)
    rerandomise(model)
    if tied:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    return model


def main():
    repo = pathlib.Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(repo / "tests/fixtures/qwen3"))
    ap.add_argument("--qwen-tokenizer", default=str(repo.parent / "shared/data/qwen3-tokenizer"))
    ap.add_argument("--variants", default="tied,untied,yarn", help="comma-separated subset to write")
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    variants = {"tied": (True, False), "untied": (False, False), "yarn": (True, True)}
    for variant in args.variants.split(","):
        tied, yarn = variants[variant]
        out_dir = pathlib.Path(args.out) / variant
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in out_dir.iterdir():
            f.unlink()
        model = build_model(tied, yarn)
        model.save_pretrained(out_dir, safe_serialization=True)
        model.generation_config.save_pretrained(out_dir)
        if variant == "tied":
            build_tiny_tokenizer(args.qwen_tokenizer, 512, out_dir)
        meta = write_reference(model, out_dir, FIXED_IDS, {"variant": variant, "tie_word_embeddings": tied,
                                                           "rope": YARN_ROPE if yarn else "default"})
        size = sum(f.stat().st_size for f in out_dir.iterdir())
        print(f"{out_dir}: {size} bytes, greedy {meta['greedy']['new_ids']}, "
              f"HF step-vs-batch rel {meta['hf_step_vs_batch_rel_l2']:.2e}")


if __name__ == "__main__":
    main()
