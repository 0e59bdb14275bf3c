// The built test plugins as shared objects, opened with dlopen exactly as a loader would: the
// toy in two versions side by side, and the loader's negative cases (tests/abi/README.md).
#include <catch2/catch.hpp>
#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pio/plugin_abi.h"

namespace {

namespace fs = std::filesystem;

const fs::path kPluginDir = PIO_TEST_PLUGIN_DIR;
const fs::path kToyModelDir = PIO_TOY_MODEL_DIR;

// dlopen handle closed on scope exit.
struct Library {
  void* handle = nullptr;
  std::string error;
  explicit Library(const fs::path& path) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) error = dlerror();
  }
  ~Library() {
    if (handle != nullptr) dlclose(handle);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  pio_plugin_get_api_fn entry() const {
    return reinterpret_cast<pio_plugin_get_api_fn>(dlsym(handle, PIO_PLUGIN_ENTRY_SYMBOL));
  }
};

fs::path library_in(const std::string& dir, const std::string& name) {
  return kPluginDir / dir / ("libpio_" + name + ".so");
}

pio_host_api quiet_host() {
  pio_host_api host{};
  host.struct_size = sizeof(host);
  host.abi_version = PIO_ABI_VERSION;
  return host;
}

std::string take_message(const pio_plugin_api* api, pio_status* status) {
  if (status == nullptr) return "";
  std::string message = api->status_message(status);
  api->status_release(status);
  return message;
}

pio_model* load_model(const pio_plugin_api* api, const fs::path& dir, pio_status_code* code = nullptr) {
  pio_model* model = nullptr;
  pio_status* status = api->model_load(dir.c_str(), nullptr, nullptr, &model);
  if (code != nullptr) *code = status == nullptr ? PIO_OK : api->status_code(status);
  if (status != nullptr && code == nullptr) FAIL(take_message(api, status));
  if (status != nullptr) api->status_release(status);
  return model;
}

// Evaluates `tokens` in a fresh session and returns all logits rows.
std::vector<float> eval_all(const pio_plugin_api* api, pio_model* model, const std::vector<pio_token>& tokens,
                            int64_t vocab) {
  pio_session* session = nullptr;
  REQUIRE(take_message(api, api->session_create(model, nullptr, &session)).empty());
  std::vector<float> logits(tokens.size() * vocab);
  pio_eval_args args{sizeof(pio_eval_args), PIO_ABI_VERSION, tokens.data(), tokens.size(), nullptr, 0,
                     logits.data(), logits.size(), nullptr, PIO_LOGITS_ALL, 0};
  REQUIRE(take_message(api, api->session_eval(session, &args)).empty());
  api->session_release(session);
  return logits;
}

constexpr int64_t kToyVocab = 259;

}  // namespace

TEST_CASE("toy 1.0.0 and 1.1.0 load side by side and differ observably", "[abi][plugins]") {
  Library v1_0(library_in("toy-1.0.0", "toy"));
  Library v1_1(library_in("toy-1.1.0", "toy"));
  REQUIRE(v1_0.handle != nullptr);
  REQUIRE(v1_1.handle != nullptr);
  REQUIRE(v1_0.handle != v1_1.handle);
  const pio_host_api host = quiet_host();
  const pio_plugin_api* a = v1_0.entry()(PIO_ABI_VERSION, &host);
  const pio_plugin_api* b = v1_1.entry()(PIO_ABI_VERSION, &host);
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(std::string(a->plugin_name) == "toy");
  CHECK(std::string(b->plugin_name) == "toy");
  CHECK(std::string(a->plugin_version) == "1.0.0");
  CHECK(std::string(b->plugin_version) == "1.1.0");

  pio_model* model_a = load_model(a, kToyModelDir);
  pio_model* model_b = load_model(b, kToyModelDir);
  const std::vector<pio_token> tokens = {0, 75, 104, 108, 111, 35};
  const std::vector<float> logits_a = eval_all(a, model_a, tokens, kToyVocab);
  const std::vector<float> logits_b = eval_all(b, model_b, tokens, kToyVocab);
  for (size_t i = 0; i < logits_a.size(); ++i) {
    REQUIRE(logits_a[i] >= -1.0f);
    REQUIRE(logits_a[i] < 1.0f);
    REQUIRE(logits_b[i] == logits_a[i] + 2.0f);
  }
  // Logits depend on the history: the first two rows differ.
  CHECK(std::vector<float>(logits_a.begin(), logits_a.begin() + kToyVocab) !=
        std::vector<float>(logits_a.begin() + kToyVocab, logits_a.begin() + 2 * kToyVocab));
  a->model_release(model_a);
  b->model_release(model_b);
}

