#!/usr/bin/env python3
"""Converts a Hugging Face Qwen3 / Qwen3-MoE checkpoint directory (safetensors + config.json +
tokenizer.json) into a GGUF file that llama.cpp loads as architecture `qwen3` or `qwen3moe`.

Our own converter, written for the peer benchmark (tools/bench/compare.py): it keeps the weights
in their checkpoint dtype (bf16 matrices stay bf16, no quantisation; the 1-D norm weights are
widened to f32 exactly, as llama.cpp's own converter does), so that llama.cpp and pio read the
same number of bytes per token. Only the `gguf` and `numpy` packages are needed (no torch, no
transformers): the safetensors files are memory-mapped and handed to GGUFWriter as raw uint16
words tagged BF16.

What llama.cpp expects (read from its sources: src/models/qwen3*.cpp, src/llama-arch.cpp,
src/llama-vocab.cpp):
  * tensors `token_embd`, `output_norm`, `output` (optional: absent = tied to token_embd) and per
    block `blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, attn_q_norm, attn_k_norm,
    ffn_norm}` plus `ffn_gate/ffn_up/ffn_down` (dense) or `ffn_gate_inp` and the experts stacked
    as `ffn_gate_exps/ffn_up_exps` [E, inter, hidden] and `ffn_down_exps` [E, hidden, inter]
    (numpy order; GGUF stores the dimensions reversed, which GGUFWriter does);
  * Q and K are NOT permuted (Qwen uses NeoX rotate-half RoPE, which is llama.cpp's rope type for
    qwen3, unlike the LLaMA converter's interleaving permutation);
  * metadata `<arch>.block_count`, `.context_length`, `.embedding_length`, `.feed_forward_length`,
    `.attention.head_count(_kv)`, `.attention.key_length/.value_length` (head_dim 128 differs
    from hidden/heads), `.rope.freq_base`, `.attention.layer_norm_rms_epsilon`, and for MoE
    `.expert_count`, `.expert_used_count`, `.expert_feed_forward_length`; llama.cpp's qwen3moe
    always renormalises the top-k weights (norm_topk_prob true), so a config with false is refused;
  * tokenizer `gpt2` (byte-level BPE) with pre-tokenizer `qwen2`, the token list padded to the
    config's vocab_size with `[PADi]` (UNUSED), special added tokens CONTROL, others USER_DEFINED,
    merges as "a b" strings.

Usage: hf_to_gguf.py MODEL_DIR OUT.gguf
"""
import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np
import gguf

SAFETENSORS_DTYPES = {"BF16": (np.uint16, gguf.GGMLQuantizationType.BF16),
                      "F16": (np.float16, gguf.GGMLQuantizationType.F16),
                      "F32": (np.float32, gguf.GGMLQuantizationType.F32)}


class SafetensorsFiles:
    """All tensors of a (possibly sharded) checkpoint as memory-mapped numpy arrays."""

    def __init__(self, model_dir: Path):
        index = model_dir / "model.safetensors.index.json"
        if index.exists():
            files = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        else:
            files = ["model.safetensors"]
        self.tensors: dict[str, tuple[np.ndarray, gguf.GGMLQuantizationType]] = {}
        for name in files:
            self._read(model_dir / name)

    def _read(self, path: Path):
        with open(path, "rb") as f:
            (header_len,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(header_len))
        data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_len)
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] not in SAFETENSORS_DTYPES:
                sys.exit(f"{path}: tensor {name}: dtype {info['dtype']} not supported")
            np_dtype, ggml_type = SAFETENSORS_DTYPES[info["dtype"]]
            begin, end = info["data_offsets"]
            array = data[begin:end].view(np_dtype).reshape(info["shape"])
            self.tensors[name] = (array, ggml_type)

    def take(self, name: str):
        if name not in self.tensors:
            sys.exit(f"tensor {name} missing from the checkpoint")
        return self.tensors.pop(name)


