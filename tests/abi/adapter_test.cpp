// The SDK adapter seen from the host side of the ABI: the table it builds, exceptions turned
// into statuses, argument validation, option parsing, lifetimes, version negotiation.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "adapter_test_plugin.h"
#include "pio/plugin_abi.h"
#include "pio/sdk/abi_guard.h"
#include "pio/sdk/error.h"

namespace {

using pio::adapter_test::kContext;
using pio::adapter_test::kVocab;

struct LogCapture {
  std::vector<std::pair<pio_log_level, std::string>> lines;
  static void log(void* user_data, pio_log_level level, const char* message) {
    static_cast<LogCapture*>(user_data)->lines.emplace_back(level, message);
  }
  bool contains(std::string_view needle) const {
    for (const auto& [level, line] : lines) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

pio_host_api make_host(LogCapture& capture) {
  pio_host_api host{};
  host.struct_size = sizeof(host);
  host.abi_version = PIO_ABI_VERSION;
  host.user_data = &capture;
  host.log = &LogCapture::log;
  return host;
}

// A status read and freed at once: {code, message}; code 0 for NULL.
struct Outcome {
  pio_status_code code = PIO_OK;
  std::string message;
};

Outcome take(const pio_plugin_api* api, pio_status* status) {
  if (status == nullptr) return {};
  Outcome outcome{api->status_code(status), api->status_message(status)};
  api->status_release(status);
  return outcome;
}

struct Fixture {
  LogCapture capture;
  pio_host_api host = make_host(capture);
  const pio_plugin_api* api = pio_plugin_get_api(PIO_ABI_VERSION, &host);

  pio_model* load(const char* script, const char* options = nullptr) {
    pio_model* model = nullptr;
    const Outcome outcome = take(api, api->model_load(script, options, nullptr, &model));
    INFO(outcome.message);
    REQUIRE(outcome.code == PIO_OK);
    REQUIRE(model != nullptr);
    return model;
  }
};

}  // namespace

TEST_CASE("the entry returns a complete v1.0 table naming the plugin", "[abi][adapter]") {
  Fixture f;
  REQUIRE(f.api != nullptr);
  CHECK(f.api->struct_size == sizeof(pio_plugin_api));
  CHECK(f.api->abi_version == PIO_ABI_VERSION);
  CHECK(std::string(f.api->plugin_name) == "adapter_test");
  CHECK(std::string(f.api->plugin_version) == "3.2.1");
  CHECK(PIO_API_HAS(f.api, pio_plugin_api, status_code));
  CHECK(PIO_API_HAS(f.api, pio_plugin_api, text_release));
  CHECK(PIO_API_HAS(f.api, pio_plugin_api, tokens_release));
  CHECK(PIO_API_HAS(f.api, pio_plugin_api, model_render_chat_template));
  CHECK(PIO_API_HAS(f.api, pio_plugin_api, session_eval));
  CHECK(PIO_API_HAS(f.api, pio_plugin_api, session_truncate));
  // A second call returns the same static table.
  CHECK(pio_plugin_get_api(PIO_ABI_VERSION, &f.host) == f.api);
}

TEST_CASE("status codes are the numbers of pio::ErrorCode", "[abi][adapter]") {
  static_assert(PIO_ERR_INVALID_ARGUMENT == static_cast<int>(pio::ErrorCode::kInvalidArgument));
  static_assert(PIO_ERR_BAD_FORMAT == static_cast<int>(pio::ErrorCode::kBadFormat));
  static_assert(PIO_ERR_INTERNAL == static_cast<int>(pio::ErrorCode::kInternal));
  for (int code = 1; code <= 11; ++code) {
    pio_status* status = pio::sdk::abi_guard([&] { throw pio::Error(static_cast<pio::ErrorCode>(code), "x"); });
    CHECK(pio::sdk::status_code(status) == code);
    pio::sdk::status_release(status);
  }
}

TEST_CASE("abi_guard: no exception means a NULL status", "[abi][adapter]") {
  int calls = 0;
  CHECK(pio::sdk::abi_guard([&] { ++calls; }) == nullptr);
  CHECK(calls == 1);
}

TEST_CASE("exceptions thrown by the plugin become statuses with the right code", "[abi][adapter]") {
  Fixture f;
  struct Case {
    const char* script;
    pio_status_code code;
    const char* message_part;
  };
  const Case which = GENERATE(Case{"throw:error:1", PIO_ERR_INVALID_ARGUMENT, "scripted error 1"},
                              Case{"throw:error:2", PIO_ERR_NOT_FOUND, "scripted error 2"},
                              Case{"throw:error:3", PIO_ERR_UNSUPPORTED, "scripted error 3"},
                              Case{"throw:error:5", PIO_ERR_DEVICE, "scripted error 5"},
                              Case{"throw:error:6", PIO_ERR_IO, "scripted error 6"},
                              Case{"throw:error:7", PIO_ERR_BAD_FORMAT, "scripted error 7"},
                              Case{"throw:error:10", PIO_ERR_CONTEXT_OVERFLOW, "scripted error 10"},
                              Case{"throw:bad_alloc", PIO_ERR_OUT_OF_MEMORY, "out of memory"},
                              Case{"throw:runtime_error", PIO_ERR_INTERNAL, "boom from the plugin"},
                              Case{"throw:int", PIO_ERR_INTERNAL, "unknown exception"},
                              Case{"throw:kernel:shape", PIO_ERR_INVALID_ARGUMENT, "libtensor_ops: tops_rmsnorm"},
                              Case{"throw:kernel:cuda", PIO_ERR_DEVICE, "cudaErrorIllegalAddress"},
                              Case{"no-such-script", PIO_ERR_NOT_FOUND, "no-such-script: unknown script"});
  CAPTURE(which.script);
  pio_model* sentinel = reinterpret_cast<pio_model*>(&f);  // out-params stay untouched on error
  pio_model* model = sentinel;
  const Outcome outcome = take(f.api, f.api->model_load(which.script, nullptr, nullptr, &model));
  CHECK(outcome.code == which.code);
  CHECK_THAT(outcome.message, Catch::Contains(which.message_part));
  CHECK(model == sentinel);
  CHECK(pio::adapter_test::live_models == 0);
}

TEST_CASE("model_load options are parsed and checked by the adapter", "[abi][adapter]") {
  Fixture f;
  pio_model* model = nullptr;
  SECTION("values reach the plugin") {
    const Outcome outcome = take(f.api, f.api->model_load("echo-options",
        R"({"dtype":"bf16","load_in_4bit":true,"context_length":77,"threads":3,"device":"cuda:1"})", nullptr, &model));
    CHECK(outcome.message == "dtype=bf16 4bit=true context=77 threads=3 device=cuda:1");
  }
  SECTION("defaults when options are NULL") {
    const Outcome outcome = take(f.api, f.api->model_load("echo-options", nullptr, nullptr, &model));
    CHECK(outcome.message == "dtype=auto 4bit=false context=0 threads=0 device=auto");
  }
  SECTION("malformed JSON") {
    const Outcome outcome = take(f.api, f.api->model_load("ok", R"({"dtype": )", nullptr, &model));
    CHECK(outcome.code == PIO_ERR_BAD_FORMAT);
    CHECK_THAT(outcome.message, Catch::Contains("model_load options: malformed JSON"));
  }
  SECTION("not an object") {
    CHECK(take(f.api, f.api->model_load("ok", "[1]", nullptr, &model)).code == PIO_ERR_BAD_FORMAT);
  }
  SECTION("wrong types and values name the key") {
    const auto [options, key] = GENERATE(table<const char*, const char*>({
        {R"({"dtype": 16})", "\"dtype\""},
        {R"({"dtype": "int3"})", "\"dtype\""},
        {R"({"load_in_4bit": "yes"})", "\"load_in_4bit\""},
        {R"({"context_length": -5})", "\"context_length\""},
        {R"({"threads": 1.5})", "\"threads\""},
        {R"({"device": "tpu"})", "\"device\""},
        {R"({"device": "cuda:x"})", "\"device\""},
    }));
    const Outcome outcome = take(f.api, f.api->model_load("ok", options, nullptr, &model));
    CHECK(outcome.code == PIO_ERR_INVALID_ARGUMENT);
    CHECK_THAT(outcome.message, Catch::Contains(key));
  }
  SECTION("unknown keys are a warning through the host log") {
    model = f.load("ok", R"({"flash_attention": true})");
    CHECK(f.capture.contains("unknown key \"flash_attention\" ignored"));
    f.api->model_release(model);
  }
  CHECK(pio::adapter_test::live_models == 0);
}

TEST_CASE("model_describe reports ModelInfo as the documented JSON", "[abi][adapter]") {
  Fixture f;
  pio_model* model = f.load("ok");
  pio_text* text = nullptr;
  REQUIRE(take(f.api, f.api->model_describe(model, &text)).code == PIO_OK);
  const std::string json(f.api->text_data(text), f.api->text_size(text));
  f.api->text_release(text);
  rapidjson::Document document;
  document.Parse(json.c_str());
  INFO(json);
  REQUIRE(document.IsObject());
  CHECK(std::string(document["architecture"].GetString()) == "AdapterTestForCausalLM");
  CHECK(std::string(document["model_type"].GetString()) == "adapter_test");
  CHECK(document["capabilities"]["text"].GetBool());
  CHECK_FALSE(document["capabilities"]["vision"].GetBool());
  CHECK(document["context_length"].GetInt() == kContext);
  CHECK(document["vocab_size"].GetInt() == kVocab);
  CHECK(document["special_tokens"]["bos"].IsNull());
  REQUIRE(document["special_tokens"]["eos"].Size() == 2);
  CHECK(document["special_tokens"]["eos"][0].GetInt() == 7);
  CHECK(document["special_tokens"]["pad"].GetInt() == 0);
  CHECK_FALSE(document["chat_template"].GetBool());
  CHECK(document["generation_defaults"]["temperature"].GetDouble() == 0.5);
  CHECK_FALSE(document["generation_defaults"].HasMember("top_k"));
  CHECK(document["test_extra"]["answer"].GetInt() == 42);
  f.api->model_release(model);
}

TEST_CASE("tokenize and detokenize go through result objects", "[abi][adapter]") {
  Fixture f;
  pio_model* model = f.load("ok");
  std::mt19937 rng(1234);
  std::string input(37, '\0');
  for (char& c : input) c = static_cast<char>('a' + rng() % 26);

  pio_tokens* tokens = nullptr;
  REQUIRE(take(f.api, f.api->model_tokenize(model, input.data(), input.size(), 1, &tokens)).code == PIO_OK);
  REQUIRE(f.api->tokens_count(tokens) == input.size() + 1);
  const pio_token* ids = f.api->tokens_data(tokens);
  CHECK(ids[0] == 7);
  for (size_t i = 0; i < input.size(); ++i) CHECK(ids[i + 1] == static_cast<unsigned char>(input[i]) % kVocab);

  pio_text* text = nullptr;
  REQUIRE(take(f.api, f.api->model_detokenize(model, ids, f.api->tokens_count(tokens), 1, &text)).code == PIO_OK);
  std::string expected;  // skip_special drops id 7 (the test model's only special id)
  for (char c : input) {
    const int id = static_cast<unsigned char>(c) % kVocab;
    if (id != 7) expected += static_cast<char>('0' + id);
  }
  CHECK(expected.size() < input.size());  // the input does contain id 7, so skipping is tested
  CHECK(std::string(f.api->text_data(text), f.api->text_size(text)) == expected);
  CHECK(f.api->text_data(text)[f.api->text_size(text)] == '\0');
  f.api->text_release(text);
  f.api->tokens_release(tokens);

  SECTION("empty input is fine") {
    REQUIRE(take(f.api, f.api->model_tokenize(model, nullptr, 0, 0, &tokens)).code == PIO_OK);
    CHECK(f.api->tokens_count(tokens) == 0);
    f.api->tokens_release(tokens);
  }
  SECTION("NULL text with a size is an invalid argument") {
    CHECK(take(f.api, f.api->model_tokenize(model, nullptr, 3, 0, &tokens)).code == PIO_ERR_INVALID_ARGUMENT);
  }
  SECTION("an unknown id is reported by the plugin") {
    const pio_token bad[] = {1, 99};
    const Outcome outcome = take(f.api, f.api->model_detokenize(model, bad, 2, 0, &text));
    CHECK(outcome.code == PIO_ERR_INVALID_ARGUMENT);
    CHECK_THAT(outcome.message, Catch::Contains("id 99"));
  }
  SECTION("no chat template: the SDK default says unsupported") {
    const Outcome outcome = take(f.api, f.api->model_render_chat_template(model, "[]", nullptr, &text));
    CHECK(outcome.code == PIO_ERR_UNSUPPORTED);
  }
  f.api->model_release(model);
  // Release functions accept NULL.
  f.api->text_release(nullptr);
  f.api->tokens_release(nullptr);
  f.api->status_release(nullptr);
  f.api->model_release(nullptr);
  f.api->session_release(nullptr);
}

TEST_CASE("session_eval validates its arguments before the plugin sees them", "[abi][adapter]") {
  Fixture f;
  pio_model* model = f.load("ok");
  pio_session* session = nullptr;
  REQUIRE(take(f.api, f.api->session_create(model, nullptr, &session)).code == PIO_OK);
  const pio_token tokens[3] = {1, 2, 3};
  std::vector<float> logits(3 * kVocab, -1.0f);
  pio_eval_args args{};
  args.struct_size = sizeof(args);
  args.abi_version = PIO_ABI_VERSION;
  args.tokens = tokens;
  args.n_tokens = 3;
  args.logits = logits.data();
  args.logits_capacity = logits.size();
  args.logits_mode = PIO_LOGITS_ALL;

  SECTION("ALL writes one row per token") {
    REQUIRE(take(f.api, f.api->session_eval(session, &args)).code == PIO_OK);
    CHECK(f.api->session_length(session) == 3);
    CHECK(logits[0] == 0.0f);
    CHECK(logits[2 * kVocab + 5] == 205.0f);
    args.logits_mode = PIO_LOGITS_LAST;
    args.n_tokens = 1;
    REQUIRE(take(f.api, f.api->session_eval(session, &args)).code == PIO_OK);
    CHECK(logits[4] == 304.0f);
    CHECK(logits[kVocab] == 100.0f);  // row 1 untouched by LAST
  }
  SECTION("a logits buffer one float short is refused, cache unchanged") {
    args.logits_capacity = 3 * kVocab - 1;
    const Outcome outcome = take(f.api, f.api->session_eval(session, &args));
    CHECK(outcome.code == PIO_ERR_INVALID_ARGUMENT);
    CHECK_THAT(outcome.message, Catch::Contains("3 rows x 8 need 24"));
    CHECK(f.api->session_length(session) == 0);
  }
  SECTION("NONE needs no buffer") {
    args.logits_mode = PIO_LOGITS_NONE;
    args.logits = nullptr;
    args.logits_capacity = 0;
    CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_OK);
    CHECK(f.api->session_length(session) == 3);
  }
  SECTION("bad requests") {
    SECTION("no tokens") { args.n_tokens = 0; }
    SECTION("NULL tokens") { args.tokens = nullptr; }
    SECTION("unknown logits mode") { args.logits_mode = 7; }
    SECTION("NULL logits") { args.logits = nullptr; }
    CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_ERR_INVALID_ARGUMENT);
    CHECK(f.api->session_length(session) == 0);
  }
  SECTION("args from another ABI major") {
    args.abi_version = PIO_ABI_MAKE_VERSION(2, 0);
    CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_ERR_ABI_MISMATCH);
  }
  SECTION("images given to a text model") {
    std::vector<uint8_t> pixels(2 * 2 * 3, 128);
    pio_image image{sizeof(pio_image), PIO_ABI_VERSION, PIO_PIXEL_FORMAT_RGB8, 0, 2, 2, 6, pixels.data()};
    const pio_image* images[] = {&image};
    args.images = images;
    args.n_images = 1;
    CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_ERR_UNSUPPORTED);
  }
  SECTION("context overflow comes from the plugin and appends nothing") {
    std::vector<pio_token> many(kContext + 1, 1);
    args.tokens = many.data();
    args.n_tokens = many.size();
    args.logits_mode = PIO_LOGITS_LAST;
    CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_ERR_CONTEXT_OVERFLOW);
    CHECK(f.api->session_length(session) == 0);
  }
  SECTION("truncate: no-op at or beyond the length, else the SDK default is unsupported") {
    REQUIRE(take(f.api, f.api->session_eval(session, &args)).code == PIO_OK);
    CHECK(take(f.api, f.api->session_truncate(session, 3)).code == PIO_OK);
    CHECK(take(f.api, f.api->session_truncate(session, 1)).code == PIO_ERR_UNSUPPORTED);
    CHECK(f.api->session_length(session) == 3);
  }
  f.api->session_release(session);
  f.api->model_release(model);
  CHECK(pio::adapter_test::live_sessions == 0);
  CHECK(pio::adapter_test::live_models == 0);
}

