// ApiError — an HTTP error answered in OpenAI's form:
//   {"error": {"message": "...", "type": "invalid_request_error", "param": "temperature",
//              "code": "invalid_value"}}
// Request parsing and the handlers throw it; the HTTP layer turns it into the status and body.
//
// Thread-safety: plain values.
#pragma once

#include <stdexcept>
#include <string>

namespace pio::server {

class ApiError : public std::runtime_error {
 public:
  // `status`: the HTTP status (4xx / 5xx). `type`: OpenAI's error type
  // ("invalid_request_error", "authentication_error", "not_found_error", "server_error", ...).
  // `param` / `code`: empty means JSON null.
  ApiError(int status, std::string type, std::string message, std::string param = {}, std::string code = {});

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string type_;
  std::string param_;
  std::string code_;
};

// 400 invalid_request_error naming `param` (may be empty). `code` defaults to "invalid_value".
ApiError invalid_request(std::string message, std::string param = {}, std::string code = "invalid_value");

// The JSON body of an error: {"error": {"message", "type", "param", "code"}}.
std::string error_json(const ApiError& error);

}  // namespace pio::server
