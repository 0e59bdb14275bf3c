// The toy model: config.json reading, byte tokenizer, a minimal chat template.
#include "toy_model.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fstream>
#include <sstream>

#include "pio/sdk/error.h"
#include "pio/sdk/plugin_log.h"

namespace pio::toy {
namespace {

constexpr std::string_view kSpecialText[] = {"<bos>", "<eos>", "<pad>"};

rapidjson::Document parse_json(std::string_view text, std::string_view what) {
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError()) {
    throw_error(ErrorCode::kBadFormat, "{}: malformed JSON at offset {}: {}", what, document.GetErrorOffset(),
                rapidjson::GetParseError_En(document.GetParseError()));
  }
  return document;
}

ToyConfig read_config(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw_error(ErrorCode::kNotFound, "{}: cannot open", path.string());
  std::ostringstream text;
  text << file.rdbuf();
  const rapidjson::Document document = parse_json(text.str(), path.string());
  if (!document.IsObject()) throw_error(ErrorCode::kBadFormat, "{}: expected a JSON object", path.string());
  if (!document.HasMember("model_type") || !document["model_type"].IsString() ||
      std::string_view(document["model_type"].GetString()) != "toy") {
    throw_error(ErrorCode::kBadFormat, "{}: \"model_type\" must be \"toy\"", path.string());
  }
  ToyConfig config;
  if (document.HasMember("vocab_size")) {
    if (!document["vocab_size"].IsInt64() || document["vocab_size"].GetInt64() != kVocabSize) {
      throw_error(ErrorCode::kBadFormat, "{}: \"vocab_size\" must be {}", path.string(), kVocabSize);
    }
  }
  if (document.HasMember("max_position_embeddings")) {
    const auto& value = document["max_position_embeddings"];
    if (!value.IsInt64() || value.GetInt64() <= 0) {
      throw_error(ErrorCode::kBadFormat, "{}: \"max_position_embeddings\" must be a positive integer", path.string());
    }
    config.context_length = value.GetInt64();
  }
  if (document.HasMember("eval_delay_ms")) {
    const auto& value = document["eval_delay_ms"];
    if (!value.IsInt64() || value.GetInt64() < 0) {
      throw_error(ErrorCode::kBadFormat, "{}: \"eval_delay_ms\" must be a non-negative integer", path.string());
    }
    config.eval_delay_ms = value.GetInt64();
  }
  // Test hook: make load fail with a given kind of exception, to exercise the adapter's guard
  // through a real shared object.
  if (document.HasMember("fail_on_load") && document["fail_on_load"].IsString()) {
    const std::string_view kind = document["fail_on_load"].GetString();
    if (kind == "bad_alloc") throw std::bad_alloc();
    if (kind == "runtime_error") throw std::runtime_error("toy: fail_on_load asked for a runtime_error");
    if (kind == "unsupported") throw_error(ErrorCode::kUnsupported, "{}: fail_on_load asked for kUnsupported", path.string());
    throw_error(ErrorCode::kBadFormat, "{}: unknown \"fail_on_load\" value \"{}\"", path.string(), kind);
  }
  return config;
}

}  // namespace

ToyModel::ToyModel(ToyConfig config, int64_t context_length, float logit_offset)
    : config_(config), context_length_(context_length), logit_offset_(logit_offset) {}

sdk::ModelInfo ToyModel::describe() const {
  sdk::ModelInfo info;
  info.architecture = "ToyForCausalLM";
  info.model_type = "toy";
  info.capabilities = {.text = true, .vision = false, .thinking = false, .tools = false};
  info.context_length = context_length_;
  info.vocab_size = kVocabSize;
  info.special_tokens.bos = kBos;
  info.special_tokens.eos = {kEos};
  info.special_tokens.pad = kPad;
  info.chat_template = true;
  info.generation_defaults.temperature = 0.7;
  info.generation_defaults.top_k = 20;
  info.dtype = "f32";
  info.device = "cpu";
  return info;
}

std::vector<pio_token> ToyModel::tokenize(std::string_view text, bool add_special) const {
  std::vector<pio_token> ids;
  if (add_special) ids.push_back(kBos);
  for (size_t i = 0; i < text.size();) {
    bool matched = false;
    for (pio_token id = 0; id < kFirstByte; ++id) {
      if (text.substr(i, kSpecialText[id].size()) == kSpecialText[id]) {
        ids.push_back(id);
        i += kSpecialText[id].size();
        matched = true;
        break;
      }
    }
    if (!matched) ids.push_back(static_cast<pio_token>(static_cast<unsigned char>(text[i++])) + kFirstByte);
  }
  return ids;
}

std::string ToyModel::detokenize(std::span<const pio_token> tokens, bool skip_special) const {
  std::string text;
  for (pio_token id : tokens) {
    if (id < 0 || id >= kVocabSize) {
      throw_error(ErrorCode::kInvalidArgument, "toy detokenize: id {} outside the vocabulary of {}", id, kVocabSize);
    }
    if (id < kFirstByte) {
      if (!skip_special) text += kSpecialText[id];
    } else {
      text += static_cast<char>(id - kFirstByte);
    }
  }
  return text;
}

// "<role>content<eos>" per message; add_generation_prompt appends "<assistant>".
std::string ToyModel::render_chat_template(std::string_view messages_json, std::string_view options_json) const {
  const rapidjson::Document messages = parse_json(messages_json, "toy chat template: messages");
  const rapidjson::Document options = parse_json(options_json, "toy chat template: options");
  if (!messages.IsArray()) throw_error(ErrorCode::kBadFormat, "toy chat template: messages must be an array");
  std::string text;
  for (rapidjson::SizeType i = 0; i < messages.Size(); ++i) {
    const auto& message = messages[i];
    if (!message.IsObject() || !message.HasMember("role") || !message["role"].IsString() ||
        !message.HasMember("content") || !message["content"].IsString()) {
      throw_error(ErrorCode::kInvalidArgument, "toy chat template: messages[{}] needs string role and content", i);
    }
    text += fmt::format("<{}>{}<eos>", message["role"].GetString(), message["content"].GetString());
  }
  if (options.IsObject() && options.HasMember("add_generation_prompt") && options["add_generation_prompt"].IsBool() &&
      options["add_generation_prompt"].GetBool()) {
    text += "<assistant>";
  }
  return text;
}

std::unique_ptr<sdk::Model> load_toy_model(const std::filesystem::path& model_dir, const sdk::LoadOptions& options,
                                           const sdk::Progress& progress, float logit_offset) {
  progress.report(0.0f, "reading config.json");
  progress.throw_if_cancelled("toy model_load");
  const ToyConfig config = read_config(model_dir / "config.json");
  if (options.dtype != "auto" && options.dtype != "f32") {
    throw_error(ErrorCode::kUnsupported, "toy: dtype \"{}\" is not supported (only f32)", options.dtype);
  }
  if (options.load_in_4bit) throw_error(ErrorCode::kUnsupported, "toy: load_in_4bit is not supported");
  if (options.device != "auto" && options.device != "cpu") {
    throw_error(ErrorCode::kUnsupported, "toy: device \"{}\" is not supported (only cpu)", options.device);
  }
  int64_t context_length = config.context_length;
  if (options.context_length > 0 && options.context_length < context_length) context_length = options.context_length;
  sdk::log_info("toy: loaded {} (context {})", model_dir.string(), context_length);
  progress.report(1.0f, "done");
  return std::make_unique<ToyModel>(config, context_length, logit_offset);
}

}  // namespace pio::toy
