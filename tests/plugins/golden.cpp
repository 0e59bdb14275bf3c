// The golden-test harness.
#include "golden.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "pio/host/discovery.h"
#include "pio/host/plugin.h"
#include "pio/sdk/checkpoint.h"
#include "pio/sdk/error.h"
#include "pio/sdk/json.h"

namespace pio::test {
namespace {

ReferenceMatrix read_matrix(const Checkpoint& file, const std::string& name) {
  const TensorView view = file.tensor(name);
  ReferenceMatrix m;
  m.rows = view.dim(0);
  m.cols = view.rank() > 1 ? view.dim(1) : 1;
  std::span<const float> data = view.as<float>();
  m.values.assign(data.begin(), data.end());
  return m;
}

std::span<const float> row_of(const std::vector<float>& values, int64_t row, int64_t cols) {
  return {values.data() + row * cols, static_cast<size_t>(cols)};
}

}  // namespace

std::filesystem::path fixture_dir(const std::string& relative) {
  return std::filesystem::path(PIO_TEST_FIXTURES_DIR) / relative;
}

std::shared_ptr<host::Model> load_model(const std::string& plugin_name,
                                        const std::filesystem::path& model_dir,
                                        const std::string& options_json) {
  host::PluginCatalog catalog = host::discover_plugins({std::filesystem::path(PIO_TEST_PLUGIN_DIR)});
  const host::PluginManifest* manifest = catalog.find(plugin_name);
  if (manifest == nullptr) {
    throw_error(ErrorCode::kNotFound, "plugin '{}' not found in {}", plugin_name, PIO_TEST_PLUGIN_DIR);
  }
  host::ModelLoadOptions options;
  options.options_json = options_json;
  return host::Model::load(host::Plugin::load(*manifest), model_dir, options);
}

GoldenReference GoldenReference::read(const std::filesystem::path& dir) {
  GoldenReference ref;
  ref.dir = dir;
  std::unique_ptr<Checkpoint> file = Checkpoint::open(dir / "reference.safetensors");
  std::span<const int64_t> ids = file->tensor("input_ids").as<int64_t>();
  ref.input_ids.assign(ids.begin(), ids.end());
  ref.logits = read_matrix(*file, "logits");
  ref.logits_step = read_matrix(*file, "logits_step");
  const JsonValue meta = parse_json_file(dir / "reference.json");
  ref.prefill_tokens = static_cast<size_t>(meta.get<int64_t>("prefill_tokens"));
  for (int64_t id : meta["greedy"].get<std::vector<int64_t>>("new_ids")) {
    ref.greedy_new_ids.push_back(static_cast<pio_token>(id));
  }
  return ref;
}

void check_batch_logits(host::Model& model, const GoldenReference& ref) {
  auto session = model.create_session();
  std::vector<float> ours = session->eval(ref.input_ids, host::Logits::kAll);
  REQUIRE(ours.size() == ref.logits.values.size());
  for (int64_t r = 0; r < ref.logits.rows; ++r) {
    INFO(ref.dir.filename().string() << " position " << r);
    CHECK(relative_l2(row_of(ours, r, ref.logits.cols), ref.logits.row(r)) < kLogitsTolerance);
  }
}

void check_step_logits(host::Model& model, const GoldenReference& ref) {
  auto session = model.create_session();
  const auto& ids = ref.input_ids;
  std::vector<float> prefill = session->eval(
      std::span<const pio_token>(ids.data(), ref.prefill_tokens), host::Logits::kAll);
  for (size_t r = 0; r < ref.prefill_tokens; ++r) {
    INFO(ref.dir.filename().string() << " prefill position " << r);
    CHECK(relative_l2(row_of(prefill, static_cast<int64_t>(r), ref.logits_step.cols),
                      ref.logits_step.row(static_cast<int64_t>(r))) < kLogitsTolerance);
  }
  for (size_t i = ref.prefill_tokens; i < ids.size(); ++i) {
    std::vector<float> row = session->eval(std::span<const pio_token>(&ids[i], 1), host::Logits::kLast);
    INFO(ref.dir.filename().string() << " step " << i);
    CHECK(relative_l2(row, ref.logits_step.row(static_cast<int64_t>(i))) < kLogitsTolerance);
  }
  CHECK(session->length() == ids.size());
}

void check_greedy_continuation(host::Model& model, const GoldenReference& ref) {
  auto session = model.create_session();
  std::vector<float> logits = session->eval(ref.input_ids, host::Logits::kLast);
  std::vector<pio_token> generated;
  for (size_t i = 0; i < ref.greedy_new_ids.size(); ++i) {
    auto next = static_cast<pio_token>(argmax(logits));
    generated.push_back(next);
    logits = session->eval(std::span<const pio_token>(&next, 1), host::Logits::kLast);
  }
  CHECK(generated == ref.greedy_new_ids);
}

void check_truncate_and_reuse(host::Model& model, const GoldenReference& ref, size_t keep) {
  auto session = model.create_session();
  const auto& ids = ref.input_ids;
  session->eval(ids, host::Logits::kNone);
  session->truncate(keep);
  REQUIRE(session->length() == keep);
  std::vector<float> rest = session->eval(
      std::span<const pio_token>(ids.data() + keep, ids.size() - keep), host::Logits::kAll);
  for (int64_t r = static_cast<int64_t>(keep); r < ref.logits.rows; ++r) {
    INFO(ref.dir.filename().string() << " position " << r << " after truncating to " << keep);
    CHECK(relative_l2(row_of(rest, r - static_cast<int64_t>(keep), ref.logits.cols),
                      ref.logits.row(r)) < kLogitsTolerance);
  }
}

double relative_l2(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return INFINITY;
  double diff = 0.0, norm = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    norm += double(b[i]) * b[i];
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

int64_t argmax(std::span<const float> values) {
  return std::max_element(values.begin(), values.end()) - values.begin();
}

}  // namespace pio::test
