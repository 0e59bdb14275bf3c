#!/usr/bin/env python3
"""Golden fixtures for the qwen3_moe plugin: tiny random-weight Qwen3MoeForCausalLM + HF reference.

Config (docs/models/qwen3_moe.md §6, shrunk to stay < 1 MB per fixture): vocab 512, hidden 64,
3 layers (layer 1 dense through mlp_only_layers, layers 0 and 2 sparse MoE), 4 query / 2 KV heads
(GQA), head_dim 32, 8 experts, top-2, norm_topk_prob true, decoder_sparse_step 1, untied lm_head,
rope_theta 1e7. float32, eager attention, seed 0, every parameter re-randomised (router N(0, 0.5²)
so routing is decisive, norms 1 + 0.1·N(0,1)).

Fixtures written under tests/fixtures/qwen3_moe/:
  per_expert/  the published checkpoint layout: model.layers.N.mlp.experts.E.{gate,up,down}_proj.weight
  fused/       the same weights in the fused layout of transformers 5.x modules
               (mlp.experts.gate_up_proj [E, 2I, D] = per expert concat(gate_proj, up_proj) along
               the output dim, mlp.experts.down_proj [E, D, I]). If the installed transformers saves
               that layout, fused/ is its file and this script writes per_expert/ from it; otherwise
               (transformers 5.24 reverses the fusion when saving) per_expert/ is the saved file and
               this script writes fused/ from it. reference.json records which one transformers wrote.
  variant_b/   docs/models/qwen3_moe.md §6 variant B, per-expert layout: norm_topk_prob false,
               decoder_sparse_step 2, mlp_only_layers [] (layer 1 sparse, layers 0 and 2 dense), top-2.
Each holds config.json, generation_config.json, model.safetensors and the reference (see
gen_qwen3_fixture.py), plus router.N.expert_ids [S, k] i64 / router.N.weights [S, k] f32 for each
MoE layer N, computed with the formula of qwen3_moe.md §3.1 from the post-attention-norm input.

Usage: python3 (a venv with torch + transformers) tools/golden/gen_qwen3_moe_fixture.py [--out tests/fixtures/qwen3_moe]
"""
import argparse
import json
import pathlib
import shutil
import sys

import torch
from safetensors import safe_open
from safetensors.torch import save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gen_qwen3_fixture as dense  # noqa: E402  (shared reference writer and re-randomisation)

SCRIPT_VERSION = 1
FIXED_IDS = [505, 17, 300, 42, 99, 5, 511, 256, 7, 3, 128, 64, 2, 450, 33, 210]   # 16 ids
BOS, EOS = 505, 507   # same special-token layout as the dense tiny tokenizer


VARIANT_A = dict(norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[1])
VARIANT_B = dict(norm_topk_prob=False, decoder_sparse_step=2, mlp_only_layers=[])
# Variant B's router is flatter (std 0.1, not 0.5) so that the top-2 probabilities sum to well
# below 1 and a wrongly renormalising engine fails; the top-k gap stays far above fp32 noise.
ROUTER_STD = {"A": 0.5, "B": 0.1}


