#!/usr/bin/env python3
"""Golden fixtures for pio::ChatTemplate: real chat templates rendered by jinja2 as transformers does.

For every template below, renders a set of conversations (system prompt, multi-turn, reasoning in
`reasoning_content` and as `<think>` inside content, tools with assistant tool calls whose
arguments are a dict or a JSON string, single and consecutive tool responses, enable_thinking
on/off/absent, add_generation_prompt on/off, /think and /no_think typed by the user, content as a
list of parts, non-ASCII text) and stores, per template, one JSON file in
tests/fixtures/chat_template/:

  {"template": NAME, "source": TEMPLATE TEXT, "versions": {...},
   "cases":       [{"name", "context", "expected" | "error"}],      # template.render(**context)
   "apply_cases": [{"name", "request", "special_tokens", "expected"}]}  # Qwen3 only

`context` is exactly what transformers passes to the compiled template (messages after its
normalisation: null keys dropped, reasoning fields aliased; tools/documents null when absent;
special tokens; extra keywords), so the C++ renderer is checked on the Jinja part alone. Each
rendering is cross-checked against transformers' own render_jinja_template. `apply_cases` store a
raw request and the output of the real Qwen3 tokenizer's apply_chat_template(tokenize=False), for
ChatTemplate::apply. `error` holds {"message", "type"} when the template raises (raise_exception gives type
TemplateError; templates that cannot handle an input fail with TypeError/UndefinedError...).

Usage: /root/pio-venv/bin/python tools/golden/gen_template_fixtures.py
       [--templates ../shared/data/chat_templates] [--qwen-tokenizer ../shared/data/qwen3-tokenizer]
       [--out tests/fixtures/chat_template]
Needs jinja2 and transformers (never needed by CI: the output is committed).
"""
import argparse
import copy
import json
import pathlib

import jinja2
import transformers
from transformers import AutoTokenizer
from transformers.utils import chat_template_utils as ctu

SCRIPT_VERSION = 1

# (fixture name, template file or None for the tokenizer_config template, special tokens)
TEMPLATES = [
    ("qwen3", None, {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}),
    ("qwen3_coder", "Qwen3-Coder.jinja", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}),
    ("qwen3_5", "Qwen3.5-4B.jinja", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}),
    ("glm4_6", "GLM-4.6.jinja", {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}),
    ("glm4_7_flash", "GLM-4.7-Flash.jinja", {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}),
]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.\n  Uses metric units. ",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Zürich or 東京"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Unit"},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city"],
        },
    },
}

SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search_code",
        "description": "Search the repository for a regex.",
        "parameters": {
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "description": "A \"regex\" <pattern>"},
                "paths": {"type": "array", "items": {"type": "string"}, "description": "Globs"},
                "options": {
                    "type": "object",
                    "properties": {"ignore_case": {"type": "boolean"}, "max": {"type": "number"}},
                },
            },
            "required": ["pattern"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}

# A tool given without the {"type": "function", "function": ...} wrapper.
BARE_TOOL = {
    "name": "calculator",
    "description": "Evaluate an arithmetic expression",
    "parameters": {"type": "object", "properties": {"expr": {"type": "string"}}},
}

SYSTEM = {"role": "system", "content": "You are a helpful assistant. Antworte präzise. 🙂"}


def user(text):
    return {"role": "user", "content": text}


def assistant(text, **extra):
    m = {"role": "assistant", "content": text}
    m.update(extra)
    return m


def tool_call(name, arguments, call_id=None):
    tc = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id:
        tc["id"] = call_id
    return tc


def tool(content, **extra):
    m = {"role": "tool", "content": content}
    m.update(extra)
    return m


