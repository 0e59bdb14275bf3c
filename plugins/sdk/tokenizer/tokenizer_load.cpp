// Reading tokenizer.json / tokenizer_config.json into Tokenizer::Impl.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <fstream>

#include "byte_level.h"
#include "pio/sdk/error.h"
#include "tokenizer_impl.h"
#include "utf8.h"

namespace pio {
namespace {

using rapidjson::Value;
using tokenizer_detail::Normalizer;
using tokenizer_detail::PreTokenizerStep;
using tokenizer_detail::Regex;
using tokenizer_detail::SplitBehavior;

// Ids above this are rejected: real vocabularies stay far below, and a corrupt id must not make
// the loader allocate gigabytes.
constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;

// Typed access to one parsed JSON file; every error names the file and the field's path.
class JsonFile {
 public:
  explicit JsonFile(std::string_view name) : name_(name) {}

  const std::string& name() const { return name_; }

  void parse(std::string_view text, rapidjson::Document& doc) const {
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    if (doc.HasParseError()) {
      throw_error(ErrorCode::kBadFormat, "{}: malformed JSON at byte {}: {}", name_,
                  doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject())
      throw_error(ErrorCode::kBadFormat, "{}: the top level is not a JSON object", name_);
  }

  [[noreturn]] void fail(ErrorCode code, const std::string& path, std::string_view problem) const {
    throw_error(code, "{}: {}: {}", name_, path, problem);
  }
  [[noreturn]] void unsupported(const std::string& path, std::string_view what) const {
    throw_error(ErrorCode::kUnsupported, "{}: {}: {} is not supported by pio's tokenizer", name_,
                path, what);
  }

  // A member or nullptr; JSON null counts as absent.
  static const Value* find(const Value& object, const char* key) {
    auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }
  const Value& require(const Value& object, const char* key, const std::string& path) const {
    const Value* v = find(object, key);
    if (!v) fail(ErrorCode::kBadFormat, path + "." + key, "missing");
    return *v;
  }
  const Value& object(const Value& v, const std::string& path) const {
    if (!v.IsObject()) fail(ErrorCode::kBadFormat, path, "expected an object");
    return v;
  }
  const Value& array(const Value& v, const std::string& path) const {
    if (!v.IsArray()) fail(ErrorCode::kBadFormat, path, "expected an array");
    return v;
  }
  std::string_view string(const Value& v, const std::string& path) const {
    if (!v.IsString()) fail(ErrorCode::kBadFormat, path, "expected a string");
    return {v.GetString(), v.GetStringLength()};
  }
  bool boolean(const Value& object, const char* key, bool fallback, const std::string& path) const {
    const Value* v = find(object, key);
    if (!v) return fallback;
    if (!v->IsBool()) fail(ErrorCode::kBadFormat, path + "." + key, "expected true or false");
    return v->GetBool();
  }
  int32_t token_id(const Value& v, const std::string& path) const {
    if (!v.IsInt64() || v.GetInt64() < 0 || v.GetInt64() > kMaxTokenId)
      fail(ErrorCode::kBadFormat, path, fmt::format("expected a token id in [0, {}]", kMaxTokenId));
    return static_cast<int32_t>(v.GetInt64());
  }
  std::string_view type(const Value& v, const std::string& path) const {
    object(v, path);
    return string(require(v, "type", path), path + ".type");
  }

 private:
  std::string name_;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open tokenizer file", path.string());
  const std::streamoff size = in.tellg();
  if (size < 0) throw_error(ErrorCode::kIo, "{}: cannot determine the file size", path.string());
  std::string text(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(text.data(), size)) throw_error(ErrorCode::kIo, "{}: read error", path.string());
  return text;
}

void add_normalizer_forms(const JsonFile& file, const Value& v, const std::string& path,
                          std::vector<Normalizer::Form>& forms) {
  const std::string_view type = file.type(v, path);
  if (type == "NFC") {
    forms.push_back(Normalizer::Form::kNfc);
  } else if (type == "NFD") {
    forms.push_back(Normalizer::Form::kNfd);
  } else if (type == "NFKC") {
    forms.push_back(Normalizer::Form::kNfkc);
  } else if (type == "NFKD") {
    forms.push_back(Normalizer::Form::kNfkd);
  } else if (type == "Sequence") {
    const Value& list = file.array(file.require(v, "normalizers", path), path + ".normalizers");
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i)
      add_normalizer_forms(file, list[i], fmt::format("{}.normalizers[{}]", path, i), forms);
  } else {
    file.unsupported(path, fmt::format("normalizer type \"{}\"", type));
  }
}

SplitBehavior parse_behavior(const JsonFile& file, std::string_view name, const std::string& path) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  file.fail(ErrorCode::kBadFormat, path, fmt::format("unknown split behavior \"{}\"", name));
}

void add_pre_tokenizer_steps(const JsonFile& file, const Value& v, const std::string& path,
                             std::vector<PreTokenizerStep>& steps, bool& byte_level) {
  const std::string_view type = file.type(v, path);
  if (type == "Sequence") {
    const Value& list = file.array(file.require(v, "pretokenizers", path), path + ".pretokenizers");
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i)
      add_pre_tokenizer_steps(file, list[i], fmt::format("{}.pretokenizers[{}]", path, i), steps,
                              byte_level);
  } else if (type == "Split") {
    PreTokenizerStep step;
    step.kind = PreTokenizerStep::Kind::kSplit;
    const Value& pattern = file.object(file.require(v, "pattern", path), path + ".pattern");
    const std::string where = fmt::format("{}: {}.pattern", file.name(), path);
    if (const Value* regex = JsonFile::find(pattern, "Regex")) {
      step.regex.emplace(file.string(*regex, path + ".pattern.Regex"), false, where);
    } else if (const Value* literal = JsonFile::find(pattern, "String")) {
      step.regex.emplace(file.string(*literal, path + ".pattern.String"), true, where);
    } else {
      file.fail(ErrorCode::kBadFormat, path + ".pattern",
                "expected {\"Regex\": ...} or {\"String\": ...}");
    }
    step.behavior =
        parse_behavior(file, file.string(file.require(v, "behavior", path), path + ".behavior"),
                       path + ".behavior");
    step.invert = file.boolean(v, "invert", false, path);
    steps.push_back(std::move(step));
  } else if (type == "ByteLevel") {
    PreTokenizerStep step;
    step.kind = PreTokenizerStep::Kind::kByteLevel;
    step.add_prefix_space = file.boolean(v, "add_prefix_space", true, path);
    if (file.boolean(v, "use_regex", true, path)) {
      step.regex.emplace(tokenizer_detail::PreTokenizer::kGpt2Pattern, false,
                         "ByteLevel GPT-2 pattern");
      step.behavior = SplitBehavior::kIsolated;
    }
    steps.push_back(std::move(step));
    byte_level = true;
  } else {
    file.unsupported(path, fmt::format("pre_tokenizer type \"{}\"", type));
  }
}

