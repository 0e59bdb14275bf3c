// GenerationConfig: generation_config.json over transformers' GenerationConfig defaults.
#include "pio/sdk/model_config_generation.h"

#include <limits>

#include "pio/sdk/error.h"

namespace pio {

namespace {

// "eos_token_id": 151645 | [151645, 151643] | null | absent.
std::optional<std::vector<int64_t>> id_list(const JsonValue& obj, std::string_view key) {
  auto v = obj.find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_array()) return v->as<std::vector<int64_t>>();
  return std::vector<int64_t>{v->as<int64_t>()};
}

void check_range(const JsonValue& obj, std::string_view key, double value, double lo, double hi, bool lo_open) {
  bool ok = (lo_open ? value > lo : value >= lo) && value <= hi;
  if (!ok) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}/{}: {} is outside {}{}, {}]", obj.source(), obj.pointer(), key,
                value, lo_open ? "(" : "[", lo, hi);
  }
}

}  // namespace

GenerationConfig parse_generation_config(const JsonValue& gen, const JsonValue& model_config) {
  GenerationConfig g;
  const bool have_model = model_config.is_valid() && model_config.is_object();
  if (gen.is_valid()) {
    if (!gen.is_object()) {
      throw_error(ErrorCode::kBadFormat, "{}: expected a JSON object, got {}", gen.source(), json_type_name(gen.type()));
    }
    g.from_file = true;
    if (auto ids = id_list(gen, "eos_token_id")) g.eos_token_ids = *ids;
    g.bos_token_id = gen.get_optional<int64_t>("bos_token_id");
    g.pad_token_id = gen.get_optional<int64_t>("pad_token_id");
    g.do_sample = gen.get_or<bool>("do_sample", g.do_sample);
    g.temperature = gen.get_or<double>("temperature", g.temperature);
    g.top_k = gen.get_or<int64_t>("top_k", g.top_k);
    g.top_p = gen.get_or<double>("top_p", g.top_p);
    g.min_p = gen.get_or<double>("min_p", g.min_p);
    g.repetition_penalty = gen.get_or<double>("repetition_penalty", g.repetition_penalty);
    g.max_new_tokens = gen.get_optional<int64_t>("max_new_tokens");
    g.max_length = gen.get_or<int64_t>("max_length", g.max_length);
    const double inf = std::numeric_limits<double>::infinity();
    check_range(gen, "temperature", g.temperature, 0.0, inf, false);
    check_range(gen, "top_p", g.top_p, 0.0, 1.0, false);
    check_range(gen, "min_p", g.min_p, 0.0, 1.0, false);
    check_range(gen, "repetition_penalty", g.repetition_penalty, 0.0, inf, true);
    check_range(gen, "top_k", static_cast<double>(g.top_k), 0.0, inf, false);
    if (g.max_new_tokens) check_range(gen, "max_new_tokens", static_cast<double>(*g.max_new_tokens), 0.0, inf, false);
  }
  if (have_model) {
    if (g.eos_token_ids.empty()) {
      if (auto ids = id_list(model_config, "eos_token_id")) g.eos_token_ids = *ids;
    }
    if (!g.bos_token_id) g.bos_token_id = model_config.get_optional<int64_t>("bos_token_id");
    if (!g.pad_token_id) g.pad_token_id = model_config.get_optional<int64_t>("pad_token_id");
  }
  return g;
}

GenerationConfig load_generation_config(const std::filesystem::path& model_dir) {
  std::error_code ec;
  JsonValue model_config;
  if (std::filesystem::exists(model_dir / "config.json", ec)) model_config = parse_json_file(model_dir / "config.json");
  JsonValue gen;
  if (std::filesystem::exists(model_dir / "generation_config.json", ec)) {
    gen = parse_json_file(model_dir / "generation_config.json");
  }
  return parse_generation_config(gen, model_config);
}

}  // namespace pio
