// The in-process test plugin (see adapter_test_plugin.h): exercises the adapter from the C++
// side exactly as a real plugin would, through PIO_PLUGIN.
#include "adapter_test_plugin.h"

#include <charconv>
#include <string>

#include "pio/sdk/error.h"
#include "pio/sdk/plugin.h"
#include "tensor_ops/tensor_ops.hpp"  // pio::ops::KernelError (inline; no library needed)

namespace pio::adapter_test {
namespace {

class TestSession final : public sdk::Session {
 public:
  explicit TestSession(size_t context) : context_(context) { ++live_sessions; }
  ~TestSession() override { --live_sessions; }

  // Logit v of row r = 100 * position + v, so tests can tell rows apart.
  void eval(const sdk::EvalRequest& request) override {
    if (length_ + request.tokens.size() > context_) {
      throw_error(ErrorCode::kContextOverflow, "test: {} + {} > {}", length_, request.tokens.size(), context_);
    }
    const size_t first = length_;
    length_ += request.tokens.size();
    const size_t rows = request.logits.size() / kVocab;
    for (size_t r = 0; r < rows; ++r) {
      const size_t position = request.logits_mode == sdk::LogitsMode::kLast ? length_ - 1 : first + r;
      for (int v = 0; v < kVocab; ++v) request.logits[r * kVocab + v] = static_cast<float>(100 * position + v);
    }
    images_seen = request.images.size();
  }
  size_t length() const override { return length_; }
  // truncate() is not overridden: the SDK default reports kUnsupported.

  size_t images_seen = 0;

 private:
  size_t context_;
  size_t length_ = 0;
};

class TestModel final : public sdk::Model {
 public:
  explicit TestModel(bool vision) : vision_(vision) { ++live_models; }
  ~TestModel() override { --live_models; }

  sdk::ModelInfo describe() const override {
    sdk::ModelInfo info;
    info.architecture = "AdapterTestForCausalLM";
    info.model_type = "adapter_test";
    info.capabilities.vision = vision_;
    info.context_length = kContext;
    info.vocab_size = kVocab;
    info.special_tokens.eos = {7, 6};
    info.special_tokens.pad = 0;
    info.generation_defaults.temperature = 0.5;
    info.dtype = "f32";
    info.device = "cpu";
    info.extra = {{"test_extra", R"({"answer": 42})"}};
    return info;
  }
  std::vector<pio_token> tokenize(std::string_view text, bool add_special) const override {
    std::vector<pio_token> ids;
    if (add_special) ids.push_back(7);
    for (char c : text) ids.push_back(static_cast<unsigned char>(c) % kVocab);
    return ids;
  }
  std::string detokenize(std::span<const pio_token> tokens, bool skip_special) const override {
    std::string text;
    for (pio_token id : tokens) {
      if (id < 0 || id >= kVocab) throw_error(ErrorCode::kInvalidArgument, "test: id {} out of range", id);
      if (skip_special && id == 7) continue;
      text += static_cast<char>('0' + id);
    }
    return text;
  }
  std::unique_ptr<sdk::Session> create_session(const sdk::SessionOptions& options) const override {
    return std::make_unique<TestSession>(static_cast<size_t>(options.context_length));
  }

 private:
  bool vision_;
};

std::unique_ptr<sdk::Model> load(const std::filesystem::path& model_dir, const sdk::LoadOptions& options,
                                 const sdk::Progress& progress) {
  const std::string script = model_dir.string();
  progress.report(0.5f, "scripted load");
  if (script == "ok") return std::make_unique<TestModel>(false);
  if (script == "ok-vision") return std::make_unique<TestModel>(true);
  if (script == "cancel") {
    progress.throw_if_cancelled("test load");
    return std::make_unique<TestModel>(false);
  }
  if (script == "echo-options") {
    throw_error(ErrorCode::kInvalidArgument, "dtype={} 4bit={} context={} threads={} device={}", options.dtype,
                options.load_in_4bit, options.context_length, options.threads, options.device);
  }
  if (script == "throw:bad_alloc") throw std::bad_alloc();
  if (script == "throw:runtime_error") throw std::runtime_error("boom from the plugin");
  if (script == "throw:int") throw 42;
  if (script == "throw:kernel:shape") throw ops::KernelError(TOPS_ERR_SHAPE_MISMATCH, "tops_rmsnorm: weight has 64 elements");
  if (script == "throw:kernel:cuda") throw ops::KernelError(TOPS_ERR_CUDA, "tops_linear: cudaErrorIllegalAddress");
  if (script.rfind("throw:error:", 0) == 0) {
    int code = 0;
    const std::string digits = script.substr(12);
    std::from_chars(digits.data(), digits.data() + digits.size(), code);
    throw Error(static_cast<ErrorCode>(code), "scripted error " + digits);
  }
  throw_error(ErrorCode::kNotFound, "{}: unknown script", script);
}

}  // namespace
}  // namespace pio::adapter_test

PIO_PLUGIN("adapter_test", "3.2.1", pio::adapter_test::load)
