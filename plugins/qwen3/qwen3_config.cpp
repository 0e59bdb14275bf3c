// config.json -> Qwen3Config.
#include "qwen3_config.h"

#include "pio/sdk/error.h"

namespace pio::qwen3 {

Qwen3Config Qwen3Config::parse(const JsonValue& config, const std::filesystem::path& source) {
  Qwen3Config c;
  // Qwen3Config defaults tie_word_embeddings to true (the 0.6B checkpoint relies on it).
  c.dims = parse_decoder_dims(config, /*tie_default=*/true);
  c.rope = parse_rope_config(config, /*default_theta=*/10000.0);
  if (c.dims.intermediate_size <= 0) {
    throw_error(ErrorCode::kBadFormat, "{}: intermediate_size must be positive", source.string());
  }
  if (c.dims.max_position_embeddings <= 0) {
    throw_error(ErrorCode::kBadFormat, "{}: max_position_embeddings must be positive",
                source.string());
  }
  if (config.get_or<bool>("use_sliding_window", false)) {
    throw_error(ErrorCode::kUnsupported,
                "{}: use_sliding_window=true (sliding-window attention) is not supported by the "
                "qwen3 plugin",
                source.string());
  }
  return c;
}

}  // namespace pio::qwen3
