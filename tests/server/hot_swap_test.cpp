// Hot swap under load: N concurrent streaming clients while the model is swapped twice, the
// second time onto a new plugin build (toy 1.0.0 -> toy 1.1.0 installed over the plugin folder
// -> toy 1.0.0 again). Every request must complete with a well-formed stream; each stream is
// served by one model instance from start to end; a request sent after a swap returned is served
// by a model at least that new; the replaced instances (and their models) are freed once their
// last request ends.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "server_test_support.h"

using namespace pio::server;
using namespace pio::server::test;

namespace {

const fs::path kToy100 = PIO_TOY_PLUGIN_DIR_100;
const fs::path kToy110 = PIO_TOY_PLUGIN_DIR_110;

struct Outcome {
  int status = 0;
  uint64_t epoch_before = 0;  // swaps that had returned when the request was sent
  uint64_t epoch_after = 0;   // ... when its response had been read
  SseStream stream;
  std::set<std::string> fingerprints;
};

uint64_t instance_number(const std::string& fingerprint) {
  return std::stoull(fingerprint.substr(fingerprint.rfind("-m") + 2));
}

}  // namespace

TEST_CASE("hot swap under concurrent streaming clients drops no request", "[server][http][hot_swap]") {
  TempDir dir;
  const fs::path plugins = dir.path() / "plugins" / "toy";
  install_plugin(kToy100, plugins);
  const fs::path model = make_toy_model(dir.path() / "model", /*eval_delay_ms=*/2);

  ServerOptions options = test_options();
  options.max_concurrency = 8;
  options.max_queue = 32;
  RunningServer running(options, ServedModelsOptions{only_dirs({dir.path() / "plugins"}), {}, 0, 2});
  running.server->models().load("toy", model);
  running.start();
  ServedModels& models = running.server->models();

  constexpr int kClients = 6;
  std::atomic<uint64_t> epoch{0};
  std::atomic<bool> stop{false};
  std::atomic<int> completed{0};
  std::mutex outcomes_mutex;
  std::vector<Outcome> outcomes;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client = running.client();
      for (int i = 0; !stop.load() && i < 200; ++i) {
        Outcome o;
        o.epoch_before = epoch.load();
        auto res = client.Post(
            "/v1/chat/completions",
            fmt::format(R"({{"model": "toy", "messages": [{{"role": "user", "content": "client {} request {}"}}],
                          "max_tokens": 16, "stream": true, "stream_options": {{"include_usage": true}},
                          "temperature": 0.7, "seed": {}}})",
                        c, i, i),
            "application/json");
        o.epoch_after = epoch.load();
        o.status = res ? res->status : -1;
        if (res) o.stream = parse_sse(res->body);
        for (const auto& e : o.stream.events) {
          if (e.HasMember("system_fingerprint")) o.fingerprints.insert(str(e["system_fingerprint"]));
        }
        ++completed;
        std::lock_guard lock(outcomes_mutex);
        outcomes.push_back(std::move(o));
      }
    });
  }

  auto wait_for_more = [&](int n) {
    const int target = completed.load() + n;
    REQUIRE(eventually([&] { return completed.load() >= target && running.server->admission().active() > 0; }));
  };

  wait_for_more(kClients);
  std::weak_ptr<ModelInstance> first;
  std::weak_ptr<pio::host::Model> first_model;
  {
    // A new plugin build lands in the plugin folder; the swap picks it up.
    install_plugin(kToy110, plugins);
    std::shared_ptr<ModelInstance> previous = models.swap("toy", model);
    ++epoch;
    first = previous;
    first_model = previous->model();
    CHECK(previous->info().plugin_version == "1.0.0");
    CHECK(models.acquire("toy")->info().plugin_version == "1.1.0");
  }
  wait_for_more(2 * kClients);
  std::weak_ptr<ModelInstance> second;
  std::weak_ptr<pio::host::Model> second_model;
  {
    install_plugin(kToy100, plugins);
    std::shared_ptr<ModelInstance> previous = models.swap("toy", model);
    ++epoch;
    second = previous;
    second_model = previous->model();
    CHECK(previous->info().plugin_version == "1.1.0");
    CHECK(models.acquire("toy")->info().plugin_version == "1.0.0");
  }
  wait_for_more(2 * kClients);
  stop = true;
  for (auto& t : clients) t.join();

  REQUIRE(outcomes.size() >= static_cast<size_t>(5 * kClients));
  std::set<uint64_t> instances_seen;
  int straddling = 0;  // in flight across a swap and finished on the instance it started on
  for (const Outcome& o : outcomes) {
    INFO("status " << o.status << ", problem: " << o.stream.problem);
    CHECK(o.status == 200);
    CHECK(o.stream.well_formed);
    CHECK(o.stream.done);
    REQUIRE(o.fingerprints.size() == 1);  // one model from the first chunk to the last
    const uint64_t instance = instance_number(*o.fingerprints.begin());
    instances_seen.insert(instance);
    CHECK(instance >= o.epoch_before + 1);  // never an instance older than the last finished swap
    if (o.epoch_after > o.epoch_before && instance == o.epoch_before + 1) ++straddling;
    // A well-formed end: a finish chunk, then the usage chunk.
    const auto& events = o.stream.events;
    REQUIRE(events.size() >= 3);
    CHECK(events[events.size() - 2]["choices"][0]["finish_reason"].IsString());
    CHECK(events.back()["usage"]["completion_tokens"].GetInt() >= 1);
  }
  CHECK(straddling >= 1);
  CHECK(instances_seen.count(1) == 1);
  CHECK(instances_seen.count(3) == 1);
  // The replaced instances, their sessions and models are gone with their last request.
  CHECK(first.expired());
  CHECK(first_model.expired());
  CHECK(second.expired());
  CHECK(second_model.expired());
  CHECK(models.list().size() == 1);
  CHECK(models.acquire("toy")->in_flight() == 1);  // only this handle
}