TEST_CASE("toy: LAST equals the last row of ALL, and truncate rewinds exactly", "[abi][plugins]") {
  Library library(library_in("toy-1.0.0", "toy"));
  REQUIRE(library.handle != nullptr);
  const pio_host_api host = quiet_host();
  const pio_plugin_api* api = library.entry()(PIO_ABI_VERSION, &host);
  pio_model* model = load_model(api, kToyModelDir);
  const std::vector<pio_token> tokens = {0, 10, 20, 30, 40};
  const std::vector<float> all = eval_all(api, model, tokens, kToyVocab);

  pio_session* session = nullptr;
  REQUIRE(take_message(api, api->session_create(model, nullptr, &session)).empty());
  std::vector<float> last(kToyVocab);
  pio_eval_args args{sizeof(pio_eval_args), PIO_ABI_VERSION, tokens.data(), 3, nullptr, 0,
                     last.data(), last.size(), nullptr, PIO_LOGITS_LAST, 0};
  REQUIRE(take_message(api, api->session_eval(session, &args)).empty());
  CHECK(std::equal(last.begin(), last.end(), all.begin() + 2 * kToyVocab));
  // Extend with a different token, rewind, and continue with the real one.
  const pio_token other = 99;
  args.tokens = &other;
  args.n_tokens = 1;
  REQUIRE(take_message(api, api->session_eval(session, &args)).empty());
  REQUIRE(take_message(api, api->session_truncate(session, 3)).empty());
  CHECK(api->session_length(session) == 3);
  args.tokens = tokens.data() + 3;
  args.n_tokens = 2;
  REQUIRE(take_message(api, api->session_eval(session, &args)).empty());
  CHECK(std::equal(last.begin(), last.end(), all.begin() + 4 * kToyVocab));
  CHECK(api->session_length(session) == 5);

  SECTION("context overflow past max_position_embeddings (64)") {
    std::vector<pio_token> many(60, 5);
    args.tokens = many.data();
    args.n_tokens = many.size();
    pio_status* status = api->session_eval(session, &args);
    REQUIRE(status != nullptr);
    CHECK(api->status_code(status) == PIO_ERR_CONTEXT_OVERFLOW);
    api->status_release(status);
    CHECK(api->session_length(session) == 5);
  }
  api->session_release(session);
  api->model_release(model);
}

TEST_CASE("toy: failures inside the shared object arrive as statuses", "[abi][plugins]") {
  Library library(library_in("toy-1.0.0", "toy"));
  REQUIRE(library.handle != nullptr);
  const pio_host_api host = quiet_host();
  const pio_plugin_api* api = library.entry()(PIO_ABI_VERSION, &host);
  const fs::path dir = fs::temp_directory_path() / ("pio_toy_fail_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto [config, expected] = GENERATE(table<std::string, pio_status_code>({
      {R"({"model_type": "toy", "fail_on_load": "bad_alloc"})", PIO_ERR_OUT_OF_MEMORY},
      {R"({"model_type": "toy", "fail_on_load": "runtime_error"})", PIO_ERR_INTERNAL},
      {R"({"model_type": "toy", "fail_on_load": "unsupported"})", PIO_ERR_UNSUPPORTED},
      {R"({"model_type": "toy", "vocab_size": 300})", PIO_ERR_BAD_FORMAT},
      {R"({"model_type": "qwen3"})", PIO_ERR_BAD_FORMAT},
      {R"({"model_type": )", PIO_ERR_BAD_FORMAT},
  }));
  CAPTURE(config);
  std::ofstream(dir / "config.json") << config;
  pio_status_code code = PIO_OK;
  pio_model* model = load_model(api, dir, &code);
  CHECK(code == expected);
  CHECK(model == nullptr);
  pio_status_code missing = PIO_OK;
  load_model(api, dir / "does-not-exist", &missing);
  CHECK(missing == PIO_ERR_NOT_FOUND);
  fs::remove_all(dir);
}