void check_decoder(const JsonFile& file, const Value& v, const std::string& path) {
  const std::string_view type = file.type(v, path);
  if (type == "ByteLevel") return;
  if (type == "Sequence") {
    const Value& list = file.array(file.require(v, "decoders", path), path + ".decoders");
    if (list.Size() == 1) return check_decoder(file, list[0], path + ".decoders[0]");
  }
  file.unsupported(path, fmt::format("decoder type \"{}\" (only ByteLevel)", type));
}

void add_post_processor(const JsonFile& file, const Value& v, const std::string& path,
                        Tokenizer::Impl& impl) {
  const std::string_view type = file.type(v, path);
  if (type == "ByteLevel") return;  // only adjusts offsets
  if (type == "Sequence") {
    const Value& list = file.array(file.require(v, "processors", path), path + ".processors");
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i)
      add_post_processor(file, list[i], fmt::format("{}.processors[{}]", path, i), impl);
    return;
  }
  if (type != "TemplateProcessing")
    file.unsupported(path, fmt::format("post_processor type \"{}\"", type));
  if (!impl.post_template.empty()) file.unsupported(path, "more than one TemplateProcessing");
  const Value& specials =
      file.object(file.require(v, "special_tokens", path), path + ".special_tokens");
  const Value& single = file.array(file.require(v, "single", path), path + ".single");
  bool has_sequence = false;
  for (rapidjson::SizeType i = 0; i < single.Size(); ++i) {
    const std::string item_path = fmt::format("{}.single[{}]", path, i);
    const Value& item = file.object(single[i], item_path);
    if (const Value* seq = JsonFile::find(item, "Sequence")) {
      const std::string_view id =
          file.string(file.require(file.object(*seq, item_path), "id", item_path + ".Sequence"),
                      item_path + ".Sequence.id");
      if (id != "A") file.unsupported(item_path, "a single-sequence template that uses sequence B");
      impl.post_template.push_back(Tokenizer::Impl::kSequenceSlot);
      has_sequence = true;
    } else if (const Value* special = JsonFile::find(item, "SpecialToken")) {
      const std::string name(file.string(
          file.require(file.object(*special, item_path), "id", item_path + ".SpecialToken"),
          item_path + ".SpecialToken.id"));
      const Value* entry = JsonFile::find(specials, name.c_str());
      if (!entry)
        file.fail(ErrorCode::kBadFormat, path + ".special_tokens", "no entry for \"" + name + "\"");
      const std::string ids_path = path + ".special_tokens." + name + ".ids";
      const Value& ids =
          file.array(file.require(file.object(*entry, ids_path), "ids", ids_path), ids_path);
      for (rapidjson::SizeType k = 0; k < ids.Size(); ++k)
        impl.post_template.push_back(file.token_id(ids[k], fmt::format("{}[{}]", ids_path, k)));
    } else {
      file.fail(ErrorCode::kBadFormat, item_path,
                "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
  }
  if (!has_sequence)
    file.fail(ErrorCode::kBadFormat, path + ".single", "the template has no sequence $A");
}

// Reads model.vocab / model.merges of a BPE model into `impl` and builds the BPE merger.
void load_bpe(const JsonFile& file, const Value& model, Tokenizer::Impl& impl) {
  const std::string path = "model";
  const std::string_view type =
      model.HasMember("type") ? file.type(model, path) : std::string_view("BPE");
  if (type != "BPE")
    file.unsupported(path + ".type", fmt::format("model type \"{}\" (only BPE)", type));
  if (const Value* dropout = JsonFile::find(model, "dropout"))
    if (!dropout->IsNumber() || dropout->GetDouble() != 0.0)
      file.unsupported(path + ".dropout", "BPE dropout");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const Value* v = JsonFile::find(model, key))
      if (!file.string(*v, path + "." + key).empty())
        file.unsupported(path + "." + key, "a non-empty value");
  }
  if (file.boolean(model, "byte_fallback", false, path))
    file.unsupported(path + ".byte_fallback", "byte_fallback");

  const Value& vocab = file.object(file.require(model, "vocab", path), path + ".vocab");
  int64_t max_id = -1;
  for (auto it = vocab.MemberBegin(); it != vocab.MemberEnd(); ++it) {
    const Value& id = it->value;
    if (!id.IsInt64() || id.GetInt64() < 0 || id.GetInt64() > kMaxTokenId) {
      file.token_id(
          id, fmt::format("{}.vocab[\"{}\"]", path,
                          std::string_view(it->name.GetString(), it->name.GetStringLength())));
    }
    max_id = std::max(max_id, id.GetInt64());
  }
  const auto n = static_cast<size_t>(max_id + 1);
  impl.vocab.assign(n, {});
  impl.id_to_bytes.assign(n, {});
  impl.known.assign(n, 0);
  for (auto it = vocab.MemberBegin(); it != vocab.MemberEnd(); ++it) {
    const std::string_view token(it->name.GetString(), it->name.GetStringLength());
    const auto id = static_cast<size_t>(it->value.GetInt64());
    if (impl.known[id]) {
      file.fail(ErrorCode::kBadFormat, path + ".vocab",
                fmt::format("id {} is used by both \"{}\" and \"{}\"", id, impl.vocab[id], token));
    }
    impl.known[id] = 1;
    impl.vocab[id] = std::string(token);
    auto bytes = tokenizer_detail::byte_level_to_bytes(token);
    impl.id_to_bytes[id] = bytes ? std::move(*bytes) : std::string(token);
  }
  impl.vocab_index = tokenizer_detail::TokenIndex(&impl.vocab);

  auto lookup = [&](std::string_view left, std::string_view right, auto&& where) {
    const int32_t id = impl.vocab_index.find(left, right);
    if (id < 0) {
      file.fail(ErrorCode::kBadFormat, where(),
                fmt::format("token \"{}{}\" is not in model.vocab", left, right));
    }
    return id;
  };

  std::vector<tokenizer_detail::BpeMerge> merges;
  if (const Value* list = JsonFile::find(model, "merges")) {
    file.array(*list, path + ".merges");
    merges.reserve(list->Size());
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      auto where = [&] { return fmt::format("{}.merges[{}]", path, i); };
      const Value& m = (*list)[i];
      std::string_view left, right;
      if (m.IsString()) {
        const std::string_view s(m.GetString(), m.GetStringLength());
        const size_t space = s.find(' ');
        if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos)
          file.fail(ErrorCode::kBadFormat, where(), fmt::format("\"{}\" is not \"left right\"", s));
        left = s.substr(0, space), right = s.substr(space + 1);
      } else if (m.IsArray() && m.Size() == 2 && m[0].IsString() && m[1].IsString()) {
        left = {m[0].GetString(), m[0].GetStringLength()};
        right = {m[1].GetString(), m[1].GetStringLength()};
      } else {
        file.fail(ErrorCode::kBadFormat, where(), "expected \"left right\" or [left, right]");
      }
      merges.push_back(
          {lookup(left, {}, where), lookup(right, {}, where), lookup(left, right, where)});
    }
  }

  std::vector<int32_t> byte_ids(256, -1);
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    byte_ids[static_cast<size_t>(b)] =
        impl.vocab_index.find(tokenizer_detail::bytes_to_byte_level(std::string_view(&c, 1)));
  }

  tokenizer_detail::BpeOptions options;
  options.ignore_merges = file.boolean(model, "ignore_merges", false, path);
  options.fuse_unk = file.boolean(model, "fuse_unk", false, path);
  if (const Value* unk = JsonFile::find(model, "unk_token"))
    options.unk_id =
        lookup(file.string(*unk, path + ".unk_token"), {}, [&] { return path + ".unk_token"; });
  std::unordered_map<std::string, int32_t> vocab_bytes;
  if (options.ignore_merges) {
    vocab_bytes.reserve(n);
    for (size_t id = 0; id < n; ++id)
      if (impl.known[id]) vocab_bytes.emplace(impl.id_to_bytes[id], static_cast<int32_t>(id));
  }
  impl.model = std::make_unique<tokenizer_detail::BpeModel>(byte_ids, merges, options,
                                                            std::move(vocab_bytes));
}

