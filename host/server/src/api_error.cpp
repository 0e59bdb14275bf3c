#include "pio/server/api_error.h"

#include <utility>

#include "json_writer.h"

namespace pio::server {

ApiError::ApiError(int status, std::string type, std::string message, std::string param, std::string code)
    : std::runtime_error(std::move(message)),
      status_(status),
      type_(std::move(type)),
      param_(std::move(param)),
      code_(std::move(code)) {}

ApiError invalid_request(std::string message, std::string param, std::string code) {
  return ApiError(400, "invalid_request_error", std::move(message), std::move(param), std::move(code));
}

std::string error_json(const ApiError& error) {
  JsonWriter w;
  w.start_object();
  w.key("error");
  w.start_object();
  w.field("message", error.what());
  w.field("type", error.type());
  w.key("param");
  error.param().empty() ? w.null() : w.string(error.param());
  w.key("code");
  if (!error.code().empty()) {
    w.string(error.code());
  } else {
    w.null();
  }
  w.end_object();
  w.end_object();
  return w.take();
}

}  // namespace pio::server
