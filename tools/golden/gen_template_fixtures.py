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

Usage: python3 (a venv with torch + transformers) tools/golden/gen_template_fixtures.py
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


# Small templates, one language feature each, rendered by the same jinja2 environment; stored in
# language.json. (name, template, context)
D = {"a": 1, "b": [1, 2, {"c": "x"}], "s": "Hello, World", "n": None, "f": 2.5, "t": True,
     "u8": "héllo wörld ß 日本", "d": {"z": 1, "y": {"k": [True, None, 1.0]}, "items": "shadow"},
     "msgs": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
              {"role": "user", "content": "c"}]}
LANGUAGE_CASES = [
    ("text_only", "plain text\n", {}),
    ("comment", "a{# comment #}b{#- c -#} c", {}),
    ("trim_blocks", "{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("lstrip_blocks", "line\n    {% if true %}\n    x\n    {% endif %}\nend", {}),
    ("lstrip_not_for_vars", "  {{ 'v' }}\n  {% if true %}k{% endif %}", {}),
    ("lstrip_plus_disables", "  {%+ if true %}k{% endif +%}\n", {}),
    ("whitespace_control", "a   {{- 'b' -}}   c\n\n  {%- if true -%}  d  {%- endif -%}  e", {}),
    ("trailing_newline_dropped", "x\n", {}),
    ("crlf_normalised", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", {}),
    ("raw_block", "{% raw %}{{ not evaluated }}{% endraw %}", {}),
    ("if_elif_else", "{% for i in [1, 2, 3] %}{% if i == 1 %}one{% elif i == 2 %}two{% else %}many{% endif %};{% endfor %}", {}),
    ("for_loop_vars", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", {}),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("for_filter", "{% for x in range(10) if x is odd %}{{ x }}{{ loop.length }},{% endfor %}", {}),
    ("for_dict_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", D),
    ("for_dict_keys", "{% for k in d %}{{ k }},{% endfor %}", D),
    ("for_string", "{% for ch in 'héé' %}[{{ ch }}]{% endfor %}", {}),
    ("for_undefined", "{% for x in nothing %}x{% endfor %}ok", {}),
    ("previtem_nextitem", "{% for m in msgs %}{{ loop.previtem.role if loop.previtem else '-' }}>{{ m.role }}>{{ loop.nextitem.role if loop.nextitem is defined else '-' }} {% endfor %}", D),
    ("loop_cycle", "{% for i in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("break_continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("nested_loops", "{% for i in range(3) %}{% for j in range(i) %}{{ i }}{{ j }}{{ loop.index }} {% endfor %}{{ loop.index }};{% endfor %}", {}),
    ("set_scoping_loop", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", {}),
    ("set_in_if_leaks", "{% if true %}{% set y = 'in' %}{% endif %}{{ y }}", {}),
    ("namespace", "{% set ns = namespace(count=0, last=none) %}{% for m in msgs %}{% set ns.count = ns.count + 1 %}{% set ns.last = m.role %}{% endfor %}{{ ns.count }} {{ ns.last }}", D),
    ("namespace_from_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns.c is defined }}", {}),
    ("block_set", "{% set block %}  inner {{ a }}  {% endset %}[{{ block }}]", D),
    ("block_set_filter", "{% set block | upper | trim %}  inner {{ a }}  {% endset %}[{{ block }}]", D),
    ("tuple_set", "{% set p, q = 1, 'two' %}{{ p }}{{ q }}", {}),
    ("macro_defaults", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }}", {}),
    ("macro_scope", "{% set z = 4 %}{% macro m() %}{{ z }}{% set z = 9 %}{{ z }}{% endmacro %}{% set z = 5 %}{{ m() }}{{ z }}", {}),
    ("macro_missing_arg", "{% macro m(a, b) %}[{{ a }}|{{ b }}|{{ b is defined }}]{% endmacro %}{{ m(1) }}", {}),
    ("macro_result_methods", "{% macro m() %}  Text /nothink {% endmacro %}{{ m().strip().endswith('/nothink') }}{{ m() | trim | length }}", {}),
    ("macro_recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(6) }}", {}),
    ("filter_block", "{% filter upper %}shout {{ s }}{% endfilter %}", D),
    ("generation_block", "a{% generation %}gen {{ a }}{% endgeneration %}b", D),
    ("arith", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1.5 + 1 }} {{ 10 / 4 * 2 }}", {}),
    ("float_repr", "{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1.5e-7 }} {{ 123456789.0 }} {{ 1e15 }} {{ 1/3 }} {{ -0.0 }} {{ 2.0 }} {{ f }} {{ 100.0 * 3 }}", D),
    ("string_ops", "{{ 'a' + 'b' }} {{ 'ab' * 3 }} {{ 3 * '-' }} {{ 'x' ~ 1 ~ none ~ true ~ nothing }} {{ [1] + [2] }}", {}),
    ("comparisons", "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ 'a' != 'a' }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ none == none }} {{ nothing == nothing }}", {}),
    ("logic", "{{ true and 'x' }} {{ 0 or 'fallback' }} {{ not 0 }} {{ none or [] }} {{ 'a' if false }}|{{ 'y' if 1 else 'n' }}", {}),
    ("in_operator", "{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'z' in d }} {{ 'q' not in d }} {{ 'k' in d.y }} {{ 1 in nothing }}", D),
    ("subscripts", "{{ b[0] }} {{ b[-1].c }} {{ b[2]['c'] }} {{ d['y']['k'][0] }} {{ s[0] }} {{ s[-1] }} {{ u8[1] }} {{ b[10] }}|{{ d.missing }}|{{ n.attr }}", D),
    ("slicing", "{{ b[::-1] }} {{ s[:5] }} {{ s[7:] }} {{ s[::2] }} {{ s[-5:-1] }} {{ u8[1:4] }} {{ u8[::-1] }} {{ [1, 2, 3, 4][1:3] }} {{ msgs[1:]|length }} {{ s[100:] }}|{{ s[2:1] }}", D),
    ("dict_attr_vs_item", "{{ d['items'] }} {{ d.z }} {{ d.get('z') }} {{ d.get('nope', 'dflt') }} {{ d.get('nope') }} {{ d.keys() | list }} {{ d.values() | list | length }}", D),
    ("literals", "{{ [1, 'a', none, true, 2.5] }} {{ {'k': 'v', 'n': [1]} }} {{ (1,) }} {{ (1, 2) }} {{ () }} {{ 'it''s' }} {{ \"q\" }} {{ 0x1F }} {{ 1_000 }}", {}),
    ("repr_strings", "{{ ['a\\'b', \"c\\\"d\", 'e\\'f\"g', 'tab\\there', 'nl\\n', 'back\\\\slash', 'uni é \\u00a0 \\u200b'] }}", {}),
    ("print_values", "{{ none }} {{ true }} {{ false }} {{ nothing }}|{{ d }} {{ n }} {{ t }}", D),
    ("string_methods", "{{ s.startswith('Hell') }} {{ s.endswith(('x', 'World')) }} {{ s.split(', ') }} {{ '  a  b '.split() }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'a,b,c'.split(',', 1) }} {{ '  xx  '.strip() }}|{{ 'xxhixx'.strip('x') }} {{ '\\n\\nhi'.lstrip('\\n') }} {{ 'hi  '.rstrip() }}|", D),
    ("string_methods2", "{{ s.replace('l', 'L') }} {{ s.replace('l', 'L', 2) }} {{ s.upper() }} {{ s.lower() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ s.find('o') }} {{ s.find('zz') }} {{ s.rfind('o') }} {{ s.count('l') }} {{ '-'.join(['a', 'b']) }} {{ u8.upper() }} {{ u8.find('w') }}", D),
    ("string_split_think", "{% set c = '<think>\\nR\\n</think>\\n\\nAnswer' %}{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[-1].lstrip('\\n') }}", {}),
    ("filters_basic", "{{ '  x '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ s|length }} {{ b|length }} {{ d|count }} {{ s|upper }} {{ s|lower }} {{ 'hello wORLD-foo (bar)'|title }} {{ 'hELLO wORLD'|capitalize }} {{ -3|abs }} {{ -2.5|abs }}", D),
    ("filters_default", "{{ nothing|default('dflt') }} {{ n|default('dflt') }} {{ ''|default('dflt', true) }} {{ a|d(5) }} {{ nothing|default }}|", D),
    ("filters_join_first_last", "{{ ['a', 'b', 1]|join(', ') }} {{ msgs|map(attribute='role')|join('/') }} {{ b|first }} {{ b|last }} {{ s|first }} {{ s|last }} {{ []|first }}|", D),
    ("filters_list_items_string", "{{ 'abc'|list }} {{ d|list }} {{ d|items|list }} {{ nothing|items|list }} {{ 42|string }} {{ [1, 'a']|string }} {{ none|string }}", D),
    ("filters_int_float", "{{ '42'|int }} {{ '3.9'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ 3.99|int }} {{ '2.5'|float }} {{ 'bad'|float }} {{ true|int }} {{ '0x1A'|int(0, 16) }}", {}),
    ("filters_replace_safe", "{{ s|replace('o', '0') }} {{ s|replace('l', '', 1) }} {{ '<b>'|safe }} {{ '<b>&\"'|e }}", D),
    ("filters_select", "{{ msgs|selectattr('role', 'equalto', 'user')|list|length }} {{ msgs|rejectattr('role', 'eq', 'user')|map(attribute='content')|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ range(10)|reject('odd')|list }} {{ msgs|selectattr('missing')|list }}", D),
    ("filters_map", "{{ ['a', 'B']|map('upper')|list }} {{ msgs|map(attribute='nope', default='?')|list }} {{ [' a ', 'b ']|map('trim')|join }}", D),
    ("filters_sort_unique_minmax", "{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ msgs|sort(attribute='content', reverse=true)|map(attribute='content')|join }} {{ [1, 2, 1, 3]|unique|list }} {{ ['a', 'A']|unique|list }} {{ [3, 9, 2]|max }} {{ [3, 9, 2]|min }} {{ [1, 2.5]|sum }} {{ [1, 2]|reverse|list }} {{ 'abc'|reverse }}", D),
    ("filters_misc", "{{ 3.14159|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 1.5|round(0, 'floor') }} {{ d|dictsort }} {{ 'a\\nb'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }} {{ 'one two  three'|wordcount }}", D),
    ("tojson", "{{ d|tojson }}\n{{ d|tojson(indent=2) }}\n{{ d|tojson(sort_keys=true) }}\n{{ u8|tojson }}\n{{ u8|tojson(ensure_ascii=true) }}\n{{ [1, 2]|tojson(separators=(',', ':')) }}\n{{ 'q\"\\\\\\n\\t\\u0001\\u007f\\u2028😀'|tojson }}\n{{ 'q😀'|tojson(ensure_ascii=true) }}\n{{ {'f': 1e100, 'g': 0.5, 'e': [], 'o': {}}|tojson(indent=1) }}", D),
    ("tests", "{{ a is defined }} {{ nothing is undefined }} {{ n is none }} {{ s is string }} {{ d is mapping }} {{ b is sequence }} {{ s is sequence }} {{ b is iterable }} {{ a is number }} {{ f is float }} {{ a is integer }} {{ t is true }} {{ 1 is true }} {{ false is false }} {{ t is boolean }} {{ nothing is iterable }} {{ nothing is sequence }} {{ d is iterable }} {{ 4 is divisibleby 2 }} {{ 3 is odd }} {{ 'ab' is lower }} {{ 1 is in [1] }} {{ a is eq 1 }} {{ s is not string }} {{ a is sameas 1 }} {{ none is sameas none }}", D),
    ("test_arg_forms", "{{ ('x' is string) if true else 'no' }} {{ 3 is divisibleby(3) }} {{ (a is defined) and (n is none) }} {{ not a is defined }}", D),
    ("test_takes_if_as_argument", "{{ 'x' is string if true else 'no' }}", D),
    ("undefined_behaviour", "[{{ nothing }}][{{ nothing|length }}][{{ nothing|string }}][{{ nothing|trim }}][{{ nothing is none }}][{{ not nothing }}][{{ nothing == nothing }}][{{ d.nope is defined }}][{{ d.y.nope|default('x') }}]", D),
    ("conditional_exprs", "{{ 'a' if t else 'b' }} {{ 'a' if n else 'b' }} {{ (1 if t else 2) + 10 }} {{ 'v' | upper if t else 'w' }}", D),
    ("filter_precedence", "{{ '\\n' + '  pad  ' | trim + '\\n' }}|{{ -2 | abs }}|{{ 1 + 2 | string if false else 'x' }}|{{ [1,2,3] | length > 2 }}", {}),
    ("dict_global", "{{ dict(a=1, b='x') }} {{ dict({'k': 1}) }} {{ dict([('p', 2)]) }}", {}),
    ("range_global", "{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }} {{ range(0)|list }}", {}),
    ("string_concat_adjacent", "{{ 'abc' 'def' }} {{ \"x\" 'y' }}", {}),
    ("list_methods", "{{ b.index(2) }} {{ [1, 1, 2].count(1) }}", D),
    ("is_test_on_loop", "{% for m in msgs if m.role == 'user' %}{{ loop.index }}:{{ m.content }}{% if not loop.last %},{% endif %}{% endfor %}", D),
    ("raise_exception", "a{{ raise_exception('Custom failure: ' ~ a) }}b", D),
    ("undefined_attr_error", "{{ nothing.attr }}", {}),
    ("type_error_concat", "{{ 'a' + 1 }}", {}),
    ("none_iteration_error", "{% for x in n %}{% endfor %}", D),
    ("list_append_sandbox", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("items_non_mapping_error", "{{ 'str'|items|list }}", {}),
    ("tojson_undefined_error", "{{ nothing|tojson }}", {}),
    ("namespace_underscore_error", "{% set ns = namespace() %}{% set ns._x = 1 %}", {}),
    ("divide_by_zero", "{{ 1 / 0 }}", {}),
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

    cases = []
    for case_name, source, context in LANGUAGE_CASES:
        case = {"name": case_name, "source": source, "context": context}
        try:
            case["expected"] = ctu._compile_jinja_template(source).render(**copy.deepcopy(context))
        except Exception as e:
            case["error"] = {"message": str(e), "type": type(e).__name__}
        cases.append(case)
    path = out_dir / "language.json"
    path.write_text(json.dumps({"versions": versions, "cases": cases}, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    print(f"{path}: {len(cases)} cases ({sum(1 for c in cases if 'error' in c)} raising)")


if __name__ == "__main__":
    main()
