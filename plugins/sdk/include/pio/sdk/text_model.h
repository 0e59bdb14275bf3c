// pio::sdk::TextModel — a Model whose text side (tokenize, detokenize, chat template, special
// tokens, generation defaults) comes from the model directory's files through TextFrontend.
// Families derive from it and implement describe() (starting from text_info()) and
// create_session(); the text entries are written once, here.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pio/sdk/model.h"
#include "pio/sdk/text_frontend.h"

namespace pio::sdk {

class TextModel : public Model {
 public:
  explicit TextModel(TextFrontend frontend) : frontend_(std::move(frontend)) {}

  std::vector<pio_token> tokenize(std::string_view text, bool add_special) const override {
    return frontend_.tokenize(text, add_special);
  }
  std::string detokenize(std::span<const pio_token> tokens, bool skip_special) const override {
    return frontend_.detokenize(tokens, skip_special);
  }
  std::string render_chat_template(std::string_view messages_json,
                                   std::string_view options_json) const override {
    return frontend_.render_chat(messages_json, options_json);
  }

 protected:
  // A ModelInfo with the text fields filled: special tokens, generation defaults, whether a chat
  // template exists. The family adds architecture, sizes, capabilities, dtype and device.
  ModelInfo text_info() const {
    ModelInfo info;
    info.special_tokens = frontend_.special_tokens();
    info.generation_defaults = frontend_.generation_defaults();
    info.chat_template = frontend_.has_chat_template();
    return info;
  }

  const TextFrontend& frontend() const noexcept { return frontend_; }

 private:
  TextFrontend frontend_;
};

}  // namespace pio::sdk