TEST_CASE("images reach a vision model after validation", "[abi][adapter]") {
  Fixture f;
  pio_model* model = f.load("ok-vision");
  pio_session* session = nullptr;
  REQUIRE(take(f.api, f.api->session_create(model, R"({"context_length": 8})", &session)).code == PIO_OK);
  std::vector<uint8_t> pixels(4 * 3 * 3, 7);
  pio_image image{sizeof(pio_image), PIO_ABI_VERSION, PIO_PIXEL_FORMAT_RGB8, 0, 3, 4, 9, pixels.data()};
  const pio_image* images[] = {&image};
  const pio_token tokens[] = {5};
  pio_eval_args args{};
  args.struct_size = sizeof(args);
  args.abi_version = PIO_ABI_VERSION;
  args.tokens = tokens;
  args.n_tokens = 1;
  args.images = images;
  args.n_images = 1;
  args.logits_mode = PIO_LOGITS_NONE;
  CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_OK);
  image.stride_bytes = 8;  // < 3 * width
  CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_ERR_INVALID_ARGUMENT);
  image.stride_bytes = 9;
  image.format = 99;
  CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_ERR_UNSUPPORTED);
  images[0] = nullptr;
  CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_ERR_INVALID_ARGUMENT);
  f.api->session_release(session);
  f.api->model_release(model);
}

