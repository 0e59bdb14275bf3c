#!/usr/bin/env python3
"""Bounded loopback load test of `pio serve` (stdlib only): C concurrent clients send R streaming
chat requests in total and the script reports requests/s, time to first token (p50/p99: from
sending the request to the first chunk carrying text) and errors. Bounded by --requests and
--max-seconds; connects to 127.0.0.1 only.

    python3 tools/serve/load_test.py --pio build/bin/pio --model tests/fixtures/qwen3/tied \
        --plugin-dir build/plugins --concurrency 4 --requests 200 --max-tokens 16
    python3 tools/serve/load_test.py --url http://127.0.0.1:8080 --name qwen ...   # a running server
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

from serve_process import PioServer, wait_ready


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def one_request(host, port, body):
    """Returns (ok, ttft_seconds or None, completion_tokens, error text)."""
    conn = http.client.HTTPConnection(host, port, timeout=120)
    start = time.perf_counter()
    ttft = None
    tokens = 0
    try:
        conn.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            return False, None, 0, f"HTTP {resp.status}: {resp.read()[:200]!r}"
        done = False
        while True:
            line = resp.readline()
            if not line:
                break
            line = line.strip()
            if not line.startswith(b"data: "):
                continue
            data = line[6:]
            if data == b"[DONE]":
                done = True
                break
            event = json.loads(data)
            if "error" in event:
                return False, ttft, tokens, json.dumps(event["error"])
            if event.get("usage"):
                tokens = event["usage"]["completion_tokens"]
            if ttft is None and event.get("choices"):
                delta = event["choices"][0].get("delta", {})
                if delta.get("content") or delta.get("reasoning_content") or delta.get("tool_calls"):
                    ttft = time.perf_counter() - start
        return done, ttft, tokens, "" if done else "stream ended without [DONE]"
    except Exception as e:  # noqa: BLE001 - counted as an error
        return False, ttft, tokens, f"{type(e).__name__}: {e}"
    finally:
        conn.close()


def run_load(base_url, name, concurrency, requests, max_tokens, max_seconds):
    parsed = urllib.parse.urlparse(base_url)
    assert parsed.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    lock = threading.Lock()
    next_index = [0]
    results = []
    deadline = time.perf_counter() + max_seconds

    def worker():
        while True:
            with lock:
                if next_index[0] >= requests or time.perf_counter() > deadline:
                    return
                i = next_index[0]
                next_index[0] += 1
            body = json.dumps({
                "model": name, "max_tokens": max_tokens, "temperature": 0.8, "seed": i, "stream": True,
                "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": f"Request {i}: tell me something."}]})
            r = one_request(parsed.hostname, parsed.port, body)
            with lock:
                results.append(r)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ok = [r for r in results if r[0]]
    errors = [r[3] for r in results if not r[0]]
    ttfts = [r[1] for r in ok if r[1] is not None]
    tokens = sum(r[2] for r in ok)
    report = {
        "requests": len(results), "ok": len(ok), "errors": len(errors), "concurrency": concurrency,
        "seconds": round(elapsed, 3), "requests_per_second": round(len(ok) / elapsed, 2),
        "completion_tokens_per_second": round(tokens / elapsed, 1),
        "ttft_p50_ms": round(1000 * percentile(ttfts, 50), 2), "ttft_p99_ms": round(1000 * percentile(ttfts, 99), 2),
        "ttft_mean_ms": round(1000 * statistics.mean(ttfts), 2) if ttfts else None,
        "first_errors": errors[:3],
    }
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pio", help="start this pio binary (else use --url)")
    ap.add_argument("--model", help="model directory for --pio")
    ap.add_argument("--plugin-dir", action="append", default=[])
    ap.add_argument("--url", help="a running server on loopback")
    ap.add_argument("--name", default="m")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--server-args", default="", help="extra pio serve arguments, space-separated")
    args = ap.parse_args()
    if args.url:
        report = run_load(args.url, args.name, args.concurrency, args.requests, args.max_tokens, args.max_seconds)
    else:
        extra = ["--parallel", str(args.concurrency)] + args.server_args.split()
        with PioServer(args.pio, args.model, args.name, args.plugin_dir, extra) as server:
            wait_ready(server.base_url)
            run_load(server.base_url, args.name, args.concurrency, min(args.requests, 2 * args.concurrency),
                     args.max_tokens, args.max_seconds)  # warm-up: sessions and caches
            report = run_load(server.base_url, args.name, args.concurrency, args.requests, args.max_tokens,
                              args.max_seconds)
    print(json.dumps(report, indent=2))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
