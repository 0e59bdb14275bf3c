// The generation commands of `pio` end to end with the toy plugin (tests/abi/toy_plugin: a byte
// tokenizer and deterministic pseudo-random logits): run, chat, tokenize, template, logits, bench,
// and their failures (exit code and message).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <rapidjson/document.h>

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Scratch {
  Scratch() {
    static int counter = 0;
    dir = fs::temp_directory_path() / fmt::format("pio-generation-cli-{}-{}", ::getpid(), counter++);
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `pio --plugin-dir <toy 1.0.0> <args>` with `input` on stdin.
CommandResult pio(const std::string& args, const std::string& input = "") {
  Scratch scratch;
  std::ofstream(scratch.dir / "in", std::ios::binary) << input;
  const std::string command =
      fmt::format("env -u PIO_PLUGIN_PATH '{}' --plugin-dir '{}' {} <'{}' >'{}' 2>'{}'", PIO_EXE, PIO_TOY_PLUGIN_DIR,
                  args, (scratch.dir / "in").string(), (scratch.dir / "out").string(), (scratch.dir / "err").string());
  const int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(scratch.dir / "out");
  result.err = read_file(scratch.dir / "err");
  return result;
}

const std::string kModel = fmt::format("--model '{}'", PIO_TOY_MODEL_DIR);

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// The float32 payload of a .npy file written by `pio logits`, with its shape text.
std::vector<float> read_npy(const fs::path& path, std::string* header_text) {
  const std::string bytes = read_file(path);
  REQUIRE(bytes.size() > 10);
  REQUIRE(bytes.substr(0, 6) == "\x93NUMPY");
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  *header_text = bytes.substr(10, header_len);
  std::vector<float> data((bytes.size() - 10 - header_len) / 4);
  std::memcpy(data.data(), bytes.data() + 10 + header_len, data.size() * 4);
  return data;
}

}  // namespace

TEST_CASE("pio run: greedy is deterministic, seeds reproduce, usage goes to stderr", "[cli]") {
  const auto a = pio(fmt::format("run {} --prompt 'hello there' --raw --temperature 0 --max-new-tokens 12", kModel));
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  CHECK_FALSE(a.out.empty());
  CHECK(a.err.find("tok/s") != std::string::npos);
  CHECK(a.err.find("generation: 12 tokens") != std::string::npos);
  CHECK(a.err.find("finish: length") != std::string::npos);
  const auto b = pio(fmt::format("run {} --prompt 'hello there' --raw --temperature 0 --max-new-tokens 12", kModel));
  CHECK(a.out == b.out);

  const std::string sampled = fmt::format("run {} --prompt hi --temperature 1.0 --top-k 50 --max-new-tokens 16", kModel);
  const auto s1 = pio(sampled + " --seed 5");
  const auto s2 = pio(sampled + " --seed 5");
  const auto s3 = pio(sampled + " --seed 6");
  REQUIRE(s1.exit_code == 0);
  CHECK(s1.out == s2.out);
  CHECK(s1.out != s3.out);
  CHECK(s1.err.find("prompt: 20 tokens") != std::string::npos);  // "<user>hi<eos><assistant>"
}

TEST_CASE("pio run: a stop string ends the output before it", "[cli]") {
  const auto full = pio(fmt::format("run {} --prompt story --raw --temperature 0 --max-new-tokens 20", kModel));
  REQUIRE(full.exit_code == 0);
  REQUIRE(full.out.size() > 6);
  const std::string stop = full.out.substr(4, 2);
  REQUIRE(stop.find('\0') == std::string::npos);
  std::string quoted;  // for sh: '...' with ' written as '\''
  for (char c : stop) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const auto cut =
      pio(fmt::format("run {} --prompt story --raw --temperature 0 --max-new-tokens 20 --stop '{}'", kModel, quoted));
  REQUIRE(cut.exit_code == 0);
  CHECK(full.out.substr(0, full.out.find(stop)) + "\n" == cut.out);
  CHECK(cut.err.find("finish: stop") != std::string::npos);
}

TEST_CASE("pio chat reuses the KV cache across turns", "[cli]") {
  const auto r = pio(fmt::format("chat {} --temperature 0 --max-new-tokens 4", kModel), "hello\n/reset\nhi\nagain\n");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto stats = [&] {
    std::vector<std::string> out;
    for (const auto& l : lines(r.err))
      if (l.find("tok/s") != std::string::npos) out.push_back(l);
    return out;
  }();
  REQUIRE(stats.size() == 3);
  CHECK(stats[0].find("cached") == std::string::npos);
  CHECK(stats[2].find("cached") != std::string::npos);  // the third turn extends the second
  CHECK(r.err.find("(new conversation)") != std::string::npos);
}

TEST_CASE("pio tokenize and pio template answer JSON lines", "[cli]") {
  const auto t = pio(fmt::format("tokenize {}", kModel), "{\"text\": \"ab<eos>\"}\nnot json\n{\"text\": 1}\n");
  REQUIRE(t.exit_code == 0);
  const auto out = lines(t.out);
  REQUIRE(out.size() == 3);
  CHECK(out[0] == R"({"ids":[0,100,101,1]})");  // <bos> added, "<eos>" text recognised
  CHECK(out[1].find("\"error\"") != std::string::npos);
  CHECK(out[2].find("error") != std::string::npos);
  const auto raw = pio(fmt::format("tokenize {} --no-add-special", kModel), "{\"text\": \"ab\"}\n");
  CHECK(raw.out == "{\"ids\":[100,101]}\n");

  const auto tpl = pio(fmt::format("template {}", kModel),
                       "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"add_generation_prompt\": true}\n"
                       "{\"messages\": [{\"role\": \"user\"}]}\n");
  REQUIRE(tpl.exit_code == 0);
  const auto tl = lines(tpl.out);
  REQUIRE(tl.size() == 2);
  CHECK(tl[0] == R"({"text":"<user>hi<eos><assistant>"})");
  CHECK(tl[1].find("\"error\"") != std::string::npos);
}

TEST_CASE("pio logits writes [n, vocab] float32; --step equals the batch", "[cli]") {
  Scratch scratch;
  const fs::path batch = scratch.dir / "batch.npy";
  const fs::path step = scratch.dir / "step.npy";
  REQUIRE(pio(fmt::format("logits {} --tokens 5,6,7,200 --out '{}'", kModel, batch.string())).exit_code == 0);
  REQUIRE(pio(fmt::format("logits {} --tokens 5,6,7,200 --out '{}' --step", kModel, step.string())).exit_code == 0);
  std::string header;
  const auto a = read_npy(batch, &header);
  CHECK(header.find("'descr': '<f4'") != std::string::npos);
  CHECK(header.find("'shape': (4, 259)") != std::string::npos);
  REQUIRE(a.size() == 4 * 259);
  const auto b = read_npy(step, &header);
  CHECK(a == b);
  CHECK(a[0] != a[259]);  // rows differ: each position has its own logits

  const auto bad = pio(fmt::format("logits {} --tokens 1,x --out '{}'", kModel, batch.string()));
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("--tokens") != std::string::npos);
  const auto outside = pio(fmt::format("logits {} --tokens 1,9999 --out '{}'", kModel, batch.string()));
  CHECK(outside.exit_code == 1);
  CHECK(outside.err.find("9999") != std::string::npos);
}