TEST_CASE("session_create checks its context against the model", "[abi][adapter]") {
  Fixture f;
  pio_model* model = f.load("ok");
  pio_session* session = nullptr;
  const Outcome outcome = take(f.api, f.api->session_create(model, R"({"context_length": 17})", &session));
  CHECK(outcome.code == PIO_ERR_INVALID_ARGUMENT);
  CHECK_THAT(outcome.message, Catch::Contains("context_length 17 exceeds the model's 16"));
  CHECK(session == nullptr);
  f.api->model_release(model);
}

TEST_CASE("a session keeps its model alive after model_release", "[abi][adapter]") {
  Fixture f;
  pio_model* model = f.load("ok");
  pio_session* session = nullptr;
  REQUIRE(take(f.api, f.api->session_create(model, nullptr, &session)).code == PIO_OK);
  f.api->model_release(model);
  CHECK(pio::adapter_test::live_models == 1);
  const pio_token token = 3;
  float logits[kVocab] = {};
  pio_eval_args args{sizeof(pio_eval_args), PIO_ABI_VERSION, &token, 1, nullptr, 0, logits, kVocab, nullptr,
                     PIO_LOGITS_LAST, 0};
  CHECK(take(f.api, f.api->session_eval(session, &args)).code == PIO_OK);
  CHECK(logits[3] == 3.0f);
  f.api->session_release(session);
  CHECK(pio::adapter_test::live_models == 0);
}

