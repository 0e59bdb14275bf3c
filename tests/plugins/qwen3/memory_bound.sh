#!/usr/bin/env bash
# Issue bound: resident memory after loading Qwen3-0.6B and generating stays within
# 1.15 x checkpoint bytes + KV cache. Makes a full-size random-weight Qwen3-0.6B (bf16, real
# shapes, real tokenizer), runs `pio bench` on it and compares the resident memory after
# generating, without mapped shared libraries (a CUDA build maps ~200 MiB of cuBLAS), with the bound.
# Usage: memory_bound.sh PIO GEN_CHECKPOINT TOKENIZER_TAR_XZ
set -euo pipefail
pio=$1 gen=$2 tokenizer_archive=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/tokenizer"
tar -xJf "$tokenizer_archive" -C "$work/tokenizer"
"$gen" --arch qwen3 --preset 0.6b --tokenizer "$work/tokenizer" --out "$work/model" >/dev/null

prompt=64 gen_tokens=16
"$pio" bench --model "$work/model" --prompt-tokens $prompt --gen-tokens $gen_tokens --repeats 1 \
  --json > "$work/bench.json"

python3 - "$work" $prompt $gen_tokens <<'PY'
import json, os, sys
work, prompt, gen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bench = json.load(open(os.path.join(work, "bench.json")))
config = json.load(open(os.path.join(work, "model", "config.json")))
checkpoint = sum(os.path.getsize(os.path.join(work, "model", f))
                 for f in os.listdir(os.path.join(work, "model")) if f.endswith(".safetensors"))
# f32 K and V for every position a bench session holds (pp and tg run in one session at most).
positions = prompt + gen
kv = config["num_hidden_layers"] * 2 * config["num_key_value_heads"] * config["head_dim"] * 4 * positions
bound = 1.15 * checkpoint + kv
rss = bench["resident_bytes_without_libraries"]
peak = bench["peak_rss_bytes"]
print(f"checkpoint {checkpoint/2**20:.1f} MiB, KV {kv/2**20:.2f} MiB, process peak RSS {peak/2**20:.1f} MiB, "
      f"resident without libraries {rss/2**20:.1f} MiB, "
      f"bound {bound/2**20:.1f} MiB ({rss/checkpoint:.3f} x checkpoint); "
      f"pp {bench['pp_tokens_per_second']} tok/s, tg {bench['tg_tokens_per_second']} tok/s")
assert bench["tg_tokens_per_second"] > 0, "nothing was generated"
assert rss > checkpoint * 0.9, "implausibly small resident memory: the weights were not all mapped"
assert rss <= bound, "resident memory exceeds 1.15 x checkpoint + KV cache"
PY
