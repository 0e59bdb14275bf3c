// RopeConfig from either config.json spelling (4.x rope_theta + rope_scaling, 5.x rope_parameters).
#include "pio/sdk/model_config_rope.h"

#include "pio/sdk/error.h"

namespace pio {

namespace {

double positive(const JsonValue& obj, std::string_view key, double value) {
  if (!(value > 0)) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}/{}: must be > 0, got {}", obj.source(), obj.pointer(), key, value);
  }
  return value;
}

void require_object(const JsonValue& v) {
  if (!v.is_object()) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}: expected an object, got {}", v.source(),
                v.pointer().empty() ? "(root)" : v.pointer(), json_type_name(v.type()));
  }
}

}  // namespace

const char* RopeConfig::type_name() const noexcept {
  switch (type) {
    case Type::kDefault: return "default";
    case Type::kLinear: return "linear";
    case Type::kDynamic: return "dynamic";
    case Type::kYarn: return "yarn";
    case Type::kLlama3: return "llama3";
  }
  return "?";
}

RopeConfig parse_rope_config(const JsonValue& config, double default_theta) {
  require_object(config);
  RopeConfig rope;
  const double top_theta = config.get_or<double>("rope_theta", default_theta);
  rope.partial_rotary_factor = config.get_or<double>("partial_rotary_factor", 1.0);

  std::optional<JsonValue> params;  // the dict holding rope_type and the scaling fields
  if (auto rp = config.find("rope_parameters"); rp && !rp->is_null()) {
    require_object(*rp);
    if (rp->has("rope_type") || rp->has("type") || rp->has("rope_theta")) {
      params = *rp;
    } else if (auto full = rp->find("full_attention")) {
      params = *full;  // per-layer-type parameters (5.x): the full-attention layers' settings
    } else {
      throw_error(ErrorCode::kBadFormat, "{}: field {}: has no rope_type/rope_theta and no full_attention entry",
                  rp->source(), rp->pointer());
    }
    require_object(*params);
    rope.theta = params->get_or<double>("rope_theta", top_theta);
  } else {
    rope.theta = top_theta;
    if (auto rs = config.find("rope_scaling"); rs && !rs->is_null()) {
      require_object(*rs);
      params = *rs;
    }
  }
  positive(params ? *params : config, "rope_theta", rope.theta);
  if (!params) return rope;

  const JsonValue& p = *params;
  rope.partial_rotary_factor = p.get_or<double>("partial_rotary_factor", rope.partial_rotary_factor);
  if (!(rope.partial_rotary_factor > 0 && rope.partial_rotary_factor <= 1)) {
    throw_error(ErrorCode::kBadFormat, "{}: partial_rotary_factor must be in (0, 1], got {}", p.source(),
                rope.partial_rotary_factor);
  }
  std::string type_field = p.has("rope_type") ? "rope_type" : "type";
  std::string type = p.get_or<std::string>(type_field, "default");
  if (type == "default" || type == "mrope") {
    rope.type = RopeConfig::Type::kDefault;
  } else if (type == "linear") {
    rope.type = RopeConfig::Type::kLinear;
  } else if (type == "dynamic") {
    rope.type = RopeConfig::Type::kDynamic;
  } else if (type == "yarn") {
    rope.type = RopeConfig::Type::kYarn;
  } else if (type == "llama3") {
    rope.type = RopeConfig::Type::kLlama3;
  } else {
    throw_error(ErrorCode::kUnsupported,
                "{}: field {}/{}: unknown rope type '{}' (supported: default, linear, dynamic, yarn, llama3)",
                p.source(), p.pointer(), type_field, type);
  }
  if (auto section = p.get_optional<std::vector<int64_t>>("mrope_section")) rope.mrope_section = *section;
  rope.mrope_interleaved = p.get_or<bool>("mrope_interleaved", false);

  const std::optional<int64_t> max_pos = config.get_optional<int64_t>("max_position_embeddings");
  rope.original_max_position_embeddings = p.get_optional<int64_t>("original_max_position_embeddings");
  if (rope.type == RopeConfig::Type::kDefault) return rope;

  std::optional<double> factor = p.get_optional<double>("factor");
  if (!factor && rope.type == RopeConfig::Type::kYarn && rope.original_max_position_embeddings && max_pos) {
    // transformers: a yarn dict without "factor" scales by max / original context.
    factor = static_cast<double>(*max_pos) / static_cast<double>(*rope.original_max_position_embeddings);
  }
  if (!factor) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}: rope type '{}' needs a \"factor\"", p.source(), p.pointer(), type);
  }
  if (!(*factor >= 1.0)) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}/factor: must be >= 1 for rope type '{}', got {}", p.source(),
                p.pointer(), type, *factor);
  }
  rope.factor = *factor;
  if (!rope.original_max_position_embeddings) rope.original_max_position_embeddings = max_pos;
  if (rope.original_max_position_embeddings && *rope.original_max_position_embeddings <= 0) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}/original_max_position_embeddings: must be > 0", p.source(),
                p.pointer());
  }

  if (rope.type == RopeConfig::Type::kYarn) {
    rope.attention_factor = p.get_optional<double>("attention_factor");
    rope.beta_fast = p.get_or<double>("beta_fast", 32.0);
    rope.beta_slow = p.get_or<double>("beta_slow", 1.0);
    rope.mscale = p.get_optional<double>("mscale");
    rope.mscale_all_dim = p.get_optional<double>("mscale_all_dim");
    rope.truncate = p.get_or<bool>("truncate", true);
    if (!rope.original_max_position_embeddings) {
      throw_error(ErrorCode::kBadFormat, "{}: field {}: yarn needs original_max_position_embeddings or "
                  "max_position_embeddings", p.source(), p.pointer());
    }
  } else if (rope.type == RopeConfig::Type::kLlama3) {
    rope.low_freq_factor = positive(p, "low_freq_factor", p.get<double>("low_freq_factor"));
    rope.high_freq_factor = positive(p, "high_freq_factor", p.get<double>("high_freq_factor"));
    (void)p["original_max_position_embeddings"];  // required by transformers: kNotFound when absent
    if (rope.high_freq_factor <= rope.low_freq_factor) {
      throw_error(ErrorCode::kBadFormat, "{}: field {}: high_freq_factor ({}) must exceed low_freq_factor ({})",
                  p.source(), p.pointer(), rope.high_freq_factor, rope.low_freq_factor);
    }
  }
  return rope;
}

}  // namespace pio