TEST_CASE("progress reports reach the host and cancellation stops a load", "[abi][adapter]") {
  Fixture f;
  struct State {
    int cancel = 0;
    std::vector<float> fractions;
  } state;
  pio_progress progress{};
  progress.struct_size = sizeof(progress);
  progress.abi_version = PIO_ABI_VERSION;
  progress.user_data = &state;
  progress.report = [](void* user, float fraction, const char*) { static_cast<State*>(user)->fractions.push_back(fraction); };
  progress.is_cancelled = [](void* user) -> int32_t { return static_cast<State*>(user)->cancel; };
  pio_model* model = nullptr;

  state.cancel = 1;
  const Outcome outcome = take(f.api, f.api->model_load("cancel", nullptr, &progress, &model));
  CHECK(outcome.code == PIO_ERR_CANCELLED);
  CHECK_THAT(outcome.message, Catch::Contains("test load: cancelled"));
  CHECK(state.fractions == std::vector<float>{0.5f});

  state.cancel = 0;
  REQUIRE(take(f.api, f.api->model_load("cancel", nullptr, &progress, &model)).code == PIO_OK);
  f.api->model_release(model);

  SECTION("a progress struct from an older minor without is_cancelled is never cancelled") {
    progress.struct_size = static_cast<uint32_t>(offsetof(pio_progress, is_cancelled));
    state.cancel = 1;
    REQUIRE(take(f.api, f.api->model_load("cancel", nullptr, &progress, &model)).code == PIO_OK);
    f.api->model_release(model);
  }
}

