// Session: RAII over pio_session (see session.h).
#include "pio/host/session.h"

#include <fmt/format.h>

#include "pio/sdk/error.h"

namespace pio::host {
namespace {

size_t rows_for(Logits mode, size_t n_tokens) {
  switch (mode) {
    case Logits::kNone: return 0;
    case Logits::kLast: return 1;
    case Logits::kAll: return n_tokens;
  }
  return 0;
}

}  // namespace

Session::~Session() {
  if (handle_ != nullptr) model_->plugin()->api().session_release(handle_);
  // model_ is released after this body: the model outlives its session handle.
}

std::vector<float> Session::eval(std::span<const pio_token> tokens, Logits mode,
                                 std::span<const pio_image* const> images, const Progress* progress) {
  const size_t rows = rows_for(mode, tokens.size());
  if (rows > 0 && model_->vocab_size() == 0) {
    throw_error(ErrorCode::kUnsupported, "{}: the model's vocab_size is unknown (describe JSON), cannot size logits",
                model_->model_dir().string());
  }
  std::vector<float> logits(rows * model_->vocab_size());
  eval_into(tokens, mode, logits, images, progress);
  return logits;
}

void Session::eval_into(std::span<const pio_token> tokens, Logits mode, std::span<float> logits,
                        std::span<const pio_image* const> images, const Progress* progress) {
  const pio_plugin_api* api = &model_->plugin()->api();
  model_->require(PIO_API_HAS(api, pio_plugin_api, session_eval), "session_eval");
  const pio_progress abi_progress = to_abi(progress);
  pio_eval_args args{};
  args.struct_size = sizeof(pio_eval_args);
  args.abi_version = PIO_ABI_VERSION;
  args.tokens = tokens.data();
  args.n_tokens = tokens.size();
  args.images = images.empty() ? nullptr : images.data();
  args.n_images = images.size();
  args.logits = logits.empty() ? nullptr : logits.data();
  args.logits_capacity = logits.size();
  args.progress = progress != nullptr ? &abi_progress : nullptr;
  args.logits_mode = static_cast<pio_logits_mode>(mode);
  model_->plugin()->check(api->session_eval(handle_, &args), "session_eval");
}

size_t Session::length() const {
  const pio_plugin_api* api = &model_->plugin()->api();
  model_->require(PIO_API_HAS(api, pio_plugin_api, session_length), "session_length");
  return api->session_length(handle_);
}

void Session::truncate(size_t n_tokens) {
  const pio_plugin_api* api = &model_->plugin()->api();
  model_->require(PIO_API_HAS(api, pio_plugin_api, session_truncate), "session_truncate");
  model_->plugin()->check(api->session_truncate(handle_, n_tokens), fmt::format("session_truncate {}", n_tokens));
}

}  // namespace pio::host
