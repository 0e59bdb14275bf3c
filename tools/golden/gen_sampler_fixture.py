#!/usr/bin/env python3
"""Reference for the host sampler: which tokens HF generate's logits processors keep.

Builds the processors in the order transformers' GenerationMixin._get_logits_processor uses
(RepetitionPenaltyLogitsProcessor, then TemperatureLogitsWarper -> TopKLogitsWarper ->
TopPLogitsWarper -> MinPLogitsWarper) on random float32 rows and stores, per case, the row, the
prompt ids, the parameters, the row after the repetition penalty and the ids left finite after
all processors. Output: tests/generation/data/sampler_reference.json (committed; CI has no torch).

Usage: python3 (a venv with torch + transformers) tools/golden/gen_sampler_fixture.py [OUT]
"""
import json
import sys

import torch
import transformers
from transformers.generation.logits_process import (LogitsProcessorList, MinPLogitsWarper,
                                                    RepetitionPenaltyLogitsProcessor,
                                                    TemperatureLogitsWarper, TopKLogitsWarper,
                                                    TopPLogitsWarper)

VOCAB = 64


def processors(p):
    out = LogitsProcessorList()
    if p["repetition_penalty"] != 1.0:
        out.append(RepetitionPenaltyLogitsProcessor(p["repetition_penalty"]))
    if p["temperature"] != 1.0:
        out.append(TemperatureLogitsWarper(p["temperature"]))
    if p["top_k"] != 0:
        out.append(TopKLogitsWarper(top_k=p["top_k"], min_tokens_to_keep=1))
    if p["top_p"] < 1.0:
        out.append(TopPLogitsWarper(top_p=p["top_p"], min_tokens_to_keep=1))
    if p["min_p"] > 0.0:
        out.append(MinPLogitsWarper(min_p=p["min_p"], min_tokens_to_keep=1))
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "tests/generation/data/sampler_reference.json"
    gen = torch.Generator().manual_seed(0)
    grid = [
        # temperature, top_k, top_p, min_p, repetition_penalty, logit scale, ties
        (0.6, 20, 0.95, 0.0, 1.0, 1.0, False),   # Qwen3 thinking defaults
        (0.7, 20, 0.8, 0.0, 1.05, 1.0, False),   # Qwen3-Coder defaults
        (1.0, 5, 1.0, 0.0, 1.0, 1.0, True),      # top-k ties kept
        (1.0, 0, 0.9, 0.0, 1.0, 2.0, False),
        (1.5, 0, 0.5, 0.0, 1.0, 1.5, False),
        (0.3, 0, 1.0, 0.1, 1.0, 1.0, False),
        (1.0, 0, 1.0, 0.05, 1.3, 2.0, False),
        (0.8, 40, 0.7, 0.2, 1.2, 0.8, False),
        (2.0, 10, 0.99, 0.01, 1.0, 5.0, False),
        (1.0, 1, 1.0, 0.0, 1.0, 2.0, False),
        (0.5, 0, 0.3, 0.0, 0.8, 0.5, False),    # penalty < 1 favours repeats
        (1.0, 48, 0.95, 0.02, 1.1, 0.5, False),
    ]
    cases = []
    for i, (t, k, p, m, rep, scale, ties) in enumerate(grid):
        row = torch.randn(VOCAB, generator=gen, dtype=torch.float32) * scale
        if ties:
            row = torch.round(row * 2) / 2
        prompt = torch.randint(0, VOCAB, (12,), generator=gen)
        params = {"temperature": t, "top_k": k, "top_p": p, "min_p": m, "repetition_penalty": rep}
        ids = prompt.unsqueeze(0)
        penalised = row.unsqueeze(0).clone()
        if rep != 1.0:
            penalised = RepetitionPenaltyLogitsProcessor(rep)(ids, penalised)
        final = processors(params)(ids, row.unsqueeze(0).clone())[0]
        kept = [j for j in range(VOCAB) if torch.isfinite(final[j])]
        cases.append({"name": f"case{i}", "params": params, "prompt_ids": prompt.tolist(),
                      "logits": row.tolist(), "penalised": penalised[0].tolist(), "kept": kept})
    doc = {"script": "tools/golden/gen_sampler_fixture.py", "transformers_version": transformers.__version__,
           "torch_version": torch.__version__, "vocab": VOCAB, "cases": cases}
    with open(out_path, "w") as f:
        json.dump(doc, f)
        f.write("\n")


if __name__ == "__main__":
    main()