TEST_CASE("loader cases: what a host sees from each test plugin", "[abi][plugins]") {
  const pio_host_api host = quiet_host();
  SECTION("wrong_major: the table says 2.0") {
    Library library(library_in("loader/wrong_major", "wrong_major"));
    REQUIRE(library.handle != nullptr);
    const pio_plugin_api* api = library.entry()(PIO_ABI_VERSION, &host);
    REQUIRE(api != nullptr);
    CHECK(PIO_ABI_VERSION_GET_MAJOR(api->abi_version) == 2);
    CHECK_FALSE(PIO_ABI_IS_COMPATIBLE(api->abi_version, PIO_ABI_VERSION));
  }
  SECTION("old_minor: shorter table, covered members work") {
    Library library(library_in("loader/old_minor", "old_minor"));
    REQUIRE(library.handle != nullptr);
    const pio_plugin_api* api = library.entry()(PIO_ABI_VERSION, &host);
    REQUIRE(api != nullptr);
    CHECK(PIO_ABI_IS_COMPATIBLE(api->abi_version, PIO_ABI_VERSION));
    CHECK(api->struct_size < sizeof(pio_plugin_api));
    CHECK(PIO_API_HAS(api, pio_plugin_api, session_length));
    CHECK_FALSE(PIO_STRUCT_COVERS(api, pio_plugin_api, session_truncate));
    CHECK(std::string(api->plugin_name) == "old_minor");
    pio_model* model = load_model(api, kToyModelDir);
    const std::vector<float> logits = eval_all(api, model, {0, 1, 2}, kToyVocab);
    CHECK(logits.size() == 3 * kToyVocab);
    api->model_release(model);
  }
  SECTION("new_minor: a longer 1.7 table") {
    Library library(library_in("loader/new_minor", "new_minor"));
    REQUIRE(library.handle != nullptr);
    const pio_plugin_api* api = library.entry()(PIO_ABI_VERSION, &host);
    REQUIRE(api != nullptr);
    CHECK(api->abi_version == PIO_ABI_MAKE_VERSION(1, 7));
    CHECK(api->struct_size > sizeof(pio_plugin_api));
    CHECK(PIO_API_HAS(api, pio_plugin_api, session_truncate));
  }
  SECTION("name_mismatch: the table calls itself toy") {
    Library library(library_in("loader/name_mismatch", "name_mismatch"));
    REQUIRE(library.handle != nullptr);
    CHECK(std::string(library.entry()(PIO_ABI_VERSION, &host)->plugin_name) == "toy");
  }
  SECTION("null_entry: the entry returns NULL") {
    Library library(library_in("loader/null_entry", "null_entry"));
    REQUIRE(library.handle != nullptr);
    REQUIRE(library.entry() != nullptr);
    CHECK(library.entry()(PIO_ABI_VERSION, &host) == nullptr);
  }
  SECTION("no_entry: no pio_plugin_get_api symbol") {
    Library library(library_in("loader/no_entry", "no_entry"));
    REQUIRE(library.handle != nullptr);
    CHECK(library.entry() == nullptr);
  }
  SECTION("undefined_symbol: dlopen itself fails, naming the symbol") {
    for (int mode : {RTLD_NOW, RTLD_LAZY}) {
      void* handle = dlopen(library_in("loader/undefined_symbol", "undefined_symbol").c_str(), mode | RTLD_LOCAL);
      CHECK(handle == nullptr);
      if (handle != nullptr) dlclose(handle);
      CHECK_THAT(std::string(dlerror()), Catch::Contains("pio_test_symbol_nobody_defines"));
    }
  }
  SECTION("every loader case has a manifest beside its library") {
    for (const char* name : {"wrong_major", "old_minor", "new_minor", "name_mismatch", "null_entry", "no_entry",
                             "undefined_symbol", "manifest_abi_major_2", "unknown_keys"}) {
      CAPTURE(name);
      CHECK(fs::is_regular_file(kPluginDir / "loader" / name / "plugin_manifest.json"));
      CHECK(fs::is_regular_file(library_in(std::string("loader/") + name, name)));
    }
  }
}
