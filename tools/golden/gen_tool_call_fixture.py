#!/usr/bin/env python3
"""Reference for the host's tool-call parsers: assistant tool calls rendered by the real chat
templates, and the structured calls they came from.

For each case the template (Qwen3-Coder XML, Qwen3 JSON, GLM-4.7 arg_key/arg_value) renders a conversation whose last
assistant message has `tool_calls`; the text after "<|im_start|>assistant\\n" up to "<|im_end|>"
is what the model would have generated. The host parser must turn that text back into the same
calls (arguments compared as JSON values) and the same content. Rendering uses transformers'
own jinja environment (_compile_jinja_template), as apply_chat_template does.

Output: tests/generation/data/tool_call_reference.json (committed; CI has no Python).
Usage: python3 tools/golden/gen_tool_call_fixture.py TEMPLATE_DIR [OUT]
  TEMPLATE_DIR holds Qwen3-Coder.jinja, Qwen-Qwen3-0.6B.jinja and GLM-4.7-Flash.jinja (the
  shared data folder).
"""
import json
import os
import sys

import transformers
from transformers.utils.chat_template_utils import _compile_jinja_template

TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city",
        "parameters": {"type": "object", "required": ["city"], "properties": {
            "city": {"type": "string"}, "days": {"type": "integer"}, "precise": {"type": "boolean"},
            "threshold": {"type": "number"}, "options": {"type": "object"},
            "tags": {"type": "array", "items": {"type": "string"}}}}}},
    {"type": "function", "function": {
        "name": "write_file", "description": "Write a file",
        "parameters": {"type": "object", "properties": {
            "path": {"type": "string"}, "content": {"type": "string"}}}}},
]

CALLS = [
    ("", [("get_weather", {"city": "Paris"})]),
    ("Let me check the weather first.", [("get_weather", {"city": "San Francisco", "days": 3, "precise": True,
                                                           "threshold": -2.5})]),
    ("", [("get_weather", {"city": "Zürich 🌧", "options": {"units": {"temp": "C"}, "list": [1, 2.5, None, "x"]},
                           "tags": ["a", "b c"], "precise": False})]),
    ("Two files.", [("write_file", {"path": "a.py", "content": "def f(x):\n    return {'k': x}\n"}),
                    ("write_file", {"path": "b.txt", "content": "line1\n\nline3 </parameter-ish> <b>"})]),
    ("", [("get_weather", {"city": "Rome", "days": 10000000000})]),
]


def render(template, tool_calls, content, fmt):
    message = {"role": "assistant", "content": content,
               "tool_calls": [{"type": "function", "function": {"name": n, "arguments": a}} for n, a in tool_calls]}
    messages = [{"role": "user", "content": "hi"}, message]
    text = template.render(messages=messages, tools=TOOLS, add_generation_prompt=False)
    if fmt == "glm":
        # GLM's generation prompt is "<|assistant|><think>": the output continues inside it.
        return text[text.rindex("<|assistant|>") + len("<|assistant|>"):]
    start = text.rindex("<|im_start|>assistant")
    output = text[start + len("<|im_start|>assistant"):]
    output = output[:output.index("<|im_end|>")]
    return output[1:] if output.startswith("\n") else output


def main():
    template_dir = sys.argv[1]
    out_path = sys.argv[2] if len(sys.argv) > 2 else "tests/generation/data/tool_call_reference.json"
    cases = []
    for fmt, file in (("qwen3_coder_xml", "Qwen3-Coder.jinja"), ("qwen3_json", "Qwen-Qwen3-0.6B.jinja"),
                      ("glm", "GLM-4.7-Flash.jinja")):
        with open(os.path.join(template_dir, file)) as f:
            template = _compile_jinja_template(f.read())
        for i, (content, calls) in enumerate(CALLS):
            cases.append({"name": f"{fmt}_{i}", "format": fmt, "text": render(template, calls, content, fmt),
                          "starts_in_reasoning": fmt == "glm",
                          "content": content.strip(),
                          "calls": [{"name": n, "arguments": a} for n, a in calls]})
    doc = {"script": "tools/golden/gen_tool_call_fixture.py", "transformers_version": transformers.__version__,
           "tools": TOOLS, "cases": cases}
    with open(out_path, "w") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
