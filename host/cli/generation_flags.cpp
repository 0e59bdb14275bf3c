#include "generation_flags.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pio/generation/thinking_splitter.h"
#include "pio/sdk/error.h"

namespace pio::cli {

void add_generation_flags(CLI::App* sub, GenerationFlags& flags) {
  sub->add_option("--max-new-tokens", flags.max_new_tokens,
                  fmt::format("Most tokens to generate (default: generation_config, else {})", kDefaultMaxNewTokens));
  sub->add_option("--temperature", flags.temperature, "Sampling temperature; 0 = greedy (default: generation_config)");
  sub->add_option("--top-k", flags.top_k, "Keep the k most likely tokens; 0 = off");
  sub->add_option("--top-p", flags.top_p, "Nucleus sampling mass; 1 = off");
  sub->add_option("--min-p", flags.min_p, "Drop tokens below min-p x the top probability; 0 = off");
  sub->add_option("--repetition-penalty", flags.repetition_penalty, "HF repetition penalty; 1 = off");
  sub->add_option("--presence-penalty", flags.presence_penalty, "OpenAI presence penalty in [-2, 2]");
  sub->add_option("--frequency-penalty", flags.frequency_penalty, "OpenAI frequency penalty in [-2, 2]");
  sub->add_option("--seed", flags.seed, "Sampler seed (default: random, printed with -v)");
  sub->add_option("--stop", flags.stop, "Stop string (repeatable); it is not printed");
  sub->add_flag_callback("--think", [&flags] { flags.think = true; }, "Enable thinking (template enable_thinking)");
  sub->add_flag_callback("--no-think", [&flags] { flags.think = false; }, "Disable thinking (enable_thinking=false)");
  sub->add_option("--tools", flags.tools_file, "JSON file with an OpenAI-style tools array; parsed calls are printed")
      ->check(CLI::ExistingFile);
  sub->add_option("--system", flags.system, "System message");
}

std::string read_tools_file(const GenerationFlags& flags) {
  if (flags.tools_file.empty()) return {};
  std::ifstream in(flags.tools_file, std::ios::binary);
  if (!in) throw_error(ErrorCode::kNotFound, "{}: cannot open the tools file", flags.tools_file);
  std::ostringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  if (doc.HasParseError() || !doc.IsArray())
    throw_error(ErrorCode::kBadFormat, "{}: expected a JSON array of tools", flags.tools_file);
  ToolSchemas::from_json(text.str());  // validates the elements
  return text.str();
}

GenerationRequest make_request(const ModelProfile& profile, const GenerationFlags& flags,
                               std::vector<int32_t> prompt_ids, std::string_view prompt_text, bool chat,
                               const std::string& tools_json) {
  GenerationRequest request;
  request.prompt = std::move(prompt_ids);
  SamplingParams& s = request.sampling;
  s = profile.sampling();
  if (flags.temperature) s.temperature = *flags.temperature;
  // An explicit positive temperature on a greedy-by-default model turns sampling on with HF's
  // filter defaults (top-k 50) unless the flags say otherwise.
  if (flags.temperature && *flags.temperature > 0 && profile.sampling().greedy() && !flags.top_k)
    s.top_k = profile.defaults.top_k.value_or(50);
  if (flags.top_k) s.top_k = *flags.top_k;
  if (flags.top_p) s.top_p = *flags.top_p;
  if (flags.min_p) s.min_p = *flags.min_p;
  if (flags.repetition_penalty) s.repetition_penalty = *flags.repetition_penalty;
  if (flags.presence_penalty) s.presence_penalty = *flags.presence_penalty;
  if (flags.frequency_penalty) s.frequency_penalty = *flags.frequency_penalty;
  if (flags.seed) s.seed = *flags.seed;
  validate(s);
  request.max_new_tokens = flags.max_new_tokens.value_or(profile.max_new_tokens.value_or(kDefaultMaxNewTokens));
  request.eos_ids = profile.eos_ids;
  request.stop = flags.stop;
  if (chat && profile.thinking) {
    request.split_thinking = true;
    request.starts_in_reasoning = prompt_opens_thinking(prompt_text);
  }
  if (!tools_json.empty()) request.tools = ToolSchemas::from_json(tools_json);
  return request;
}

std::string render_chat_prompt(const host::Model& model, const std::string& messages_json,
                               std::optional<bool> think, const std::string& tools_json) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("add_generation_prompt");
  w.Bool(true);
  if (think) {
    w.Key("enable_thinking");
    w.Bool(*think);
  }
  if (!tools_json.empty()) {
    w.Key("tools");
    w.RawValue(tools_json.data(), tools_json.size(), rapidjson::kArrayType);
  }
  w.EndObject();
  return model.render_chat_template(messages_json, buffer.GetString());
}

std::string usage_line(const GenerationResult& result) {
  const GenerationUsage& u = result.usage;
  std::string cached = u.cached_tokens > 0 ? fmt::format(" ({} cached)", u.cached_tokens) : "";
  return fmt::format(
      "prompt: {} tokens{} in {:.2f} s, {:.1f} tok/s | generation: {} tokens in {:.2f} s, {:.1f} tok/s | "
      "finish: {}",
      u.prompt_tokens, cached, u.prompt_seconds, u.prompt_tokens_per_second(), u.completion_tokens,
      u.generation_seconds, u.generation_tokens_per_second(), finish_reason_name(result.finish_reason));
}

}  // namespace pio::cli