void load_added_tokens(const JsonFile& file, const Value& list, Tokenizer::Impl& impl) {
  file.array(list, "added_tokens");
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const std::string path = fmt::format("added_tokens[{}]", i);
    const Value& v = file.object(list[i], path);
    AddedTokenInfo token;
    token.content = std::string(file.string(file.require(v, "content", path), path + ".content"));
    token.id = file.token_id(file.require(v, "id", path), path + ".id");
    token.special = file.boolean(v, "special", false, path);
    token.single_word = file.boolean(v, "single_word", false, path);
    token.lstrip = file.boolean(v, "lstrip", false, path);
    token.rstrip = file.boolean(v, "rstrip", false, path);
    token.normalized = file.boolean(v, "normalized", !token.special, path);
    // As in `tokenizers`: a content that is already known keeps its id.
    if (auto it = impl.added_ids.find(token.content); it != impl.added_ids.end()) {
      token.id = it->second;
    } else if (const int32_t model_id = impl.vocab_index.find(token.content); model_id >= 0) {
      token.id = model_id;
    }
    const auto id = static_cast<size_t>(token.id);
    if (id >= impl.known.size()) {
      impl.vocab.resize(id + 1);  // holes only: vocab_index still refers to the same strings
      impl.id_to_bytes.resize(id + 1);
      impl.known.resize(id + 1, 0);
    }
    impl.known[id] = 1;
    // `tokenizers` (>= 0.22) spells a normalized added token in its normalised form when it
    // decodes it or maps its id back to a token; token_to_id still takes the content as written.
    std::string spelling = token.content;
    if (token.normalized) impl.normalizer.normalize(token.content, spelling);
    auto bytes = tokenizer_detail::byte_level_to_bytes(spelling);
    impl.id_to_bytes[id] = bytes ? std::move(*bytes) : spelling;
    impl.added_spelling[token.id] = std::move(spelling);
    impl.added_ids[token.content] = token.id;
    impl.added.push_back(std::move(token));
  }
}

