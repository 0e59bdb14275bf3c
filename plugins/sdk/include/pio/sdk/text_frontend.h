// The text side of a language model, shared by every family: tokenizer.json, the chat template,
// special tokens and generation defaults of a Hugging Face model directory.
//
// Every file is optional: a directory without tokenizer files still loads (for `pio logits`), and
// tokenize/detokenize/render then fail with kUnsupported naming the missing file.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pio/plugin_abi.h"
#include "pio/sdk/chat_template.h"
#include "pio/sdk/model_config.h"
#include "pio/sdk/model_config_generation.h"
#include "pio/sdk/model_info.h"
#include "pio/sdk/tokenizer.h"

namespace pio::sdk {

class TextFrontend {
 public:
  // Loads what `model_dir` has. `config` supplies eos/bos ids when neither generation_config.json
  // nor the tokenizer names them. Throws pio::Error for files that exist but are malformed.
  static TextFrontend load(const std::filesystem::path& model_dir, const DecoderDims& config);

  bool has_tokenizer() const noexcept { return tokenizer_ != nullptr; }
  bool has_chat_template() const noexcept { return chat_template_ != nullptr; }

  // [any-thread] Throw kUnsupported without tokenizer.json.
  std::vector<pio_token> tokenize(std::string_view text, bool add_special) const;
  std::string detokenize(std::span<const pio_token> tokens, bool skip_special) const;

  // Renders {"messages": messages_json, ...options_json} as transformers' apply_chat_template.
  // Throws kUnsupported without a template, kBadFormat for malformed JSON, kInvalidArgument when
  // the template raises. [any-thread]
  std::string render_chat(std::string_view messages_json, std::string_view options_json) const;

  // Special token ids: eos from generation_config.json (all of them), else tokenizer_config.json,
  // else config.json; bos / pad likewise.
  SpecialTokens special_tokens() const;
  GenerationDefaults generation_defaults() const;

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::shared_ptr<const ChatTemplate> chat_template_;
  pio::SpecialTokens template_tokens_;  // names -> text, passed to every render
  GenerationConfig generation_;
  DecoderDims config_;
};

}  // namespace pio::sdk