def conversations():
    """(name, messages, tools, kwargs) — kwargs hold add_generation_prompt and extra keywords."""
    weather_call = tool_call("get_weather", {"city": "Zürich", "unit": "celsius", "days": 2}, "call_1")
    weather_call_str = tool_call("get_weather", '{"city": "Paris", "days": 1}', "call_2")
    search_call = tool_call(
        "search_code",
        {"pattern": "fn\\s+main", "paths": ["src/**/*.rs", "tests/*.rs"],
         "options": {"ignore_case": True, "max": 2.5}},
        "call_3")
    multi_turn = [SYSTEM, user("Hi there!"), assistant("Hello! How can I help?"),
                  user("What is 2+2?"), assistant("4."), user("And 3*3?")]
    reasoning_turns = [user("Solve x+1=3."),
                       assistant("x = 2.", reasoning_content="Subtract 1 from both sides.\n"),
                       user("Now x+2=5?")]
    reasoning_last = [user("Solve x+1=3."),
                      assistant("x = 2.", reasoning_content="\nSubtract 1 from both sides.\n")]
    think_in_content = [user("Why is the sky blue?"),
                        assistant("<think>\nRayleigh scattering...\n</think>\n\nBecause of Rayleigh scattering."),
                        user("Thanks. And sunsets?")]
    think_in_content_last = [user("Why is the sky blue?"),
                             assistant("<think>Rayleigh scattering.</think>Because of Rayleigh scattering.")]
    tool_conv = [SYSTEM, user("Weather in Zürich for 2 days?"),
                 assistant("", tool_calls=[weather_call]),
                 tool('{"temp_c": 21.5, "sky": "sunny ☀"}', tool_call_id="call_1"),
                 assistant("It is 21.5 °C and sunny.")]
    tool_conv_open = [user("Weather in Paris?"),
                      assistant("Let me check.", tool_calls=[weather_call_str]),
                      tool('{"temp_c": 18}')]
    two_tools = [user("Weather in Zürich and Paris, then search the code."),
                 assistant("Checking both.", tool_calls=[weather_call, weather_call_str, search_call],
                           reasoning_content="Need three calls."),
                 tool('{"temp_c": 21.5}'), tool('{"temp_c": 18}'), tool("src/main.rs:1: fn main() {"),
                 assistant("Zürich 21.5 °C, Paris 18 °C; main is in src/main.rs."),
                 user("Thanks!")]
    two_tools_dict = [user("Weather in Zürich twice, then search."),
                      assistant("", tool_calls=[weather_call, search_call]),
                      tool('{"temp_c": 21.5}'), tool("src/main.rs:1"),
                      user("Summarise.")]
    think_cmds = [user("Explain recursion briefly /no_think"), assistant("A function calling itself."),
                  user("Now in depth /think")]
    parts = [{"role": "system", "content": [{"type": "text", "text": "System as parts."}]},
             {"role": "user", "content": [{"type": "text", "text": "Part one. "},
                                          {"type": "text", "text": "Part two."}]}]
    unicode = [user("Ünïcödé «quotes» \"double\" 'single' \\ back\\slash\ttab 日本語 👩‍💻 \u2028 end"),
               assistant("ok ✓"), user("  padded  \n")]
    none_content = [user("Call it."), assistant(None, tool_calls=[weather_call]), tool("done")]
    return [
        ("single_user_gen", [user("Hello!")], None, {"add_generation_prompt": True}),
        ("single_user_nogen", [user("Hello!")], None, {"add_generation_prompt": False}),
        ("system_user", [SYSTEM, user("Hello!")], None, {"add_generation_prompt": True}),
        ("multi_turn", multi_turn, None, {"add_generation_prompt": True}),
        ("multi_turn_nogen", multi_turn[:-1], None, {"add_generation_prompt": False}),
        ("thinking_on", [user("Hello!")], None, {"add_generation_prompt": True, "enable_thinking": True}),
        ("thinking_off", [user("Hello!")], None, {"add_generation_prompt": True, "enable_thinking": False}),
        ("thinking_off_multi", multi_turn, None, {"add_generation_prompt": True, "enable_thinking": False}),
        ("reasoning_content_history", reasoning_turns, None, {"add_generation_prompt": True}),
        ("reasoning_content_last", reasoning_last, None, {"add_generation_prompt": False}),
        ("think_in_content_history", think_in_content, None, {"add_generation_prompt": True}),
        ("think_in_content_last", think_in_content_last, None, {"add_generation_prompt": False}),
        ("tools_no_calls", [user("What's the weather?")], [WEATHER_TOOL, SEARCH_TOOL], {"add_generation_prompt": True}),
        ("tools_system", [SYSTEM, user("What's the weather?")], [WEATHER_TOOL], {"add_generation_prompt": True}),
        ("tool_call_dict_args", tool_conv, [WEATHER_TOOL], {"add_generation_prompt": True}),
        ("tool_call_string_args", tool_conv_open, [WEATHER_TOOL], {"add_generation_prompt": True}),
        ("tool_calls_multiple_responses", two_tools, [WEATHER_TOOL, SEARCH_TOOL, BARE_TOOL],
         {"add_generation_prompt": True, "enable_thinking": True}),
        ("tool_calls_multiple_responses_dict", two_tools_dict, [WEATHER_TOOL, SEARCH_TOOL],
         {"add_generation_prompt": True}),
        ("tool_call_no_content", none_content, [WEATHER_TOOL], {"add_generation_prompt": False}),
        ("slash_think_commands", think_cmds, None, {"add_generation_prompt": True}),
        ("slash_think_commands_off", think_cmds, None, {"add_generation_prompt": True, "enable_thinking": False}),
        ("content_parts", parts, None, {"add_generation_prompt": True}),
        ("unicode_and_escapes", unicode, [SEARCH_TOOL], {"add_generation_prompt": True}),
        ("extra_keywords", [user("Hi")], None,
         {"add_generation_prompt": True, "clear_thinking": False, "custom_flag": [1, 2.0, None]}),
        ("clear_thinking_false", reasoning_turns, None, {"add_generation_prompt": True, "clear_thinking": False}),
        ("tool_first_message", [tool("orphan result"), user("go on")], None, {"add_generation_prompt": True}),
        ("assistant_last_nogen", [SYSTEM, user("Hi"), assistant("Hello")], None, {"add_generation_prompt": False}),
        ("no_user_message", [SYSTEM, assistant("Hello")], None, {"add_generation_prompt": True}),
        ("system_not_first", [user("Hi"), SYSTEM], None, {"add_generation_prompt": True}),
    ]


