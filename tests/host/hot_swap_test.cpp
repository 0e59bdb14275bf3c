// Hot swap through the ModelRegistry under concurrency: sessions in flight finish on the model
// they started on, new acquires get the replacement, and a library leaves the process after its
// last object is released. Built also under ThreadSanitizer (tests/host/CMakeLists.txt).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "pio/host/registry.h"
#include "pio/host/session.h"
#include "pio/sdk/error.h"
#include "test_plugins.h"

namespace {

namespace fs = std::filesystem;
using pio::host::Logits;
using pio::host::Model;
using pio::host::ModelRegistry;
using pio::host::PluginCatalog;

// The token sequence every worker evaluates, one token per eval.
const std::vector<pio_token> kPrompt = {3 + 'h', 3 + 'o', 3 + 't', 3 + ' ', 3 + 's', 3 + 'w', 3 + 'a', 3 + 'p'};

PluginCatalog catalog_of(const fs::path& plugin_folder) {
  auto catalog = pio::host::discover_plugins(std::vector<fs::path>{plugin_folder});
  REQUIRE(catalog.plugins.size() == 1);
  return catalog;
}

// Logits after each prefix of kPrompt, evaluated one token at a time: [kPrompt.size()][vocab].
std::vector<std::vector<float>> reference_logits(const std::shared_ptr<Model>& model) {
  auto session = model->create_session();
  std::vector<std::vector<float>> rows;
  for (pio_token token : kPrompt) rows.push_back(session->eval(std::span(&token, 1), Logits::kLast));
  return rows;
}

// A toy model folder whose evals sleep a little, so that sessions overlap the swap.
fs::path slow_toy_model(const pio::test::TempDir& dir) {
  pio::test::write_file(dir / "model" / "config.json",
                        R"({"architectures": ["ToyForCausalLM"], "model_type": "toy", "eval_delay_ms": 1})");
  return dir / "model";
}

template <typename Predicate>
void wait_until(Predicate done) {
  while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace

TEST_CASE("hot swap under concurrency: old sessions finish on A, new ones get B, A leaves the process",
          "[host][registry][hot_swap]") {
  pio::test::TempDir dir;
  const fs::path model_dir = slow_toy_model(dir);
  const PluginCatalog catalog_a = catalog_of(pio::test::test_plugin_dir() / "toy-1.0.0");
  const PluginCatalog catalog_b = catalog_of(pio::test::test_plugin_dir() / "toy-1.1.0");

  ModelRegistry registry(catalog_a);
  registry.load("m", model_dir);
  fs::path library_a;
  std::vector<std::vector<float>> ref_a, ref_b;
  {
    const auto a = registry.acquire("m");
    REQUIRE(a->plugin()->version() == "1.0.0");
    library_a = a->plugin()->loaded_path();
    ref_a = reference_logits(a);
  }
  registry.set_catalog(catalog_b);
  fs::path library_b;
  {
    const auto b = registry.load_unregistered(model_dir);
    REQUIRE(b->plugin()->version() == "1.1.0");
    library_b = b->plugin()->loaded_path();
    ref_b = reference_logits(b);
  }
  REQUIRE(ref_a != ref_b);

  constexpr int kHolders = 3;   // hold one session on A from before the swap until after the unload
  constexpr int kChurners = 3;  // acquire, create a session, run the prompt, release; over and over
  std::atomic<int> holders_ready{0};
  std::atomic<bool> swapped{false};
  std::atomic<bool> unloaded{false};
  std::atomic<bool> stop{false};
  std::atomic<int> evals_after_unload{0};
  std::atomic<int> churn_runs{0};
  std::atomic<int> churn_runs_on_b{0};
  std::atomic<int> failures{0};
  std::vector<std::string> failure_messages(kHolders + kChurners);

  auto check_prompt_step = [&](int worker, const std::shared_ptr<Model>& model, pio::host::Session& session,
                               size_t step) {
    const pio_token token = kPrompt[step];
    const auto logits = session.eval(std::span(&token, 1), Logits::kLast);
    const auto& ref = model->plugin()->version() == "1.0.0" ? ref_a : ref_b;
    if (logits != ref[step]) {
      failures++;
      failure_messages[worker] = fmt::format("worker {}: step {} on {} differs from its reference", worker, step,
                                             model->plugin()->version());
    }
  };

  std::vector<std::thread> threads;
  for (int h = 0; h < kHolders; ++h) {
    threads.emplace_back([&, h] {
      try {
        std::shared_ptr<pio::host::Session> session = registry.acquire("m")->create_session();
        const auto model = session->model();
        if (model->plugin()->version() != "1.0.0") failures++;
        holders_ready++;
        size_t step = 0;
        while (!stop) {
          const bool after_unload = unloaded;
          check_prompt_step(h, model, *session, step);
          if (after_unload) evals_after_unload++;
          if (++step == kPrompt.size()) {
            session->truncate(0);
            step = 0;
          }
        }
      } catch (const std::exception& e) {
        failures++;
        failure_messages[h] = e.what();
      }
    });
  }
  for (int c = 0; c < kChurners; ++c) {
    threads.emplace_back([&, c] {
      const int worker = kHolders + c;
      try {
        while (!stop) {
          const bool swap_done = swapped;
          const auto model = registry.try_acquire("m");
          if (model == nullptr) break;  // unloaded
          if (swap_done && model->plugin()->version() != "1.1.0") {
            failures++;
            failure_messages[worker] = "an acquire after the swap returned the old model";
          }
          auto session = model->create_session();
          for (size_t step = 0; step < kPrompt.size(); ++step) check_prompt_step(worker, model, *session, step);
          churn_runs++;
          if (model->plugin()->version() == "1.1.0") churn_runs_on_b++;
        }
      } catch (const std::exception& e) {
        failures++;
        failure_messages[worker] = e.what();
      }
    });
  }

  wait_until([&] { return holders_ready == kHolders && churn_runs >= 2 * kChurners; });
  auto previous = registry.swap("m", model_dir);  // loads B (the same build as ref_b) and swaps
  swapped = true;
  CHECK(previous->plugin()->version() == "1.0.0");
  CHECK(registry.acquire("m")->plugin()->version() == "1.1.0");
  const fs::path library_b_live = registry.acquire("m")->plugin()->loaded_path();
  CHECK(pio::test::is_mapped(library_b_live));

  wait_until([&] { return churn_runs_on_b >= 2 * kChurners; });
  CHECK(registry.unload("m"));
  unloaded = true;
  CHECK_FALSE(registry.unload("m"));
  CHECK(registry.try_acquire("m") == nullptr);

  // A is out of the registry, but the holders' sessions keep it (and its library) alive.
  wait_until([&] { return evals_after_unload >= 3 * kHolders; });
  CHECK(pio::test::is_mapped(library_a));
  CHECK(previous.use_count() > 1);

  stop = true;
  for (auto& t : threads) t.join();
  for (const auto& message : failure_messages) {
    if (!message.empty()) UNSCOPED_INFO(message);
  }
  CHECK(failures == 0);

  // `previous` is the last reference to model A: dropping it unloads A's library.
  CHECK(previous.use_count() == 1);
  CHECK(pio::test::is_mapped(library_a));
  previous.reset();
  CHECK_FALSE(pio::test::is_mapped(library_a));
  CHECK_FALSE(fs::exists(library_a));
  // B was unloaded from the registry and its last session is gone: its library is gone too.
  CHECK_FALSE(pio::test::is_mapped(library_b_live));
  CHECK_FALSE(pio::test::is_mapped(library_b));
}

TEST_CASE("swap to a second copy of the same build loads a second image", "[host][registry][hot_swap]") {
  pio::test::TempDir dir;
  pio::test::copy_plugin_folder(pio::test::test_plugin_dir() / "toy-1.0.0", dir / "copy1" / "toy");
  pio::test::copy_plugin_folder(pio::test::test_plugin_dir() / "toy-1.0.0", dir / "copy2" / "toy");
  const fs::path model_dir = pio::test::toy_model_dir();

  ModelRegistry registry(catalog_of(dir / "copy1"));
  registry.load("m", model_dir);
  auto old_model = registry.acquire("m");
  auto old_session = old_model->create_session();

  registry.set_catalog(catalog_of(dir / "copy2"));
  registry.swap("m", model_dir);
  const auto new_model = registry.acquire("m");
  CHECK(new_model != old_model);
  CHECK(new_model->plugin() != old_model->plugin());
  CHECK(new_model->plugin()->content_hash() == old_model->plugin()->content_hash());
  const fs::path old_library = old_model->plugin()->loaded_path();
  const fs::path new_library = new_model->plugin()->loaded_path();
  CHECK(old_library != new_library);
  CHECK(pio::test::is_mapped(old_library));
  CHECK(pio::test::is_mapped(new_library));

  // Same build, so the same results from both images.
  auto new_session = new_model->create_session();
  CHECK(old_session->eval(kPrompt) == new_session->eval(kPrompt));

  old_model.reset();
  CHECK(pio::test::is_mapped(old_library));  // the session still holds it
  old_session.reset();
  CHECK_FALSE(pio::test::is_mapped(old_library));
  CHECK(pio::test::is_mapped(new_library));
}

TEST_CASE("a new build copied over a loaded plugin's file is loaded next to the old one",
          "[host][registry][hot_swap]") {
  pio::test::TempDir dir;
  const fs::path plugin_folder = dir / "plugins" / "toy";
  pio::test::copy_plugin_folder(pio::test::test_plugin_dir() / "toy-1.0.0", plugin_folder);
  const fs::path model_dir = pio::test::toy_model_dir();

  ModelRegistry registry(catalog_of(dir / "plugins"));
  registry.load("m", model_dir);
  auto old_session = registry.acquire("m")->create_session();
  const auto old_logits = old_session->eval(kPrompt);

  // "Rebuild" the plugin in place: same path, new content.
  pio::test::copy_plugin_folder(pio::test::test_plugin_dir() / "toy-1.1.0", plugin_folder);
  registry.set_catalog(catalog_of(dir / "plugins"));
  const auto previous = registry.swap("m", model_dir);
  CHECK(previous->plugin()->version() == "1.0.0");
  const auto current = registry.acquire("m");
  CHECK(current->plugin()->version() == "1.1.0");
  CHECK(current->plugin()->content_hash() != previous->plugin()->content_hash());

  auto new_session = current->create_session();
  const auto new_logits = new_session->eval(kPrompt);
  for (float logit : new_logits) REQUIRE(logit >= 1.0f);
  // The old session still runs on the old image, with the old results.
  old_session->truncate(0);
  CHECK(old_session->eval(kPrompt) == old_logits);
}

TEST_CASE("registry errors", "[host][registry]") {
  ModelRegistry registry(catalog_of(pio::test::test_plugin_dir() / "toy-1.0.0"));
  const fs::path model_dir = pio::test::toy_model_dir();
  registry.load("m", model_dir);

  auto code_of = [](auto&& action) {
    try {
      action();
    } catch (const pio::Error& e) {
      return e.code();
    }
    return pio::ErrorCode::kOk;
  };
  CHECK(code_of([&] { registry.load("m", model_dir); }) == pio::ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { registry.load("", model_dir); }) == pio::ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { registry.swap("missing", model_dir); }) == pio::ErrorCode::kNotFound);
  CHECK(code_of([&] { registry.acquire("missing"); }) == pio::ErrorCode::kNotFound);
  CHECK(code_of([&] { registry.load("n", "/no/such/model"); }) == pio::ErrorCode::kNotFound);
  pio::host::RegistryLoadOptions forced;
  forced.plugin = "nope";
  CHECK(code_of([&] { registry.load("n", model_dir, forced); }) == pio::ErrorCode::kNotFound);

  // A failed swap leaves the old model in place.
  const auto before = registry.acquire("m");
  pio::host::RegistryLoadOptions bad;
  bad.model.options_json = R"({"dtype": "bf16"})";
  CHECK(code_of([&] { registry.swap("m", model_dir, bad); }) == pio::ErrorCode::kUnsupported);
  CHECK(registry.acquire("m") == before);

  registry.load("n", model_dir);
  const auto entries = registry.list();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].name == "m");
  CHECK(entries[1].name == "n");
  // Two models of one unchanged library share one loaded image.
  CHECK(entries[0].model->plugin() == entries[1].model->plugin());
}
