#!/usr/bin/env python3
"""Golden fixtures for the SDK tokenizer (plugins/sdk/tokenizer), from Hugging Face `tokenizers`.

Writes, under tests/fixtures/:
  qwen3-tokenizer/qwen3-tokenizer.tar.xz   the real Qwen3 tokenizer.json + tokenizer_config.json,
                                            unpacked at build time by the CMake target
                                            pio_test_data_qwen3_tokenizer
  tokenizer/qwen3_encode.json              corpus strings and the ids `tokenizers` gives them
  tokenizer/qwen3_decode.json              id lists and their decode (skip_special_tokens on/off)
  tokenizer/tiny_*.json + tiny_*_cases.json small trained byte-level BPE tokenizers with other
                                            normaliser / pre-tokenizer / added-token settings and
                                            their expected ids, to show the C++ side reads the
                                            config instead of assuming Qwen's
and plugins/sdk/tokenizer/onig_unicode_extras.inc: the code points that `tokenizers`' regex
engine (Oniguruma) puts in \p{L} / \p{N} but the system PCRE2 does not (their Unicode versions
differ: 16.0 vs 14.0 on Debian 12), measured by asking both engines about every code point.
Run (not needed by CI; the outputs are committed):
  python3 tools/golden/gen_tokenizer_fixtures.py [--src DIR_WITH_QWEN3_TOKENIZER]
"""
import argparse
import ctypes
import io
import json
import lzma
import random
import tarfile
import unicodedata
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers import trainers

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"

CAFE_NFD = unicodedata.normalize("NFD", "café naïve Ångström")


