#!/usr/bin/env python3
"""Peer benchmark: pio against llama.cpp on the same checkpoint shapes, same machine, same run.

  tools/bench/compare.py --build build-bench --work /tmp/pio-bench [--models small,0.6b,moe2]
                         [--threads 2] [--prompt-tokens 128] [--gen-tokens 32] [--repeats 3]
                         [--rounds 2] [--json OUT.json]

Needs a Python with `llama-cpp-python`, `gguf` and `numpy` (tools/bench/setup_venv.sh makes one;
nothing of it is committed), and a Release build of `pio`, the qwen3/qwen3_moe plugins and
`pio-gen-checkpoint` in --build.

For each model it
  1. generates the random-weight bf16 checkpoint with pio-gen-checkpoint (real Qwen3 tokenizer from
     tests/fixtures/qwen3-tokenizer), unless --work already has it;
  2. converts it to GGUF with tools/bench/hf_to_gguf.py (bf16 kept, no quantisation);
  3. checks the conversion: logits of a few tokens from `pio logits` and from llama.cpp, cosine
     similarity per position (should be > 0.99);
  4. measures in alternating rounds (pio, llama.cpp, pio, llama.cpp, ...; each a fresh process;
     --pio-cpu-path avx512_bf16 adds pio with that kernel path, which rounds activations to bf16
     for the matmuls as llama.cpp does):
     pio: `pio bench --json`; llama.cpp: this script in worker mode, which times prompt processing
     of N tokens as one batch into an empty cache and generation of M tokens one at a time from an
     empty cache (greedy argmax), exactly what `pio bench` times; one warm-up, then --repeats
     timed runs per round. Reported: the median tokens/s over all rounds, the ratio pio/llama.cpp,
     and each process's peak RSS (wait4 rusage; the llama.cpp one includes the Python
     interpreter and numpy, about 40 MB).
The 1-minute load average is recorded before each round: the machine may be shared.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# name -> pio-gen-checkpoint arguments
MODELS = {
    "small": ["--arch", "qwen3", "--preset", "small"],
    "0.6b": ["--arch", "qwen3", "--preset", "0.6b"],
    "moe2": ["--arch", "qwen3_moe", "--preset", "reduced", "--layers", "2"],
}
CHECK_TOKENS = [9707, 1879, 11, 419, 374, 264, 1273, 315, 279, 13]


def load_average() -> float:
    return os.getloadavg()[0]


class RusagePopen(subprocess.Popen):
    """Popen whose wait records the child's own peak RSS (wait4), not the maximum over all children."""

    peak_rss = 0

    def _try_wait(self, wait_flags):
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            pid, status = self.pid, 0
            usage = None
        if pid == self.pid and usage is not None:
            self.peak_rss = usage.ru_maxrss * 1024  # Linux: KiB
        return pid, status


def run_measured(cmd: list[str], env=None) -> tuple[str, int, float]:
    """Runs cmd, returns (stdout, peak RSS bytes of that process, wall seconds)."""
    start = time.monotonic()
    proc = RusagePopen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = proc.communicate()  # collects output; the process is reaped below via returncode
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    return out, proc.peak_rss, wall


def ensure_tokenizer(work: Path) -> Path:
    tok = work / "qwen3-tokenizer"
    if not (tok / "tokenizer.json").exists():
        tok.mkdir(parents=True, exist_ok=True)
        with tarfile.open(REPO / "tests/fixtures/qwen3-tokenizer/qwen3-tokenizer.tar.xz") as tar:
            tar.extractall(tok, filter="data")
    return tok


def ensure_checkpoint(name: str, build: Path, work: Path, tokenizer: Path) -> Path:
    out = work / f"pio-{name}"
    if (out / "config.json").exists() and any(out.glob("*.safetensors")):
        return out
    cmd = [str(build / "bin/pio-gen-checkpoint"), *MODELS[name], "--tokenizer", str(tokenizer), "--out", str(out)]
    print(f"[gen] {' '.join(cmd)}", flush=True)
    subprocess.run(cmd, check=True)
    return out


def ensure_gguf(model_dir: Path) -> Path:
    out = model_dir.parent / f"{model_dir.name}.gguf"
    if out.exists() and out.stat().st_mtime > (model_dir / "config.json").stat().st_mtime:
        return out
    print(f"[convert] {model_dir} -> {out}", flush=True)
    subprocess.run([sys.executable, str(HERE / "hf_to_gguf.py"), str(model_dir), str(out)], check=True)
    return out


