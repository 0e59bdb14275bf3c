#include "generation_service.h"

#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pio/generation/thinking_splitter.h"
#include "pio/generation/tool_schemas.h"
#include "pio/sdk/error.h"
#include "pio/server/api_error.h"
#include "pio/server/metrics.h"

namespace pio::server {
namespace {

ApiError model_error(const pio::Error& e, std::string_view what) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kBadFormat:
    case ErrorCode::kContextOverflow:
      return invalid_request(fmt::format("{}: {}", what, e.what()));
    case ErrorCode::kUnsupported:
      return invalid_request(fmt::format("{}: {}", what, e.what()), {}, "unsupported");
    default:
      return ApiError(500, "server_error", fmt::format("{}: {}", what, e.what()));
  }
}

}  // namespace

SamplingParams api_sampling(const ModelProfile& profile, const SamplingOverrides& o) {
  SamplingParams s;  // neutral: temperature 1, no filters, no penalties
  const GenerationDefaults& d = profile.defaults;
  if (d.temperature) s.temperature = *d.temperature;
  if (d.do_sample && !*d.do_sample) s.temperature = 0.0f;  // the checkpoint asks for greedy
  if (d.top_k) s.top_k = *d.top_k;
  if (d.top_p) s.top_p = *d.top_p;
  if (d.min_p) s.min_p = *d.min_p;
  if (d.repetition_penalty) s.repetition_penalty = *d.repetition_penalty;
  if (d.presence_penalty) s.presence_penalty = *d.presence_penalty;
  if (o.temperature) s.temperature = *o.temperature;
  if (o.top_p) s.top_p = *o.top_p;
  if (o.top_k) s.top_k = *o.top_k;
  if (o.min_p) s.min_p = *o.min_p;
  if (o.presence_penalty) s.presence_penalty = *o.presence_penalty;
  if (o.frequency_penalty) s.frequency_penalty = *o.frequency_penalty;
  if (o.repetition_penalty) s.repetition_penalty = *o.repetition_penalty;
  if (o.seed) s.seed = *o.seed;
  try {
    validate(s);
  } catch (const pio::Error& e) {
    throw invalid_request(e.what());
  }
  return s;
}

PreparedGeneration prepare_generation(const ServedModels& models, ApiRequest api, const ServerOptions& options,
                                      std::chrono::steady_clock::time_point arrival) {
  PreparedGeneration p;
  p.arrival = arrival;
  p.instance = models.acquire(api.model);
  if (!p.instance) {
    throw ApiError(404, "invalid_request_error", fmt::format("The model '{}' does not exist (see GET /v1/models)", api.model),
                   "model", "model_not_found");
  }
  ModelInstance& instance = *p.instance;
  const ModelProfile& profile = instance.profile();
  host::Model& model = *instance.model();
  const bool chat = api.kind == ApiRequest::Kind::kChat;

  std::string prompt_text;
  std::vector<int32_t> ids;
  try {
    if (chat) {
      if (!profile.chat_template) {
        throw invalid_request(fmt::format("model '{}' has no chat template; use /v1/completions", api.model), "model",
                              "unsupported");
      }
      prompt_text = model.render_chat_template(api.messages_json, api.template_options_json);
      ids = model.tokenize(prompt_text, /*add_special=*/false);
    } else if (api.prompt_ids) {
      ids = *api.prompt_ids;
      const size_t vocab = profile.vocab_size ? profile.vocab_size : model.vocab_size();
      for (int32_t id : ids) {
        if (vocab > 0 && static_cast<size_t>(id) >= vocab)
          throw invalid_request(fmt::format("'prompt' holds token id {}; the vocabulary has {} ids", id, vocab), "prompt");
      }
    } else {
      ids = model.tokenize(api.prompt, /*add_special=*/true);
    }
  } catch (const pio::Error& e) {
    throw model_error(e, chat ? "rendering the chat template" : "tokenizing the prompt");
  }
  const char* prompt_param = chat ? "messages" : "prompt";
  if (ids.empty()) throw invalid_request("the prompt is empty (no tokens)", prompt_param);
  const size_t context = instance.context_length();
  if (context > 0 && ids.size() >= context) {
    throw invalid_request(fmt::format("the prompt has {} tokens; this model's context holds {} (prompt and "
                                      "at least one generated token)",
                                      ids.size(), context),
                          prompt_param, "context_length_exceeded");
  }

  GenerationRequest& r = p.request;
  r.prompt = std::move(ids);
  r.sampling = api_sampling(profile, api.sampling);
  r.max_new_tokens = api.max_tokens.value_or(options.default_max_tokens);  // 0: until the context is full
  r.eos_ids = profile.eos_ids;
  r.stop = api.stop;
  if (chat && profile.thinking) {
    r.split_thinking = true;
    r.starts_in_reasoning = prompt_opens_thinking(prompt_text);
  }
  if (chat && !api.tools_json.empty()) r.tools = ToolSchemas::from_json(api.tools_json);

  p.context.id = random_id(chat ? "chatcmpl-" : "cmpl-");
  p.context.model = api.model;
  p.context.created = static_cast<int64_t>(std::time(nullptr));
  p.context.system_fingerprint = instance.fingerprint();
  p.api = std::move(api);
  return p;
}

GenerationResult run_generation(PreparedGeneration& p, Metrics& metrics, const GenerationCallback& on_event,
                                const std::function<bool()>& cancelled) {
  GenerationRequest& request = p.request;
  request.cancelled = cancelled;
  const auto start = std::chrono::steady_clock::now();
  GenerationResult result;
  {
    SessionLease lease = p.instance->lease_session(request.prompt);
    try {
      result = generate(lease.evaluator(), request, on_event);
    } catch (const pio::Error& e) {
      lease.discard();
      spdlog::warn("{} on {}: generation failed: {}", p.context.id, p.context.system_fingerprint, e.what());
      throw model_error(e, "generation failed");
    } catch (...) {
      lease.discard();
      throw;
    }
  }
  const auto end = std::chrono::steady_clock::now();
  const double queued = std::chrono::duration<double>(start - p.arrival).count();
  const GenerationUsage& u = result.usage;
  metrics.observe_generation(u.prompt_tokens, u.cached_tokens, u.completion_tokens,
                             u.completion_tokens > 0 ? queued + u.first_token_seconds : -1.0,
                             std::chrono::duration<double>(end - p.arrival).count(), u.generation_tokens_per_second());
  if (result.finish_reason == FinishReason::kCancelled) metrics.count_cancelled();
  return result;
}

}  // namespace pio::server
