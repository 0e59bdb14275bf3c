#!/usr/bin/env python3
"""Drives `pio serve` with the official `openai` Python client (PyPI) and checks every feature
of issue 6 that a client sees: models, chat and completions (streaming and not), usage, stop
strings, tools, thinking on/off (chat_template_kwargs), reasoning_content, errors and auth.

Not run by CI (CI has no Python packages); the C++ tests in tests/server/ are what CI runs.

    python3 tools/serve/openai_client_check.py --pio build/bin/pio \
        --model tests/fixtures/qwen3/tied --plugin-dir build/plugins

Prints one line per check and exits 1 when one failed.
"""
import argparse
import json
import sys

import openai

from serve_process import PioServer, wait_ready

failures = []


def check(name, condition, detail=""):
    print(f"{'PASS' if condition else 'FAIL'}  {name}" + (f"  ({detail})" if detail and not condition else ""))
    if not condition:
        failures.append(name)


def expect_error(name, error_type, fn):
    try:
        fn()
    except error_type as e:
        check(name, True)
        return e
    except Exception as e:  # noqa: BLE001 - report what came instead
        check(name, False, f"got {type(e).__name__}: {e}")
        return None
    check(name, False, "no error")
    return None


TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def run(base_url, model, api_key):
    client = openai.OpenAI(base_url=base_url + "/v1", api_key=api_key, max_retries=0, timeout=60)
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello."}]

    ids = [m.id for m in client.models.list().data]
    check("models.list names the served model", model in ids, ids)

    r = client.chat.completions.create(model=model, messages=messages, max_tokens=16, temperature=0)
    c = r.choices[0]
    check("chat: object and role", r.object == "chat.completion" and c.message.role == "assistant")
    check("chat: finish_reason", c.finish_reason in ("stop", "length"), c.finish_reason)
    check("chat: usage", r.usage.prompt_tokens > 0 and 1 <= r.usage.completion_tokens <= 16
          and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, r.usage)
    text = c.message.content or ""

    stream = client.chat.completions.create(model=model, messages=messages, max_tokens=16, temperature=0,
                                            stream=True, stream_options={"include_usage": True})
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            if delta.content:
                pieces.append(delta.content)
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    check("chat stream: same text as non-streaming (greedy)", "".join(pieces) == text, ("".join(pieces), text))
    check("chat stream: finish_reason", finish == c.finish_reason, finish)
    check("chat stream: include_usage", usage is not None and usage.completion_tokens == r.usage.completion_tokens)

    if len(text) >= 6:
        stop = text[3:5]
        s = client.chat.completions.create(model=model, messages=messages, max_tokens=16, temperature=0, stop=[stop])
        check("chat: stop string cuts the answer", s.choices[0].message.content == text[:text.find(stop)]
              and s.choices[0].finish_reason == "stop", s.choices[0].message.content)

    comp = client.completions.create(model=model, prompt="The quick brown fox", max_tokens=8, temperature=0)
    check("completions: text and usage", isinstance(comp.choices[0].text, str) and comp.usage.completion_tokens >= 1)
    pieces = [ch.choices[0].text for ch in client.completions.create(
        model=model, prompt="The quick brown fox", max_tokens=8, temperature=0, stream=True) if ch.choices]
    check("completions stream: same text", "".join(pieces) == comp.choices[0].text)

    t = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Weather in Paris?"}],
                                       tools=TOOLS, tool_choice="auto", max_tokens=16, temperature=0)
    tc = t.choices[0]
    check("tools: accepted; calls (if any) are structured",
          tc.finish_reason in ("stop", "length", "tool_calls")
          and all(call.type == "function" and isinstance(json.loads(call.function.arguments), dict)
                  for call in (tc.message.tool_calls or [])), tc)
    check("tools: the tool definitions reach the prompt", t.usage.prompt_tokens > r.usage.prompt_tokens + 20,
          (t.usage.prompt_tokens, r.usage.prompt_tokens))

    on = client.chat.completions.create(model=model, messages=messages, max_tokens=4, temperature=0,
                                        extra_body={"chat_template_kwargs": {"enable_thinking": True}})
    off = client.chat.completions.create(model=model, messages=messages, max_tokens=4, temperature=0,
                                         extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    check("thinking off adds the empty think block to the prompt",
          off.usage.prompt_tokens > on.usage.prompt_tokens, (off.usage.prompt_tokens, on.usage.prompt_tokens))
    reasoning_off = (off.choices[0].message.model_extra or {}).get("reasoning_content")
    check("thinking off: no reasoning_content", not reasoning_off, reasoning_off)

    expect_error("n=2 is a 400", openai.BadRequestError,
                 lambda: client.chat.completions.create(model=model, messages=messages, n=2))
    expect_error("temperature out of range is a 400", openai.BadRequestError,
                 lambda: client.chat.completions.create(model=model, messages=messages, temperature=7))
    expect_error("empty messages is a 400", openai.BadRequestError,
                 lambda: client.chat.completions.create(model=model, messages=[]))
    e = expect_error("unknown model is a 404", openai.NotFoundError,
                     lambda: client.chat.completions.create(model="no-such-model", messages=messages))
    if e is not None:
        check("error body has OpenAI's fields", e.code == "model_not_found" and e.param == "model", e.body)
    long_prompt = "hello " * 5000
    expect_error("prompt longer than the context is a 400", openai.BadRequestError,
                 lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": long_prompt}]))

    ok = client.chat.completions.create(model=model, messages=messages, max_tokens=2)
    check("still serving after the errors", ok.choices[0].finish_reason in ("stop", "length"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pio", required=True)
    ap.add_argument("--model", required=True, help="model directory (with a chat template)")
    ap.add_argument("--plugin-dir", action="append", default=[])
    args = ap.parse_args()
    print(f"openai {openai.__version__}")
    with PioServer(args.pio, args.model, "m", args.plugin_dir, ["--context-length", "1024"]) as server:
        wait_ready(server.base_url)
        run(server.base_url, "m", "unused")
    with PioServer(args.pio, args.model, "m", args.plugin_dir,
                   ["--api-key", "sk-test", "--context-length", "1024"]) as server:
        bad = openai.OpenAI(base_url=server.base_url + "/v1", api_key="sk-wrong", max_retries=0)
        expect_error("wrong API key is a 401", openai.AuthenticationError, lambda: bad.models.list())
        good = openai.OpenAI(base_url=server.base_url + "/v1", api_key="sk-test", max_retries=0)
        check("right API key works", "m" in [m.id for m in good.models.list().data])
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
