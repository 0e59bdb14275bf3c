// The example third-party plugin: a "model" that predicts the last token will repeat. Its only
// purpose is to show the smallest complete plugin built against the installed SDK: a Model, a
// Session, a load function and PIO_PLUGIN. See README.md.
#include <fstream>
#include <pio/sdk/plugin.h>

namespace {

constexpr int64_t kVocab = 256;  // one id per byte
constexpr int64_t kContext = 4096;

class EchoSession final : public pio::sdk::Session {
 public:
  void eval(const pio::sdk::EvalRequest& request) override {
    if (length_ + request.tokens.size() > kContext) {
      pio::throw_error(pio::ErrorCode::kContextOverflow, "echo_example: context of {} exceeded", kContext);
    }
    const size_t rows = request.logits.size() / kVocab;
    for (size_t row = 0; row < rows; ++row) {
      // kLast: the one row belongs to the last token; kAll: row i to token i.
      const size_t index = request.logits_mode == pio::sdk::LogitsMode::kLast ? request.tokens.size() - 1 : row;
      float* out = request.logits.data() + row * kVocab;
      std::fill(out, out + kVocab, 0.0f);
      out[request.tokens[index]] = 1.0f;
    }
    length_ += request.tokens.size();
  }
  size_t length() const override { return length_; }
  void truncate(size_t n_tokens) override { length_ = n_tokens; }

 private:
  size_t length_ = 0;
};

class EchoModel final : public pio::sdk::Model {
 public:
  pio::sdk::ModelInfo describe() const override {
    pio::sdk::ModelInfo info;
    info.architecture = "EchoExampleForCausalLM";
    info.model_type = "echo_example";
    info.context_length = kContext;
    info.vocab_size = kVocab;
    info.dtype = "f32";
    info.device = "cpu";
    return info;
  }
  std::vector<pio_token> tokenize(std::string_view text, bool) const override {
    std::vector<pio_token> ids;
    for (unsigned char c : text) ids.push_back(c);
    return ids;
  }
  std::string detokenize(std::span<const pio_token> tokens, bool) const override {
    std::string text;
    for (pio_token id : tokens) {
      if (id < 0 || id >= kVocab) pio::throw_error(pio::ErrorCode::kInvalidArgument, "echo_example: id {}", id);
      text += static_cast<char>(id);
    }
    return text;
  }
  std::unique_ptr<pio::sdk::Session> create_session(const pio::sdk::SessionOptions&) const override {
    return std::make_unique<EchoSession>();
  }
};

std::unique_ptr<pio::sdk::Model> load(const std::filesystem::path& model_dir, const pio::sdk::LoadOptions&,
                                      const pio::sdk::Progress&) {
  if (!std::ifstream(model_dir / "config.json")) {
    pio::throw_error(pio::ErrorCode::kNotFound, "{}: no config.json", model_dir.string());
  }
  pio::sdk::log_info("echo_example: serving {}", model_dir.string());
  return std::make_unique<EchoModel>();
}

}  // namespace

PIO_PLUGIN("echo_example", "0.3.0", load)