# ---------------------------------------------------------------- llama.cpp worker (child process)

def llama_worker(args):
    import numpy as np
    from llama_cpp import Llama

    n_ctx = max(args.prompt_tokens, args.gen_tokens, len(CHECK_TOKENS)) + 16
    batch = max(args.prompt_tokens, len(CHECK_TOKENS), 1)
    llm = Llama(model_path=args.gguf, n_ctx=n_ctx, n_batch=batch, n_ubatch=batch, n_threads=args.threads,
                n_threads_batch=args.threads, logits_all=args.logits is not None, use_mmap=True, verbose=False,
                flash_attn=True)  # llama.cpp's own default ("auto") enables it on CPU
    last_logits = lambda: np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))  # noqa: E731
    if args.logits is not None:
        llm.reset()
        llm.eval(CHECK_TOKENS)
        np.save(args.logits, np.asarray(llm.scores[: len(CHECK_TOKENS)], dtype=np.float32))
        return
    rng = np.random.default_rng(1234)
    vocab = llm.n_vocab()
    prompt = [int(t) for t in rng.integers(0, vocab, size=args.prompt_tokens)]
    pp, tg = [], []
    for run in range(args.repeats + 1):  # run 0 warms up
        if args.prompt_tokens > 0:
            llm.reset()
            start = time.perf_counter()
            llm.eval(prompt)
            seconds = time.perf_counter() - start
            if run > 0:
                pp.append(args.prompt_tokens / seconds)
        if args.gen_tokens > 0:
            llm.reset()
            token = int(rng.integers(0, vocab))
            start = time.perf_counter()
            for _ in range(args.gen_tokens):
                llm.eval([token])
                token = int(np.argmax(last_logits()))
            seconds = time.perf_counter() - start
            if run > 0:
                tg.append(args.gen_tokens / seconds)
    print(json.dumps({"pp_samples": pp, "tg_samples": tg}))


# ---------------------------------------------------------------- driver

def check_logits(name: str, model_dir: Path, gguf: Path, build: Path, work: Path, threads: int) -> dict:
    import numpy as np
    pio_npy, llama_npy = work / f"{name}.pio-logits.npy", work / f"{name}.llama-logits.npy"
    subprocess.run([str(build / "bin/pio"), "logits", "--model", str(model_dir), "--threads", str(threads),
                    "--tokens", ",".join(map(str, CHECK_TOKENS)), "--out", str(pio_npy)], check=True,
                   stdout=subprocess.DEVNULL)
    run_measured([sys.executable, __file__, "--llama-worker", "--gguf", str(gguf), "--threads", str(threads),
                  "--logits", str(llama_npy)])
    a, b = np.load(pio_npy).astype(np.float64), np.load(llama_npy).astype(np.float64)
    if a.shape != b.shape:
        sys.exit(f"{name}: logits shapes differ: pio {a.shape}, llama.cpp {b.shape}")
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    rel = np.linalg.norm(a - b, axis=1) / np.linalg.norm(b, axis=1)
    same_argmax = int((a.argmax(1) == b.argmax(1)).sum())
    return {"min_cosine": float(cos.min()), "max_rel_diff": float(rel.max()), "same_argmax": same_argmax,
            "positions": len(CHECK_TOKENS)}