def add_tokenizer(writer: gguf.GGUFWriter, model_dir: Path, vocab_size: int, config: dict):
    tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    if tok["model"]["type"] != "BPE":
        sys.exit(f"{model_dir}/tokenizer.json: model type {tok['model']['type']} is not BPE")
    id_to_token: dict[int, str] = {i: t for t, i in tok["model"]["vocab"].items()}
    special: set[int] = set()
    for added in tok.get("added_tokens", []):
        id_to_token[added["id"]] = added["content"]
        if added.get("special", False):
            special.add(added["id"])
    added_ids = {a["id"] for a in tok.get("added_tokens", [])}
    if max(id_to_token) >= vocab_size:
        sys.exit(f"tokenizer has id {max(id_to_token)} >= vocab_size {vocab_size}")
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in id_to_token:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        else:
            tokens.append(id_to_token[i])
            if i in special:
                types.append(gguf.TokenType.CONTROL)
            elif i in added_ids:
                types.append(gguf.TokenType.USER_DEFINED)
            else:
                types.append(gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    eos = config.get("eos_token_id", 151645)
    if isinstance(eos, list):
        eos = eos[0]
    writer.add_bos_token_id(config.get("bos_token_id", 151643))
    writer.add_eos_token_id(eos)
    writer.add_pad_token_id(151643 if vocab_size > 151643 else 0)
    writer.add_add_bos_token(False)


def convert(model_dir: Path, out: Path):
    config = json.loads((model_dir / "config.json").read_text())
    model_type = config.get("model_type")
    if model_type == "qwen3":
        arch = "qwen3"
    elif model_type == "qwen3_moe":
        arch = "qwen3moe"
        if not config.get("norm_topk_prob", False):
            sys.exit("llama.cpp's qwen3moe always renormalises top-k weights; norm_topk_prob false is not representable")
        if config.get("mlp_only_layers") or config.get("decoder_sparse_step", 1) != 1:
            sys.exit("mlp_only_layers / decoder_sparse_step != 1 are not representable in llama.cpp's qwen3moe")
    else:
        sys.exit(f"{model_dir}/config.json: model_type {model_type!r} is not qwen3 or qwen3_moe")

    layers = config["num_hidden_layers"]
    head_dim = config.get("head_dim", config["hidden_size"] // config["num_attention_heads"])
    writer = gguf.GGUFWriter(str(out), arch)
    writer.add_name(model_dir.name)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_BF16)
    writer.add_block_count(layers)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_rope_freq_base(config.get("rope_theta", 1000000.0))
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    if config.get("rope_scaling"):
        sys.exit("rope_scaling is not handled by this converter")
    if arch == "qwen3moe":
        writer.add_expert_count(config["num_experts"])
        writer.add_expert_used_count(config["num_experts_per_tok"])
        writer.add_expert_feed_forward_length(config["moe_intermediate_size"])
    add_tokenizer(writer, model_dir, config["vocab_size"], config)

    st = SafetensorsFiles(model_dir)

    def put(gguf_name: str, hf_name: str):
        array, ggml_type = st.take(hf_name)
        if array.ndim == 1 and ggml_type == gguf.GGMLQuantizationType.BF16:
            # Norm weights: f32, as llama.cpp's own converter stores 1-D tensors (exact widening).
            array, ggml_type = (array.astype(np.uint32) << 16).view(np.float32), gguf.GGMLQuantizationType.F32
        writer.add_tensor(gguf_name, array, raw_dtype=ggml_type)

    put("token_embd.weight", "model.embed_tokens.weight")
    put("output_norm.weight", "model.norm.weight")
    if "lm_head.weight" in st.tensors:
        if config.get("tie_word_embeddings", False):
            st.take("lm_head.weight")  # tied: llama.cpp reuses token_embd
        else:
            put("output.weight", "lm_head.weight")
    for n in range(layers):
        p = f"model.layers.{n}."
        put(f"blk.{n}.attn_norm.weight", p + "input_layernorm.weight")
        put(f"blk.{n}.attn_q.weight", p + "self_attn.q_proj.weight")
        put(f"blk.{n}.attn_k.weight", p + "self_attn.k_proj.weight")
        put(f"blk.{n}.attn_v.weight", p + "self_attn.v_proj.weight")
        put(f"blk.{n}.attn_output.weight", p + "self_attn.o_proj.weight")
        put(f"blk.{n}.attn_q_norm.weight", p + "self_attn.q_norm.weight")
        put(f"blk.{n}.attn_k_norm.weight", p + "self_attn.k_norm.weight")
        put(f"blk.{n}.ffn_norm.weight", p + "post_attention_layernorm.weight")
        if arch == "qwen3":
            put(f"blk.{n}.ffn_gate.weight", p + "mlp.gate_proj.weight")
            put(f"blk.{n}.ffn_up.weight", p + "mlp.up_proj.weight")
            put(f"blk.{n}.ffn_down.weight", p + "mlp.down_proj.weight")
            continue
        put(f"blk.{n}.ffn_gate_inp.weight", p + "mlp.gate.weight")
        if p + "mlp.experts.gate_up_proj" in st.tensors:  # transformers' fused layout
            gate_up, ggml_type = st.take(p + "mlp.experts.gate_up_proj")  # [E, 2*inter, hidden]
            inter = gate_up.shape[1] // 2
            writer.add_tensor(f"blk.{n}.ffn_gate_exps.weight", np.ascontiguousarray(gate_up[:, :inter]), raw_dtype=ggml_type)
            writer.add_tensor(f"blk.{n}.ffn_up_exps.weight", np.ascontiguousarray(gate_up[:, inter:]), raw_dtype=ggml_type)
            put(f"blk.{n}.ffn_down_exps.weight", p + "mlp.experts.down_proj")  # [E, hidden, inter]
            continue
        for proj, gguf_name in (("gate_proj", "ffn_gate_exps"), ("up_proj", "ffn_up_exps"), ("down_proj", "ffn_down_exps")):
            parts = [st.take(p + f"mlp.experts.{e}.{proj}.weight") for e in range(config["num_experts"])]
            stacked = np.stack([a for a, _ in parts])  # [E, out, in], one copy in memory
            writer.add_tensor(f"blk.{n}.{gguf_name}.weight", stacked, raw_dtype=parts[0][1])
    if st.tensors:
        sys.exit(f"tensors not converted: {sorted(st.tensors)[:5]} ...")

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file(progress=False)
    writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    convert(args.model_dir, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
