// config.json loading and DecoderDims validation.
#include "pio/sdk/model_config.h"

#include "pio/sdk/error.h"

namespace pio {

namespace {

int64_t positive_int(const JsonValue& cfg, std::string_view key, int64_t value) {
  if (value <= 0) throw_error(ErrorCode::kBadFormat, "{}: field /{}: must be > 0, got {}", cfg.source(), key, value);
  return value;
}

}  // namespace

JsonValue load_model_config(const std::filesystem::path& model_dir) {
  JsonValue cfg = parse_json_file(model_dir / "config.json");
  if (!cfg.is_object()) {
    throw_error(ErrorCode::kBadFormat, "{}: expected a JSON object, got {}", cfg.source(), json_type_name(cfg.type()));
  }
  return cfg;
}

DecoderDims parse_decoder_dims(const JsonValue& cfg, bool tie_default) {
  if (!cfg.is_object()) {
    throw_error(ErrorCode::kBadFormat, "{}: expected a JSON object, got {}", cfg.source(), json_type_name(cfg.type()));
  }
  DecoderDims d;
  d.model_type = cfg.get_or<std::string>("model_type", "");
  d.architectures = cfg.get_or<std::vector<std::string>>("architectures", {});
  d.vocab_size = positive_int(cfg, "vocab_size", cfg.get<int64_t>("vocab_size"));
  d.hidden_size = positive_int(cfg, "hidden_size", cfg.get<int64_t>("hidden_size"));
  d.num_hidden_layers = positive_int(cfg, "num_hidden_layers", cfg.get<int64_t>("num_hidden_layers"));
  d.num_attention_heads = positive_int(cfg, "num_attention_heads", cfg.get<int64_t>("num_attention_heads"));
  d.num_key_value_heads =
      positive_int(cfg, "num_key_value_heads", cfg.get_or<int64_t>("num_key_value_heads", d.num_attention_heads));
  if (d.num_attention_heads % d.num_key_value_heads != 0) {
    throw_error(ErrorCode::kBadFormat, "{}: num_attention_heads ({}) is not a multiple of num_key_value_heads ({})",
                cfg.source(), d.num_attention_heads, d.num_key_value_heads);
  }
  if (auto hd = cfg.get_optional<int64_t>("head_dim")) {
    d.head_dim = positive_int(cfg, "head_dim", *hd);
  } else {
    if (d.hidden_size % d.num_attention_heads != 0) {
      throw_error(ErrorCode::kBadFormat,
                  "{}: no head_dim, and hidden_size ({}) is not a multiple of num_attention_heads ({})", cfg.source(),
                  d.hidden_size, d.num_attention_heads);
    }
    d.head_dim = d.hidden_size / d.num_attention_heads;
  }
  if (d.head_dim % 2 != 0) {
    throw_error(ErrorCode::kBadFormat, "{}: head_dim ({}) must be even for rotary embeddings", cfg.source(), d.head_dim);
  }
  d.intermediate_size = cfg.get_or<int64_t>("intermediate_size", 0);
  if (d.intermediate_size < 0) positive_int(cfg, "intermediate_size", d.intermediate_size);
  d.rms_norm_eps = cfg.get_or<double>("rms_norm_eps", 1e-6);
  if (!(d.rms_norm_eps > 0 && d.rms_norm_eps < 1)) {
    throw_error(ErrorCode::kBadFormat, "{}: field /rms_norm_eps: must be in (0, 1), got {}", cfg.source(), d.rms_norm_eps);
  }
  d.max_position_embeddings = cfg.get_or<int64_t>("max_position_embeddings", 0);
  if (d.max_position_embeddings < 0) positive_int(cfg, "max_position_embeddings", d.max_position_embeddings);
  d.tie_word_embeddings = cfg.get_or<bool>("tie_word_embeddings", tie_default);
  d.attention_bias = cfg.get_or<bool>("attention_bias", false);
  d.torch_dtype = cfg.get_or<std::string>("dtype", cfg.get_or<std::string>("torch_dtype", ""));
  d.bos_token_id = cfg.get_optional<int64_t>("bos_token_id");
  if (auto eos = cfg.find("eos_token_id"); eos && !eos->is_null()) {
    d.eos_token_ids = eos->is_array() ? eos->as<std::vector<int64_t>>() : std::vector<int64_t>{eos->as<int64_t>()};
  }
  return d;
}

}  // namespace pio