def bench_model(name: str, args, build: Path, work: Path, tokenizer: Path) -> dict:
    model_dir = ensure_checkpoint(name, build, work, tokenizer)
    gguf = ensure_gguf(model_dir)
    result = {"model": name, "checkpoint_bytes": sum(p.stat().st_size for p in model_dir.glob("*.safetensors")),
              "gguf_bytes": gguf.stat().st_size}
    if not args.skip_check:
        result["logits_check"] = check_logits(name, model_dir, gguf, build, work, args.threads)
        print(f"[check] {name}: {result['logits_check']}", flush=True)
    engines = ["pio"] + [f"pio:{path}" for path in args.pio_cpu_path] + ["llama.cpp"]
    samples = {e: {"pp": [], "tg": [], "rss": []} for e in engines}
    loads = []
    common = ["--prompt-tokens", str(args.prompt_tokens), "--gen-tokens", str(args.gen_tokens)]
    for rnd in range(args.rounds):
        for engine in engines:
            loads.append(load_average())
            env = None
            if engine.startswith("pio"):
                if ":" in engine:  # a libtensor_ops CPU path forced through its TOPS_CPU_PATH variable
                    env = dict(os.environ, TOPS_CPU_PATH=engine.split(":", 1)[1])
                cmd = [str(build / "bin/pio"), "bench", "--model", str(model_dir), "--threads", str(args.threads),
                       "--repeats", str(args.repeats), "--json", *common]
            else:
                cmd = [sys.executable, __file__, "--llama-worker", "--gguf", str(gguf), "--threads", str(args.threads),
                       "--repeats", str(args.repeats), *common]
            out, rss, wall = run_measured(cmd, env)
            data = json.loads(out)
            samples[engine]["pp"] += data["pp_samples"]
            samples[engine]["tg"] += data["tg_samples"]
            samples[engine]["rss"].append(rss)
            print(f"[round {rnd + 1}] {name} {engine}: pp {data['pp_samples']} tg {data['tg_samples']} "
                  f"rss {rss / 2**20:.0f} MiB ({wall:.0f} s, load {loads[-1]:.1f})", flush=True)
    for engine, s in samples.items():
        result[engine] = {"pp_tps": statistics.median(s["pp"]) if s["pp"] else None,
                          "tg_tps": statistics.median(s["tg"]) if s["tg"] else None,
                          "pp_samples": s["pp"], "tg_samples": s["tg"], "peak_rss_bytes": max(s["rss"])}
    for engine in engines[:-1]:
        for key in ("pp_tps", "tg_tps"):
            p, l = result[engine][key], result["llama.cpp"][key]
            result[engine][f"{key}_ratio"] = p / l if p and l else None
    result["load_average"] = {"min": min(loads), "max": max(loads)}
    return result


def machine() -> dict:
    model = "?"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    return {"cpu": model, "cores": os.cpu_count()}


def print_table(results: list[dict], args, info: dict):
    print(f"\nmachine: {info['cpu']}, {info['cores']} cores; threads {args.threads}; "
          f"pp{args.prompt_tokens} / tg{args.gen_tokens}; {args.rounds} rounds x {args.repeats} repeats")
    print(f"{'model':<6} {'engine':<16} {'pp t/s':>9} {'pp ratio':>8} {'tg t/s':>8} {'tg ratio':>8} {'peak RSS':>9} "
          f"{'load':>9} {'logits cos':>10}")
    f = lambda v, w, d=2: f"{v:>{w}.{d}f}" if v is not None else f"{'-':>{w}}"  # noqa: E731
    for r in results:
        cos = r.get("logits_check", {}).get("min_cosine")
        for engine in [k for k in r if k.startswith("pio")] + ["llama.cpp"]:
            e = r[engine]
            print(f"{r['model']:<6} {engine:<16} {f(e['pp_tps'], 9)} {f(e.get('pp_tps_ratio'), 8)} {f(e['tg_tps'], 8)} "
                  f"{f(e.get('tg_tps_ratio'), 8)} {e['peak_rss_bytes'] / 2**20:>6.0f}MiB "
                  f"{r['load_average']['min']:>4.1f}-{r['load_average']['max']:<4.1f} {f(cos, 10, 5)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=REPO / "build-bench")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pio-bench"))
    parser.add_argument("--models", default="small,0.6b,moe2")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--gen-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pio-cpu-path", action="append", default=[],
                        help="also run pio with this libtensor_ops CPU path (TOPS_CPU_PATH), e.g. avx512_bf16")
    parser.add_argument("--skip-check", action="store_true", help="skip the logits comparison")
    parser.add_argument("--json", type=Path, help="also write the results here")
    # worker mode (internal)
    parser.add_argument("--llama-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gguf", help=argparse.SUPPRESS)
    parser.add_argument("--logits", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.llama_worker:
        llama_worker(args)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    build = args.build.resolve()
    tokenizer = ensure_tokenizer(args.work)
    info = machine()
    results = []
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name!r} (known: {', '.join(MODELS)})")
        results.append(bench_model(name, args, build, args.work, tokenizer))
    print_table(results, args, info)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                                         "results": results}, indent=1))


if __name__ == "__main__":
    main()
