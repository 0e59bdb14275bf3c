// Default implementations of the optional Model / Session operations.
#include "pio/sdk/error.h"
#include "pio/sdk/model.h"
#include "pio/sdk/session.h"

namespace pio::sdk {

std::string Model::render_chat_template(std::string_view, std::string_view) const {
  throw_error(ErrorCode::kUnsupported, "render_chat_template: this model has no chat template");
}

void Session::truncate(size_t n_tokens) {
  throw_error(ErrorCode::kUnsupported, "session_truncate({}): this model cannot rewind its state",
              n_tokens);
}

}  // namespace pio::sdk