void load_tokenizer_json(const JsonFile& file, std::string_view text, Tokenizer::Impl& impl) {
  rapidjson::Document doc;
  file.parse(text, doc);
  for (const char* key : {"truncation", "padding"})
    if (JsonFile::find(doc, key)) file.unsupported(key, "a non-null value");

  std::vector<Normalizer::Form> forms;
  if (const Value* normalizer = JsonFile::find(doc, "normalizer"))
    add_normalizer_forms(file, *normalizer, "normalizer", forms);
  impl.normalizer = Normalizer(std::move(forms));

  load_bpe(file, file.require(doc, "model", "(root)"), impl);
  if (const Value* added = JsonFile::find(doc, "added_tokens"))
    load_added_tokens(file, *added, impl);
  impl.special.assign(impl.known.size(), 0);
  impl.is_added.assign(impl.known.size(), 0);
  for (const AddedTokenInfo& t : impl.added) {
    impl.is_added[static_cast<size_t>(t.id)] = 1;
    impl.special[static_cast<size_t>(t.id)] = t.special ? 1 : 0;
  }

  std::vector<PreTokenizerStep> steps;
  bool byte_level = false;
  if (const Value* pre = JsonFile::find(doc, "pre_tokenizer"))
    add_pre_tokenizer_steps(file, *pre, "pre_tokenizer", steps, byte_level);
  if (!byte_level)
    file.unsupported("pre_tokenizer",
                     "a tokenizer without a ByteLevel pre-tokenizer (not byte-level BPE)");
  impl.pre_tokenizer = tokenizer_detail::PreTokenizer(std::move(steps));

  const Value* decoder = JsonFile::find(doc, "decoder");
  if (!decoder) file.unsupported("decoder", "a missing decoder (only ByteLevel)");
  check_decoder(file, *decoder, "decoder");

  if (const Value* post = JsonFile::find(doc, "post_processor"))
    add_post_processor(file, *post, "post_processor", impl);
  for (int32_t id : impl.post_template) {
    if (id != Tokenizer::Impl::kSequenceSlot &&
        (static_cast<size_t>(id) >= impl.known.size() || !impl.known[static_cast<size_t>(id)]))
      file.fail(ErrorCode::kBadFormat, "post_processor",
                fmt::format("token id {} is not in the vocabulary", id));
  }

  impl.raw_added = tokenizer_detail::AddedTokenMatcher(impl.added, false, impl.normalizer);
  impl.normalized_added = tokenizer_detail::AddedTokenMatcher(impl.added, true, impl.normalizer);
}