def normalized_messages(messages):
    """transformers.apply_chat_template's message preprocessing (drop None keys, alias reasoning)."""
    msgs = ctu._normalize_chat_messages(copy.deepcopy(messages))
    msgs = ctu._plain_template_data(msgs)
    return ctu._alias_reasoning_fields(msgs)


def render_case(source, messages, tools, kwargs, special_tokens):
    template_kwargs = {**special_tokens, **kwargs}
    add_gen = template_kwargs.pop("add_generation_prompt", False)
    context = {"messages": normalized_messages(messages), "tools": copy.deepcopy(tools), "documents": None,
               "add_generation_prompt": add_gen, **copy.deepcopy(template_kwargs)}
    compiled = ctu._compile_jinja_template(source)
    try:
        text = compiled.render(**copy.deepcopy(context))
    except Exception as e:  # raise_exception (TemplateError) or a Python error inside the template
        return context, None, {"message": str(e), "type": type(e).__name__}
    # Cross-check: transformers' own entry point must produce the same text from the raw inputs.
    ref, _ = ctu.render_jinja_template(conversations=[copy.deepcopy(messages)], tools=copy.deepcopy(tools),
                                       chat_template=source, add_generation_prompt=add_gen,
                                       **copy.deepcopy(template_kwargs))
    # render_jinja_template does not drop None keys (apply_chat_template does), so compare only
    # when the raw messages have none.
    if not any(v is None for m in messages for v in m.values()):
        assert ref[0] == text, "render_jinja_template disagrees"
    return context, text, None


def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", default=str(root.parent / "shared/data/chat_templates"))
    parser.add_argument("--qwen-tokenizer", default=str(root.parent / "shared/data/qwen3-tokenizer"))
    parser.add_argument("--out", default=str(root / "tests/fixtures/chat_template"))
    args = parser.parse_args()
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    versions = {"jinja2": jinja2.__version__, "transformers": transformers.__version__,
                "script_version": SCRIPT_VERSION}
    qwen_config = json.loads((pathlib.Path(args.qwen_tokenizer) / "tokenizer_config.json").read_text())

    for name, file_name, special in TEMPLATES:
        source = qwen_config["chat_template"] if file_name is None else (pathlib.Path(args.templates) / file_name).read_text()
        cases = []
        for case_name, messages, tools, kwargs in conversations():
            context, text, error = render_case(source, messages, tools, kwargs, special)
            case = {"name": case_name, "context": context}
            if error is None:
                case["expected"] = text
            else:
                case["error"] = error
            cases.append(case)
        fixture = {"template": name, "template_file": file_name or "qwen3-tokenizer/tokenizer_config.json",
                   "source": source, "versions": versions, "cases": cases}
        if file_name is None:
            tok = AutoTokenizer.from_pretrained(args.qwen_tokenizer)
            apply_cases = []
            for case_name, messages, tools, kwargs in conversations():
                if case_name in ("no_user_message", "system_not_first"):
                    continue
                request = {"messages": messages, **kwargs}
                if tools is not None:
                    request["tools"] = tools
                kw = dict(kwargs)
                add_gen = kw.pop("add_generation_prompt", False)
                case = {"name": case_name, "request": request, "special_tokens": tok.special_tokens_map}
                try:
                    case["expected"] = tok.apply_chat_template(copy.deepcopy(messages), tools=copy.deepcopy(tools),
                                                               tokenize=False, add_generation_prompt=add_gen, **kw)
                except Exception as e:
                    case["error"] = {"message": str(e), "type": type(e).__name__}
                apply_cases.append(case)
            fixture["apply_cases"] = apply_cases
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        n_err = sum(1 for c in cases if "error" in c)
        print(f"{path}: {len(cases)} cases ({n_err} raising)")


if __name__ == "__main__":
    main()
