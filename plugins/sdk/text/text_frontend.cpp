// Tokenizer + chat template + generation defaults of a model directory.
#include "pio/sdk/text_frontend.h"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pio/sdk/error.h"

namespace pio::sdk {
namespace fs = std::filesystem;

TextFrontend TextFrontend::load(const fs::path& model_dir, const DecoderDims& config) {
  TextFrontend frontend;
  frontend.config_ = config;
  if (fs::exists(model_dir / "tokenizer.json")) {
    frontend.tokenizer_ = std::make_shared<const Tokenizer>(Tokenizer::from_directory(model_dir));
  }
  const bool has_template_file = fs::exists(model_dir / "chat_template.jinja") ||
                                 fs::exists(model_dir / "tokenizer_config.json");
  if (has_template_file) {
    try {
      ChatTemplateSource source = load_chat_template(model_dir);
      frontend.chat_template_ = std::make_shared<const ChatTemplate>(source.source);
      frontend.template_tokens_ = std::move(source.special_tokens);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;  // a tokenizer_config without a template
    }
  }
  frontend.generation_ = load_generation_config(model_dir);
  return frontend;
}

std::vector<pio_token> TextFrontend::tokenize(std::string_view text, bool add_special) const {
  if (!tokenizer_) throw_error(ErrorCode::kUnsupported, "the model directory has no tokenizer.json");
  EncodeOptions options;
  options.add_special_tokens = add_special;
  return tokenizer_->encode(text, options);
}

std::string TextFrontend::detokenize(std::span<const pio_token> tokens, bool skip_special) const {
  if (!tokenizer_) throw_error(ErrorCode::kUnsupported, "the model directory has no tokenizer.json");
  for (pio_token id : tokens) {
    if (id < 0 || id >= tokenizer_->vocab_size()) {
      throw_error(ErrorCode::kInvalidArgument, "token id {} is outside the vocabulary (0..{})", id,
                  tokenizer_->vocab_size() - 1);
    }
  }
  return tokenizer_->decode(tokens, skip_special);
}

namespace {

// Iterative (hostile nesting cannot overflow the stack), UTF-8 validated, and full precision (a
// float must print as Python prints it when the template renders it).
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseFullPrecisionFlag;

// Deepest bracket nesting of a JSON text (strings skipped), without recursion.
size_t json_nesting_depth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

rapidjson::Document parse_json_argument(std::string_view text, const char* what) {
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    throw_error(ErrorCode::kBadFormat, "{}: malformed JSON at offset {}: {}", what,
                doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

// OpenAI-style requests carry tool-call arguments as a JSON string; the chat templates of the
// supported families iterate them as a mapping (jinja2 fails on a string, as transformers does).
// Arguments that are a string holding a JSON object become that object; anything else is kept.
constexpr size_t kMaxArgumentDepth = 64;

void parse_tool_call_arguments(rapidjson::Value& messages, rapidjson::Document::AllocatorType& alloc) {
  for (auto& message : messages.GetArray()) {
    if (!message.IsObject()) continue;
    auto calls = message.FindMember("tool_calls");
    if (calls == message.MemberEnd() || !calls->value.IsArray()) continue;
    for (auto& call : calls->value.GetArray()) {
      if (!call.IsObject()) continue;
      auto function = call.FindMember("function");
      rapidjson::Value& holder = function != call.MemberEnd() && function->value.IsObject() ? function->value : call;
      auto arguments = holder.FindMember("arguments");
      if (arguments == holder.MemberEnd() || !arguments->value.IsString()) continue;
      const std::string_view text(arguments->value.GetString(), arguments->value.GetStringLength());
      // Copying a value recurses: leave absurdly nested arguments as the string they came as
      // (the renderer's own depth limit then reports them).
      if (json_nesting_depth(text) > kMaxArgumentDepth) continue;
      rapidjson::Document parsed;
      parsed.Parse<kParseFlags>(text.data(), text.size());
      if (!parsed.HasParseError() && parsed.IsObject()) arguments->value.CopyFrom(parsed, alloc);
    }
  }
}

}  // namespace

std::string TextFrontend::render_chat(std::string_view messages_json,
                                      std::string_view options_json) const {
  if (!chat_template_) {
    throw_error(ErrorCode::kUnsupported,
                "the model directory has no chat template (tokenizer_config.json or "
                "chat_template.jinja)");
  }
  // `messages` is declared first so that it outlives `request`, which borrows its values.
  rapidjson::Document messages = parse_json_argument(messages_json, "chat messages");
  if (!messages.IsArray()) throw_error(ErrorCode::kBadFormat, "chat messages: expected a JSON array");
  rapidjson::Document request = parse_json_argument(options_json, "chat template options");
  if (!request.IsObject()) {
    throw_error(ErrorCode::kBadFormat, "chat template options: expected a JSON object");
  }
  parse_tool_call_arguments(messages, messages.GetAllocator());
  request.RemoveMember("messages");
  request.AddMember("messages", messages.Move(), request.GetAllocator());
  return chat_template_->apply(request, template_tokens_);
}

SpecialTokens TextFrontend::special_tokens() const {
  SpecialTokens tokens;
  for (int64_t id : generation_.eos_token_ids) tokens.eos.push_back(static_cast<pio_token>(id));
  if (tokens.eos.empty() && tokenizer_ && tokenizer_->eos_token_id()) {
    tokens.eos.push_back(*tokenizer_->eos_token_id());
  }
  if (tokens.eos.empty()) {
    for (int64_t id : config_.eos_token_ids) tokens.eos.push_back(static_cast<pio_token>(id));
  }
  if (generation_.bos_token_id) {
    tokens.bos = static_cast<pio_token>(*generation_.bos_token_id);
  } else if (tokenizer_ && tokenizer_->bos_token_id()) {
    tokens.bos = *tokenizer_->bos_token_id();
  }
  if (generation_.pad_token_id) {
    tokens.pad = static_cast<pio_token>(*generation_.pad_token_id);
  } else if (tokenizer_ && tokenizer_->pad_token_id()) {
    tokens.pad = *tokenizer_->pad_token_id();
  }
  return tokens;
}

GenerationDefaults TextFrontend::generation_defaults() const {
  GenerationDefaults defaults;
  if (!generation_.from_file) return defaults;
  defaults.do_sample = generation_.do_sample;
  defaults.temperature = generation_.temperature;
  defaults.top_k = generation_.top_k;
  defaults.top_p = generation_.top_p;
  defaults.min_p = generation_.min_p;
  defaults.repetition_penalty = generation_.repetition_penalty;
  defaults.max_new_tokens = generation_.max_new_tokens;
  return defaults;
}

}  // namespace pio::sdk