def corpus():
    """(name, text) pairs covering the cases the spec lists."""
    cases = [
        ("hello", "Hello, world!"),
        ("chat_prompt", "<|im_start|>user\nWhat is 12345 + 678?<|im_end|>\n<|im_start|>assistant\n"),
        ("empty_think", "<think>\n\n</think>\n\n"),
        ("empty", ""),
        ("single_space", " "),
        ("latin_accents", "Déjà vu: the naïve café owner's façade in Zürich, São Paulo, Kraków, Ærøskøbing."),
        ("nfc_input", unicodedata.normalize("NFC", "café naïve Ångström")),
        ("nfd_input", CAFE_NFD),
        ("combining_stack", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324 a\u0301\u0302 e\u0308\u0301"),
        ("dives_akuru", "\U00011935\U00011930 \U00011938 \U00011935\U00011930\U0001193B"),
        ("hangul_jamo_nfd", unicodedata.normalize("NFD", "한국어 텍스트")),
        ("cjk_chinese", "我们今天去北京大学图书馆看书，然后吃了饺子。"),
        ("cjk_japanese", "東京で日本語を勉強しています。カタカナとひらがな！"),
        ("korean", "안녕하세요, 세계! 반갑습니다."),
        ("arabic", "مرحبا بالعالم! هذه جملة عربية مع أرقام ١٢٣ و 456."),
        ("hebrew", "שלום עולם, זה טקסט בעברית."),
        ("devanagari", "नमस्ते दुनिया। यह हिन्दी में एक वाक्य है।"),
        ("cyrillic", "Привет, мир! Съешь же ещё этих мягких французских булок, да выпей чаю."),
        ("greek", "Γειά σου Κόσμε! Ξεσκεπάζω την ψυχοφθόρα βδελυγμία."),
        ("thai", "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ"),
        ("code_python", "def fib(n: int) -> int:\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(10)])\n"),
        ("code_cpp", "#include <vector>\nint main() {\n\tstd::vector<int> v{1, 2, 3};\n\tfor (auto& x : v) x *= 2;  // double\n\treturn v.size() != 3;\n}\n"),
        ("code_json", '{"name": "pio", "values": [1.5e-3, -42, null, true], "nested": {"a": "b\\n"}}'),
        ("code_html", "<div class=\"x\"><p>Text &amp; more</p><br/></div>"),
        ("emoji", "I love 🍕 and 🎉! 😀😃😄 👍🏽 🇯🇵 🏳️‍🌈"),
        ("emoji_zwj", "👨‍👩‍👧‍👦 family, 👩🏾‍💻 coder, 🧑‍🤝‍🧑, ❤️‍🔥"),
        ("digits", "0 1 2 3 4 5 6 7 8 9 10 100 1000"),
        ("long_number", "3.14159265358979323846264338327950288419716939937510 and 123456789012345678901234567890"),
        ("number_formats", "$1,234.56 -7e10 0x1F 1/2 50% 2024-01-01T12:00:00Z v1.2.3"),
        ("unicode_digits", "٣٤٥ ४५६ ①②③ ½ Ⅻ"),
        ("contractions", "I'm sure it's what they've said: we'll go, you'd see, they're here, don't."),
        ("contractions_upper", "I'M SURE IT'S WHAT THEY'VE SAID: WE'LL GO, YOU'D SEE, THEY'RE HERE, DON'T. 'LL 'Ll 'lL"),
        ("contractions_odd", "'s's 'S'T 're're 'ſt 'ss x's 're"),
        ("whitespace_runs", "a  b   c    d\t\te \t \tf     "),
        ("leading_spaces", "   leading spaces"),
        ("trailing_spaces", "trailing spaces   "),
        ("only_whitespace", " \t \n \n\n  "),
        ("newlines", "line1\nline2\n\nline4\n\n\n\nline8\n"),
        ("crlf", "first line\r\nsecond line\r\n\r\nthird\r\n"),
        ("cr_only", "a\rb\r\rc"),
        ("tabs", "\tindented\n\t\tdouble\n\t \tmixed"),
        ("unicode_spaces", "a\u00a0b\u2003c\u3000d\u2028e\u2029f\u0085g\u180eh\u200bi\u202fj"),
        ("control_chars", "a\x00b\x01c\x1bd\x7fe\x1cf\x1fg\x0bh\x0ci"),
        ("special_in_text", "Before<|im_start|>system\nYou are helpful.<|im_end|>After<|endoftext|>"),
        ("think_in_text", "<think>\nLet me think about it.\n</think>\n\nThe answer is 4."),
        ("tool_call_in_text", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"),
        ("tool_response", "<tool_response>\n{\"temp\": 21}\n</tool_response>"),
        ("special_adjacent", "<|im_start|><|im_end|><think></think><tool_call></tool_call>"),
        ("special_partial", "<|im_start <|im_end| <think <|im_star|> </think >< think>"),
        ("special_spaces", " <|im_start|> user <|im_end|> \n <think> x </think> "),
        ("fim", "<|fim_prefix|>def f():<|fim_suffix|>\n    return 1<|fim_middle|>"),
        ("vision", "<|vision_start|><|image_pad|><|image_pad|><|vision_end|>Describe."),
        ("punctuation", "Hello!!! What??? Wait... (yes) [no] {maybe} <ok> «quotes» “smart” ‘single’ — dash – en"),
        ("math", "∀x∈ℝ: x² ≥ 0; ∑ᵢ aᵢ ≤ ∞; α+β=γ; √2 ≈ 1.414"),
        ("mixed_scripts", "English, Français, Deutsch, 中文, 日本語, 한국어, العربية, हिन्दी, Русский"),
        ("url_email", "Visit https://example.com/path?q=1&r=two#frag or mail a.b+c@example.org."),
        ("repeated_word", "the the the the the the the the the the the the"),
        ("long_word", "pneumonoultramicroscopicsilicovolcanoconiosis" * 3),
        ("long_letters", "a" * 300),
        ("long_space", " " * 100 + "x"),
        ("underscores", "snake_case_name __dunder__ CamelCaseName kebab-case-name"),
        ("apostrophes", "rock 'n' roll, '90s, O'Neil, l'été"),
        ("private_use", "\ue000\uf8ff"),
        ("astral_letters", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝓉𝑒𝓍𝓉 𐍈"),
        ("replacement_char", "bad \ufffd char"),
        ("noncharacters", "\ufdd0\uffff"),
        ("variation_selectors", "✌︎ ✌️ 葛󠄀"),
        ("bom", "\ufeffBOM at start"),
        ("rtl_marks", "\u202eevil\u202c \u200fmark"),
        # Letters and digits of Unicode 15/16 (CJK Ext H and I, Kirat Rai, Garay, Kawi digits),
        # which the system PCRE2 does not know as \p{L}/\p{N}; Unicode 17 (Sidetic) is not a
        # letter for `tokenizers` either.
        ("unicode_15_16", "a\U00031350b \U0002EBF0\U0002EBF1! x\U00016D43\U00016D44y \U00010D50z "
                          "!\U00010D40\U00010D41! \U00011F50\U00011F51 ?\U0001CCF0 \U00010940x \u1C89!"),
    ]
    # Multi-line mixed document.
    cases.append(("document", "\n".join(text for _, text in cases[5:20])))
    return cases


def invalid_utf8_cases():
    """Raw byte strings that are not valid UTF-8. The C++ tokenizer replaces each maximal invalid
    subsequence with U+FFFD (as Python's bytes.decode('utf-8', 'replace') does) and then encodes."""
    return [
        ("lone_continuation", b"abc\x80def"),
        ("truncated_2byte", b"caf\xc3"),
        ("truncated_3byte_mid", b"\xe4\xb8 tail"),
        ("truncated_4byte", b"pizza \xf0\x9f\x8d"),
        ("overlong", b"\xc0\xaf and \xe0\x80\xaf"),
        ("surrogate", b"\xed\xa0\x80\xed\xbf\xbf"),
        ("too_large", b"\xf4\x90\x80\x80 \xf5\xff"),
        ("mixed_invalid", b"ok \xff\xfe <|im_start|>\xc3\x28 \xe2\x82"),
        ("all_high_bytes", bytes(range(0x80, 0x100))),
    ]


def random_cases(rng, n):
    """Random strings mixing the corpus' characters, special tokens and whitespace."""
    pieces = list("abcXYZ019 '\t\n\r.,!?-_()é中😀") + ["\u0301", "\u200d", "<|im_end|>", "<think>", "'s", "  ", "\r\n"]
    out = []
    for i in range(n):
        out.append((f"random_{i}", "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))))
    return out


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="ascii") as f:
        json.dump(obj, f, ensure_ascii=True, indent=1)
        f.write("\n")


def pack_qwen3(src):
    """The real tokenizer files, as a deterministic tar.xz (cmake -E tar can unpack it)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in ("tokenizer.json", "tokenizer_config.json"):
            data = (src / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    out = FIXTURES / "qwen3-tokenizer" / "qwen3-tokenizer.tar.xz"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME))
    return out


def qwen3_fixtures(src):
    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    rng = random.Random(1234)
    encode_cases = []
    for name, text in corpus() + random_cases(rng, 40):
        enc = tok.encode(text)
        encode_cases.append({"name": name, "text": text, "ids": enc.ids})
    for name, raw in invalid_utf8_cases():
        text = raw.decode("utf-8", "replace")
        encode_cases.append({"name": name, "hex": raw.hex(), "ids": tok.encode(text).ids})

    # Cross-check against transformers' fast tokenizer when it is installed.
    try:
        from transformers import AutoTokenizer

        hf = AutoTokenizer.from_pretrained(str(src))
        for case in encode_cases:
            if "text" in case and case.get("parse_special_tokens", True):
                assert hf(case["text"], add_special_tokens=True)["input_ids"] == case["ids"], case["name"]
    except ImportError:
        pass

    # split_special_tokens / encode_special_tokens: special tokens' text is ordinary text, while
    # non-special added tokens (<think>, <tool_call>) are still matched.
    tok.encode_special_tokens = True
    for name in ("chat_prompt", "special_in_text", "special_adjacent", "think_in_text", "vision"):
        text = dict(corpus())[name]
        encode_cases.append({"name": f"{name}_specials_as_text", "text": text, "ids": tok.encode(text).ids,
                             "parse_special_tokens": False})
    tok.encode_special_tokens = False

    decode_cases = []
    vocab_size = tok.get_vocab_size(with_added_tokens=True)
    id_lists = [
        ("chat", tok.encode("<|im_start|>user\nHi 😀<|im_end|>\n<|im_start|>assistant\n<think>\nhmm\n</think>\n\nHello!<|im_end|>").ids),
        ("specials_only", list(range(151643, 151669))),
        ("split_cjk_bytes", [tok.token_to_id(c) for c in ("ä", "¸")]),  # E4 B8: unfinished -> U+FFFD
        ("emoji_bytes_reversed", list(reversed(tok.encode("👨‍👩‍👧 中文").ids))),
        ("out_of_range", [9707, vocab_size + 5, 151936, 11]),
    ]
    for i in range(30):
        id_lists.append((f"random_ids_{i}", [rng.randrange(0, vocab_size) for _ in range(rng.randint(1, 24))]))
    for i in range(10):
        # Byte tokens only: stress U+FFFD replacement of invalid sequences.
        id_lists.append((f"random_bytes_{i}", [tok.token_to_id(c) for c in rng.choices(byte_alphabet(), k=rng.randint(1, 16))]))
    for name, ids in id_lists:
        for skip in (False, True):
            decode_cases.append({"name": name, "ids": ids, "skip_special_tokens": skip,
                                 "text": tok.decode(ids, skip_special_tokens=skip)})

    all_code_points_fixture(tok)
    write_json(FIXTURES / "tokenizer" / "qwen3_encode.json", {"tokenizer": "qwen3", "cases": encode_cases})
    write_json(FIXTURES / "tokenizer" / "qwen3_decode.json", {"tokenizer": "qwen3", "cases": decode_cases})
    return len(encode_cases), len(decode_cases)


CODE_POINT_CHUNK = 4096


def code_point_context(cp):
    """Each code point in a few contexts: between letters, between punctuation, doubled, after a
    digit, before a newline (the C++ test builds the same text)."""
    c = chr(cp)
    return f"a{c}b !{c}! {c}{c} 1{c}\n"


def fnv1a_ids(ids):
    h = 0xCBF29CE484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little"):
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def all_code_points_fixture(tok):
    """For every block of CODE_POINT_CHUNK code points (surrogates left out), the number and the
    FNV-1a hash of the ids `tokenizers` gives the block's context text: an exhaustive check that
    stays small."""
    chunks = []
    for start in range(0, 0x110000, CODE_POINT_CHUNK):
        text = "".join(code_point_context(cp) for cp in range(start, start + CODE_POINT_CHUNK)
                       if not 0xD800 <= cp <= 0xDFFF)
        ids = tok.encode(text).ids
        chunks.append({"first": start, "count": len(ids), "fnv1a": f"{fnv1a_ids(ids):016x}"})
    write_json(FIXTURES / "tokenizer" / "qwen3_all_code_points.json",
               {"tokenizer": "qwen3", "chunk": CODE_POINT_CHUNK, "context": "a{c}b !{c}! {c}{c} 1{c}\\n",
                "chunks": chunks})
    return len(chunks)


def byte_alphabet():
    return sorted(pre_tokenizers.ByteLevel.alphabet())


def train_tiny(configure, training_text):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, min_frequency=1, show_progress=False,
                                  initial_alphabet=byte_alphabet(), special_tokens=["<s>", "</s>"])
    tok.train_from_iterator(training_text, trainer=trainer)
    configure(tok)
    return tok


def tiny_fixtures():
    training_text = [text for _, text in corpus()] * 3
    test_texts = [text for _, text in corpus()] + [
        "[MASK] hello [MASK]world  [MASK]  end",
        "x<word> <word> a<word>b <word>",
        "ﬁx the fix ﬁnal FIX",
        "<s>already</s> tagged",
        "123 4567 89",
        "\u32ff \U0001E030x \U00011938 \U00011935\U00011930 \ua7f2\u0301",  # newer decompositions
    ]

    def config_a(tok):
        # NFKC normaliser, GPT-2 style ByteLevel pre-tokenizer with prefix space, a template post
        # processor, and added tokens exercising lstrip/rstrip/single_word/normalized.
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
        tok.add_special_tokens([AddedToken("[MASK]", lstrip=True, rstrip=True, normalized=False)])
        tok.add_tokens([AddedToken("<word>", single_word=True, normalized=False),
                        AddedToken("ﬁx", normalized=True)])
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])

    def config_b(tok):
        # Sequence normaliser (NFD), Split pre-tokenizers with other behaviours, ignore_merges.
        tok.normalizer = normalizers.Sequence([normalizers.NFD()])
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(" ", behavior="merged_with_next"),
            pre_tokenizers.Split(Regex("\\d+"), behavior="isolated"),
            pre_tokenizers.Split(Regex("[.,!?]"), behavior="merged_with_previous"),
            pre_tokenizers.Split("\n", behavior="removed"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])

    def config_c(tok):
        # Contiguous and inverted splits, NFKD.
        tok.normalizer = normalizers.NFKD()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex("\\s+"), behavior="contiguous"),
            pre_tokenizers.Split(Regex("\\p{L}+"), behavior="isolated", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        tok.add_special_tokens([AddedToken("[MASK]", lstrip=True, normalized=False)])

    written = []
    for name, configure in (("tiny_a", config_a), ("tiny_b", config_b), ("tiny_c", config_c)):
        tok = train_tiny(configure, training_text)
        path = FIXTURES / "tokenizer" / f"{name}.json"
        if name == "tiny_b":
            # ignore_merges has no setter in the Python API; set it in the JSON form.
            spec = json.loads(tok.to_str())
            spec["model"]["ignore_merges"] = True
            tok = Tokenizer.from_str(json.dumps(spec))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(json.loads(tok.to_str()), ensure_ascii=True) + "\n", encoding="ascii")
        cases = [{"text": t, "ids": tok.encode(t).ids,
                  "decoded": tok.decode(tok.encode(t).ids, skip_special_tokens=False),
                  "decoded_skip": tok.decode(tok.encode(t).ids, skip_special_tokens=True)} for t in test_texts]
        write_json(FIXTURES / "tokenizer" / f"{name}_cases.json", {"tokenizer": f"{name}.json", "cases": cases})
        written.append(name)
    return written


WHITE_SPACE = {0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}


def code_points():
    return (cp for cp in range(0x80, 0x110000) if not 0xD800 <= cp <= 0xDFFF)


def onig_letters_and_numbers(tok):
    """\p{L} and \p{N} as `tokenizers` sees them, read off the Qwen3 Split regex: "a" c "b" is
    one piece iff c is a letter; "!" c "!" is three pieces iff c is a number (or white space)."""
    pre = tok.pre_tokenizer
    letters, numbers = set(), set()
    for cp in code_points():
        c = chr(cp)
        if len(pre.pre_tokenize_str("a" + c + "b")) == 1:
            letters.add(cp)
        elif cp not in WHITE_SPACE and len(pre.pre_tokenize_str("!" + c + "!")) == 3:
            numbers.add(cp)
    return letters, numbers


def pcre2_property(prop):
    """The code points that the system's PCRE2 (UTF + UCP) matches with \p{prop}."""
    lib = ctypes.CDLL("libpcre2-8.so.0")
    lib.pcre2_compile_8.restype = ctypes.c_void_p
    lib.pcre2_compile_8.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint32, ctypes.POINTER(ctypes.c_int),
                                    ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p]
    lib.pcre2_match_data_create_from_pattern_8.restype = ctypes.c_void_p
    lib.pcre2_match_data_create_from_pattern_8.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.pcre2_match_8.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_uint32,
                                  ctypes.c_void_p, ctypes.c_void_p]
    utf, ucp, anchored = 0x00080000, 0x00020000, 0x80000000
    pattern = ("\\p{%s}" % prop).encode()
    err, off = ctypes.c_int(), ctypes.c_size_t()
    code = lib.pcre2_compile_8(pattern, len(pattern), utf | ucp | anchored, ctypes.byref(err), ctypes.byref(off), None)
    assert code, f"PCRE2 cannot compile {pattern}"
    match = lib.pcre2_match_data_create_from_pattern_8(code, None)
    out = set()
    for cp in code_points():
        s = chr(cp).encode()
        if lib.pcre2_match_8(code, s, len(s), 0, 0, match, None) >= 0:
            out.add(cp)
    return out


def to_ranges(cps):
    out = []
    for c in sorted(cps):
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def utf8proc_forms():
    """utf8proc_map through ctypes, for each of the four forms."""
    lib = ctypes.CDLL("libutf8proc.so.2")
    libc = ctypes.CDLL("libc.so.6")
    lib.utf8proc_map.argtypes = [ctypes.c_char_p, ctypes.c_ssize_t, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int]
    lib.utf8proc_map.restype = ctypes.c_ssize_t
    stable, compat, compose, decompose = 1 << 1, 1 << 2, 1 << 3, 1 << 4

    def make(options):
        def run(text):
            data, out = text.encode(), ctypes.c_void_p()
            n = lib.utf8proc_map(data, len(data), ctypes.byref(out), options)
            assert n >= 0
            result = ctypes.string_at(out, n).decode()
            libc.free(out)
            return result
        return run

    return {"NFC": make(stable | compose), "NFD": make(stable | decompose),
            "NFKC": make(stable | compose | compat), "NFKD": make(stable | decompose | compat)}


def normalization_differences():
    """Code points that `tokenizers` leaves alone under a form but utf8proc changes (newer
    Unicode data in utf8proc), and the characters before which NFC must not compose because of
    them (the last character of such a canonical decomposition)."""
    mine = utf8proc_forms()
    theirs = {"NFC": normalizers.NFC(), "NFD": normalizers.NFD(), "NFKC": normalizers.NFKC(), "NFKD": normalizers.NFKD()}
    opaque = {form: set() for form in mine}
    for cp in code_points():
        c = chr(cp)
        for form in mine:
            hf, up = theirs[form].normalize_str(c), mine[form](c)
            if hf != up:
                assert hf == c, f"{form} of U+{cp:04X}: tokenizers changes it differently from utf8proc"
                opaque[form].add(cp)
    no_compose = {ord(mine["NFD"](chr(cp))[-1]) for cp in opaque["NFD"]}
    # Check: with those cuts, NFC of every decomposition agrees.
    for cp in code_points():
        d = mine["NFD"](chr(cp))
        if d != chr(cp):
            pieces, start = [], 0
            for i in range(1, len(d)):
                if ord(d[i]) in no_compose:
                    pieces.append(d[start:i])
                    start = i
            pieces.append(d[start:])
            assert "".join(mine["NFC"](p) for p in pieces) == theirs["NFC"].normalize_str(d), f"U+{cp:04X}"
    return opaque, no_compose


def range_table(name, cps):
    ranges = to_ranges(cps)
    body = ", ".join("{0x%X, 0x%X}" % (a, b) for a, b in ranges) if ranges else "{1, 0}"
    return f"inline constexpr CodeRange {name}[] = {{{body}}};"


def unicode_extras(src):
    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    letters, numbers = onig_letters_and_numbers(tok)
    lines = [
        "// Generated by tools/golden/gen_tokenizer_fixtures.py - do not edit.",
        "// Code points in \\p{L} / \\p{N} for Oniguruma as bundled by Hugging Face `tokenizers` but not",
        "// for the system PCRE2 (newer Unicode in the former); regex.cpp adds them to those classes.",
        "// Included inside namespace pio::tokenizer_detail, which defines CodeRange.",
    ]
    for name, onig, prop in (("kExtraLetters", letters, "L"), ("kExtraNumbers", numbers, "N")):
        pcre = pcre2_property(prop)
        assert not (pcre - onig), f"PCRE2 \\p{{{prop}}} has code points Oniguruma lacks: {to_ranges(pcre - onig)[:10]}"
        lines.append(range_table(name, onig - pcre))
    write_inc("onig_unicode_extras.inc", lines)

    opaque, no_compose = normalization_differences()
    lines = [
        "// Generated by tools/golden/gen_tokenizer_fixtures.py - do not edit.",
        "// Code points that the normaliser of Hugging Face `tokenizers` leaves unchanged under a form",
        "// while utf8proc changes them (newer Unicode data in utf8proc), and the characters before",
        "// which NFC/NFKC must not compose because of that. normalizer.cpp treats them so.",
        "// Included inside namespace pio::tokenizer_detail, which defines CodeRange.",
    ]
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        lines.append(range_table(f"kOpaque{form.capitalize()}", opaque[form]))
    lines.append(range_table("kNoComposeBefore", no_compose))
    return [write_inc("onig_unicode_extras.inc", None), write_inc("normalizer_unicode_extras.inc", lines)]


def write_inc(name, lines):
    out = REPO / "plugins" / "sdk" / "tokenizer" / name
    if lines is None:
        return out
    text = "\n".join(lines) + "\n"
    # Wrap long lines at range boundaries for readability.
    wrapped = []
    for line in text.splitlines():
        while len(line) > 110 and "}, {" in line[:110]:
            cut = line.rindex("}, {", 0, 110) + 2
            wrapped.append(line[:cut].rstrip())
            line = "    " + line[cut:].lstrip()
        wrapped.append(line)
    out.write_text("\n".join(wrapped) + "\n", encoding="ascii")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=REPO.parent / "shared" / "data" / "qwen3-tokenizer",
                        help="directory with the real Qwen3 tokenizer.json and tokenizer_config.json")
    args = parser.parse_args()
    archive = pack_qwen3(args.src)
    n_enc, n_dec = qwen3_fixtures(args.src)
    tiny = tiny_fixtures()
    extras = unicode_extras(args.src)
    print(f"wrote {archive.relative_to(REPO)} ({archive.stat().st_size} bytes), "
          f"{n_enc} encode cases, {n_dec} decode cases, tiny tokenizers {tiny}, "
          f"{[str(p.relative_to(REPO)) for p in extras]}")


if __name__ == "__main__":
    main()
