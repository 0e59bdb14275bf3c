// From a parsed API request to a generation: prompt rendering and tokenisation, the checks that
// need the model (context length, token ids, template errors), sampling values over the model's
// defaults, and running generate() on a pooled session with metrics. Private to pio_server;
// the HTTP layer (server.cpp) decides how results are written.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "pio/generation/generator.h"
#include "pio/server/openai_request.h"
#include "pio/server/openai_response.h"
#include "pio/server/served_models.h"
#include "pio/server/server_options.h"

namespace pio::server {

class Metrics;

// Everything checked before the request waits for a slot.
struct PreparedGeneration {
  ApiRequest api;
  InstanceHandle instance;
  GenerationRequest request;
  ResponseContext context;
  std::chrono::steady_clock::time_point arrival;
};

// SamplingParams for an API request: the model's generation_config values where present
// (vLLM's rule), OpenAI's neutral defaults otherwise, then the request's fields. Throws ApiError.
SamplingParams api_sampling(const ModelProfile& profile, const SamplingOverrides& overrides);

// Resolves the model, renders and tokenises the prompt, checks it against the context and the
// vocabulary. Throws ApiError: 404 unknown model, 400 empty / too long prompt, template errors.
PreparedGeneration prepare_generation(const ServedModels& models, ApiRequest api, const ServerOptions& options,
                                      std::chrono::steady_clock::time_point arrival);

// Runs the generation on a pooled session; records metrics. `cancelled` is polled before every
// step. Throws ApiError (400 for request problems the loop finds, 500 for model failures).
GenerationResult run_generation(PreparedGeneration& prepared, Metrics& metrics, const GenerationCallback& on_event,
                                const std::function<bool()>& cancelled);

}  // namespace pio::server