// The special-token names of tokenizer_config.json: "eos_token": "<|im_end|>" or
// {"content": "<|im_end|>", ...}.
void load_tokenizer_config(const JsonFile& file, std::string_view text, Tokenizer::Impl& impl) {
  rapidjson::Document doc;
  file.parse(text, doc);
  auto id_of = [&](const char* key) -> std::optional<int32_t> {
    const Value* v = JsonFile::find(doc, key);
    if (!v) return std::nullopt;
    std::string_view name;
    if (v->IsObject()) {
      name = file.string(file.require(*v, "content", key), std::string(key) + ".content");
    } else {
      name = file.string(*v, key);
    }
    if (auto it = impl.added_ids.find(std::string(name)); it != impl.added_ids.end())
      return it->second;
    const int32_t id = impl.vocab_index.find(name);
    return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
  };
  impl.eos = id_of("eos_token");
  impl.bos = id_of("bos_token");
  impl.pad = id_of("pad_token");
  impl.unk = id_of("unk_token");
}

}  // namespace

Tokenizer Tokenizer::from_json(std::string_view tokenizer_json, std::string_view source_name,
                               std::string_view tokenizer_config_json) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::string(source_name);
  load_tokenizer_json(JsonFile(source_name), tokenizer_json, *impl);
  if (!tokenizer_config_json.empty()) {
    load_tokenizer_config(JsonFile(fmt::format("tokenizer_config.json of {}", source_name)),
                          tokenizer_config_json, *impl);
  }
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_file(const std::filesystem::path& tokenizer_json,
                               const std::filesystem::path& tokenizer_config_json) {
  const std::string text = read_file(tokenizer_json);
  auto impl = std::make_unique<Impl>();
  impl->source = tokenizer_json.string();
  load_tokenizer_json(JsonFile(impl->source), text, *impl);
  if (!tokenizer_config_json.empty() && std::filesystem::exists(tokenizer_config_json)) {
    load_tokenizer_config(JsonFile(tokenizer_config_json.string()),
                          read_file(tokenizer_config_json), *impl);
  }
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_directory(const std::filesystem::path& dir) {
  return from_file(dir / "tokenizer.json", dir / "tokenizer_config.json");
}

}  // namespace pio
