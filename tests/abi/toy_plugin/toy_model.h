// The toy plugin's model and session: a deterministic stand-in for a language model, used to
// test the ABI adapter, the loader and hot swap without weights. See README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pio/sdk/model.h"
#include "pio/sdk/plugin_progress.h"

namespace pio::toy {

// Byte tokenizer: ids 0..2 are <bos>, <eos>, <pad>; byte b is id b + 3.
inline constexpr pio_token kBos = 0;
inline constexpr pio_token kEos = 1;
inline constexpr pio_token kPad = 2;
inline constexpr pio_token kFirstByte = 3;
inline constexpr int64_t kVocabSize = 256 + kFirstByte;

// What config.json of a toy model holds (all optional but model_type/architectures).
struct ToyConfig {
  int64_t context_length = 256;  // "max_position_embeddings"
  int64_t eval_delay_ms = 0;     // "eval_delay_ms": sleep per eval, for concurrency tests
};

// Logit of vocabulary entry `v` after a token history whose hash is `history_hash`. Versions
// differ by `offset` (toy 1.0.0: 0, toy 1.1.0: 2), so which build served a request is visible
// in every logit: toy 1.0.0 logits lie in [-1, 1), toy 1.1.0 logits in [1, 3).
float toy_logit(uint64_t history_hash, pio_token v, float offset);
// Hash of a history extended by one token (the first token extends kHistorySeed).
inline constexpr uint64_t kHistorySeed = 0x243F6A8885A308D3ull;
uint64_t extend_history(uint64_t history_hash, pio_token token);

class ToyModel final : public sdk::Model {
 public:
  ToyModel(ToyConfig config, int64_t context_length, float logit_offset);

  sdk::ModelInfo describe() const override;
  std::vector<pio_token> tokenize(std::string_view text, bool add_special) const override;
  std::string detokenize(std::span<const pio_token> tokens, bool skip_special) const override;
  std::string render_chat_template(std::string_view messages_json, std::string_view options_json) const override;
  std::unique_ptr<sdk::Session> create_session(const sdk::SessionOptions& options) const override;

 private:
  ToyConfig config_;
  int64_t context_length_;
  float logit_offset_;
};

// Loads a toy model directory (config.json with model_type "toy"); logit_offset is the build's
// version marker (see toy_logit).
std::unique_ptr<sdk::Model> load_toy_model(const std::filesystem::path& model_dir, const sdk::LoadOptions& options,
                                           const sdk::Progress& progress, float logit_offset);

}  // namespace pio::toy