TEST_CASE("version negotiation with the host", "[abi][adapter]") {
  LogCapture capture;
  pio_host_api host = make_host(capture);

  SECTION("a host of another major still gets the table, and its services are not used") {
    host.abi_version = PIO_ABI_MAKE_VERSION(2, 0);
    const pio_plugin_api* api = pio_plugin_get_api(PIO_ABI_MAKE_VERSION(2, 0), &host);
    REQUIRE(api != nullptr);
    CHECK(PIO_ABI_VERSION_GET_MAJOR(api->abi_version) == 1);
    pio_model* model = nullptr;
    take(api, api->model_load("ok", R"({"unknown_option": 1})", nullptr, &model));
    api->model_release(model);
    CHECK(capture.lines.empty());
  }
  SECTION("a host struct from an older minor without the log member is not called") {
    host.struct_size = static_cast<uint32_t>(offsetof(pio_host_api, log));
    const pio_plugin_api* api = pio_plugin_get_api(PIO_ABI_VERSION, &host);
    pio_model* model = nullptr;
    take(api, api->model_load("ok", R"({"unknown_option": 1})", nullptr, &model));
    api->model_release(model);
    CHECK(capture.lines.empty());
  }
  SECTION("a newer minor host is used") {
    host.abi_version = PIO_ABI_MAKE_VERSION(1, 9);
    const pio_plugin_api* api = pio_plugin_get_api(PIO_ABI_MAKE_VERSION(1, 9), &host);
    pio_model* model = nullptr;
    take(api, api->model_load("ok", R"({"unknown_option": 1})", nullptr, &model));
    api->model_release(model);
    CHECK(capture.contains("unknown key \"unknown_option\""));
  }
  SECTION("no host at all") {
    const pio_plugin_api* api = pio_plugin_get_api(PIO_ABI_VERSION, nullptr);
    REQUIRE(api != nullptr);
    pio_model* model = nullptr;
    CHECK(take(api, api->model_load("ok", R"({"unknown_option": 1})", nullptr, &model)).code == PIO_OK);
    api->model_release(model);
  }
  // Leave the process with a valid host for later tests.
  static LogCapture quiet;
  static pio_host_api quiet_host = make_host(quiet);
  pio_plugin_get_api(PIO_ABI_VERSION, &quiet_host);
}