def build_model(variant=None):
    from transformers import Qwen3MoeConfig, Qwen3MoeForCausalLM
    routing = variant or VARIANT_A
    config = Qwen3MoeConfig(vocab_size=512, hidden_size=64, num_hidden_layers=3,
                            num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                            intermediate_size=96, moe_intermediate_size=16, num_experts=8,
                            num_experts_per_tok=2, **routing, rms_norm_eps=1e-6, rope_theta=1e7,
                            max_position_embeddings=128, tie_word_embeddings=False,
                            attention_bias=False, router_aux_loss_coef=0.0,
                            bos_token_id=BOS, eos_token_id=EOS, pad_token_id=BOS)
    torch.manual_seed(0)
    model = Qwen3MoeForCausalLM._from_config(config, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    model.generation_config.eos_token_id = [EOS, BOS]
    model.generation_config.pad_token_id = BOS
    torch.manual_seed(0)
    dense.rerandomise(model, router_std=ROUTER_STD["B" if variant is VARIANT_B else "A"])
    return model


def router_reference(model, ids):
    """Per MoE layer: top-k expert ids and weights from the MLP input (post-attention norm)."""
    cfg = model.config
    captured = {}
    hooks = []
    for i, layer in enumerate(model.model.layers):
        if hasattr(layer.mlp, "gate"):
            hooks.append(layer.mlp.register_forward_pre_hook(
                lambda mod, args, i=i: captured.__setitem__(i, args[0].detach().clone())))
    with torch.no_grad():
        model(torch.tensor([ids]), use_cache=False)
    for h in hooks:
        h.remove()
    out = {}
    for i, x in sorted(captured.items()):
        gate = model.model.layers[i].mlp.gate.weight                # [E, D]
        probs = torch.softmax((x[0] @ gate.T).float(), dim=-1)       # [S, E]
        top = torch.topk(probs, cfg.num_experts_per_tok, dim=-1)
        w = top.values
        if cfg.norm_topk_prob:
            w = w / w.sum(dim=-1, keepdim=True)
        # Gap between the k-th and (k+1)-th probability: routing must be far from a tie.
        sorted_p = torch.sort(probs, dim=-1, descending=True).values
        gap = float((sorted_p[:, cfg.num_experts_per_tok - 1] - sorted_p[:, cfg.num_experts_per_tok]).min())
        out[f"router.{i}.expert_ids"] = top.indices.to(torch.int64).contiguous()
        out[f"router.{i}.weights"] = w.float().contiguous()
        out[f"router.{i}.min_gap"] = gap
    return out


def saved_layout(path):
    with safe_open(str(path), "pt") as f:
        names = list(f.keys())
    fused = any(n.endswith("mlp.experts.gate_up_proj") for n in names)
    per_expert = any(".mlp.experts.0.gate_proj.weight" in n for n in names)
    return names, ("fused" if fused else "per_expert" if per_expert else "unknown")


def write_per_expert(src, dst, moe_intermediate):
    """Rewrites fused expert tensors into the published per-expert names (same values)."""
    tensors = {}
    with safe_open(str(src), "pt") as f:
        metadata = f.metadata()
        for name in f.keys():
            t = f.get_tensor(name)
            if name.endswith("mlp.experts.gate_up_proj"):
                prefix = name[: -len("gate_up_proj")]
                for e in range(t.shape[0]):
                    tensors[f"{prefix}{e}.gate_proj.weight"] = t[e, :moe_intermediate].contiguous()
                    tensors[f"{prefix}{e}.up_proj.weight"] = t[e, moe_intermediate:].contiguous()
            elif name.endswith("mlp.experts.down_proj"):
                prefix = name[: -len("down_proj")]
                for e in range(t.shape[0]):
                    tensors[f"{prefix}{e}.down_proj.weight"] = t[e].contiguous()
            else:
                tensors[name] = t.contiguous()
    save_file(tensors, str(dst), metadata=metadata or {"format": "pt"})


def write_fused(src, dst):
    """Rewrites per-expert tensors into the fused layout (same values)."""
    import re
    tensors, experts = {}, {}
    pattern = re.compile(r"^(.*\.mlp\.experts\.)(\d+)\.(gate_proj|up_proj|down_proj)\.weight$")
    with safe_open(str(src), "pt") as f:
        metadata = f.metadata()
        for name in f.keys():
            m = pattern.match(name)
            if m:
                experts.setdefault(m.group(1), {})[(int(m.group(2)), m.group(3))] = f.get_tensor(name)
            else:
                tensors[name] = f.get_tensor(name)
    for prefix, parts in experts.items():
        n = 1 + max(e for e, _ in parts)
        tensors[prefix + "gate_up_proj"] = torch.stack(
            [torch.cat([parts[(e, "gate_proj")], parts[(e, "up_proj")]], dim=0) for e in range(n)]).contiguous()
        tensors[prefix + "down_proj"] = torch.stack([parts[(e, "down_proj")] for e in range(n)]).contiguous()
    save_file(tensors, str(dst), metadata=metadata or {"format": "pt"})


def main():
    repo = pathlib.Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(repo / "tests/fixtures/qwen3_moe"))
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    root = pathlib.Path(args.out)
    shutil.rmtree(root, ignore_errors=True)
    model = build_model()
    saved = root / "saved"
    model.save_pretrained(saved, safe_serialization=True)
    model.generation_config.save_pretrained(saved)
    names, layout = saved_layout(saved / "model.safetensors")
    print(f"transformers saved the {layout} expert layout; tensors:")
    for n in names:
        print("  ", n)
    router = router_reference(model, FIXED_IDS)
    gaps = {k: v for k, v in router.items() if k.endswith("min_gap")}
    router = {k: v for k, v in router.items() if not k.endswith("min_gap")}
    meta = {"saved_by_transformers_layout": layout, "router_min_topk_gap": gaps,
            "num_experts": 8, "num_experts_per_tok": 2, "mlp_only_layers": [1],
            "script_moe": "tools/golden/" + pathlib.Path(__file__).name,
            "script_moe_version": SCRIPT_VERSION}
    variants = []
    if layout == "fused":
        fused = root / "fused"
        saved.rename(fused)
        per = root / "per_expert"
        per.mkdir(parents=True)
        for f in ("config.json", "generation_config.json"):
            shutil.copy(fused / f, per / f)
        write_per_expert(fused / "model.safetensors", per / "model.safetensors", model.config.moe_intermediate_size)
        variants = [("fused", fused), ("per_expert", per)]
    else:
        per = root / "per_expert"
        saved.rename(per)
        fused = root / "fused"
        fused.mkdir(parents=True)
        for f in ("config.json", "generation_config.json"):
            shutil.copy(per / f, fused / f)
        write_fused(per / "model.safetensors", fused / "model.safetensors")
        variants = [("per_expert", per), ("fused", fused)]
    for variant, out_dir in variants:
        _, lay = saved_layout(out_dir / "model.safetensors")
        assert lay == variant, (variant, lay)
        m = dense.write_reference(model, out_dir, FIXED_IDS, dict(meta, variant=variant, layout=lay),
                                  extra_tensors=router)
        size = sum(f.stat().st_size for f in out_dir.iterdir())
        print(f"{out_dir}: {size} bytes, greedy {m['greedy']['new_ids']} "
              f"(margin {m['greedy']['min_top1_margin']:.3f}), router gaps {gaps}, "
              f"HF step-vs-batch rel {m['hf_step_vs_batch_rel_l2']:.2e}")
    # Variant B: the other routing options, per-expert layout only.
    model_b = build_model(VARIANT_B)
    out_b = root / "variant_b"
    model_b.save_pretrained(out_b, safe_serialization=True)
    model_b.generation_config.save_pretrained(out_b)
    _, lay_b = saved_layout(out_b / "model.safetensors")
    assert lay_b == "per_expert", lay_b
    router_b = router_reference(model_b, FIXED_IDS)
    gaps_b = {k: v for k, v in router_b.items() if k.endswith("min_gap")}
    router_b = {k: v for k, v in router_b.items() if not k.endswith("min_gap")}
    assert sorted(router_b) == ["router.1.expert_ids", "router.1.weights"], sorted(router_b)
    top_sum = router_b["router.1.weights"].sum(dim=-1)
    print(f"variant_b top-2 probability sums: min {float(top_sum.min()):.3f} max {float(top_sum.max()):.3f}")
    m = dense.write_reference(model_b, out_b, FIXED_IDS,
                              dict(meta, variant="variant_b", layout=lay_b, router_min_topk_gap=gaps_b,
                                   mlp_only_layers=[], decoder_sparse_step=2, norm_topk_prob=False),
                              extra_tensors=router_b)
    size = sum(f.stat().st_size for f in out_b.iterdir())
    print(f"{out_b}: {size} bytes, greedy {m['greedy']['new_ids']} (margin {m['greedy']['min_top1_margin']:.3f}), "
          f"router gaps {gaps_b}")

    # Both files must load back into transformers and give the same logits.
    from transformers import Qwen3MoeForCausalLM
    for variant, out_dir in variants:
        back = Qwen3MoeForCausalLM.from_pretrained(out_dir, attn_implementation="eager", dtype=torch.float32)
        with torch.no_grad():
            a = back(torch.tensor([FIXED_IDS])).logits
            b = model(torch.tensor([FIXED_IDS])).logits
        print(f"{variant} reload max |dlogit|:", float((a - b).abs().max()))
        # per_expert reloads bit-exactly; the fused file reloads within ~3e-6 in transformers 5.24
        # (its loader takes a different expert code path), which is far inside the 1e-4 tolerance.
        assert float((a - b).abs().max()) < 1e-5


if __name__ == "__main__":
    main()