TEST_CASE("pio bench --json reports medians and peak memory", "[cli]") {
  const auto r = pio(fmt::format("bench {} --prompt-tokens 16 --gen-tokens 8 --repeats 3 --json", kModel));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  rapidjson::Document doc;
  doc.Parse(r.out.c_str());
  REQUIRE(doc.IsObject());
  CHECK(doc["pp_tokens_per_second"].GetDouble() > 0);
  CHECK(doc["tg_tokens_per_second"].GetDouble() > 0);
  CHECK(doc["pp_samples"].Size() == 3);
  CHECK(doc["peak_rss_bytes"].GetInt64() > 0);
  CHECK(std::string(doc["plugin"].GetString()) == "toy");
  const auto table = pio(fmt::format("bench {} --prompt-tokens 16 --gen-tokens 8 --repeats 1", kModel));
  CHECK(table.out.find("pp16") != std::string::npos);
  CHECK(table.out.find("tg8") != std::string::npos);
}

TEST_CASE("generation commands fail cleanly on bad input", "[cli]") {
  const auto missing = pio("run --model /nonexistent/model --prompt hi");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("pio: error:") != std::string::npos);
  const auto too_long = pio(fmt::format("run {} --raw --prompt '{}'", kModel, std::string(100, 'x')));
  CHECK(too_long.exit_code == 1);
  CHECK(too_long.err.find("context") != std::string::npos);
  const auto bad_value = pio(fmt::format("run {} --prompt hi --top-p 1.5", kModel));
  CHECK(bad_value.exit_code == 1);
  CHECK(bad_value.err.find("top_p") != std::string::npos);
  Scratch scratch;
  std::ofstream(scratch.dir / "tools.json") << "{\"not\": \"an array\"}";
  const auto bad_tools = pio(fmt::format("run {} --prompt hi --tools '{}'", kModel, (scratch.dir / "tools.json").string()));
  CHECK(bad_tools.exit_code == 1);
  CHECK(bad_tools.err.find("tools.json") != std::string::npos);
}
