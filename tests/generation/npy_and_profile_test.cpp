// The .npy writer (header layout numpy reads) and the describe-JSON profile parser.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pio/generation/model_profile.h"
#include "pio/generation/npy_writer.h"
#include "pio/sdk/error.h"

TEST_CASE("npy header is numpy's v1.0 layout, padded to 64 bytes", "[npy]") {
  const std::vector<int64_t> shape = {3, 151936};
  const std::string h = pio::npy_header_f32(shape);
  CHECK(h.size() % 64 == 0);
  CHECK(h.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  const size_t len = static_cast<unsigned char>(h[8]) | (static_cast<unsigned char>(h[9]) << 8);
  CHECK(len + 10 == h.size());
  CHECK(h.back() == '\n');
  CHECK(h.find("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 151936), }") == 10);
  const std::vector<int64_t> one = {5};
  CHECK(pio::npy_header_f32(one).find("'shape': (5,), }") != std::string::npos);
}

TEST_CASE("npy file holds the header and the floats in C order", "[npy]") {
  const auto path = std::filesystem::temp_directory_path() / "pio_generation_npy_test.npy";
  const std::vector<float> data = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, -0.5f};
  const std::vector<int64_t> shape = {2, 3};
  pio::write_npy_f32(path, shape, data);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string header = pio::npy_header_f32(shape);
  REQUIRE(bytes.size() == header.size() + data.size() * 4);
  CHECK(bytes.substr(0, header.size()) == header);
  std::vector<float> back(data.size());
  std::memcpy(back.data(), bytes.data() + header.size(), bytes.size() - header.size());
  CHECK(back == data);
  std::filesystem::remove(path);
  const std::vector<int64_t> wrong = {4, 3};
  CHECK_THROWS_AS(pio::write_npy_f32(path, wrong, data), pio::Error);
  CHECK_THROWS_AS(pio::write_npy_f32("/nonexistent-dir/x.npy", shape, data), pio::Error);
}

TEST_CASE("model profile from describe JSON", "[profile]") {
  const auto p = pio::parse_model_profile(R"({
    "architecture": "Qwen3ForCausalLM", "model_type": "qwen3",
    "capabilities": {"text": true, "vision": false, "thinking": true, "tools": true},
    "context_length": 40960, "vocab_size": 151936,
    "special_tokens": {"bos": null, "eos": [151645, 151643], "pad": 151643, "image": null},
    "chat_template": true,
    "generation_defaults": {"do_sample": true, "temperature": 0.6, "top_k": 20, "top_p": 0.95},
    "dtype": "bf16", "device": "cpu", "extra_key": [1]})");
  CHECK(p.architecture == "Qwen3ForCausalLM");
  CHECK(p.thinking);
  CHECK(p.tools);
  CHECK(p.chat_template);
  CHECK(p.context_length == 40960);
  CHECK(p.vocab_size == 151936);
  CHECK(p.eos_ids == std::vector<int32_t>{151645, 151643});
  const pio::SamplingParams s = p.sampling();
  CHECK(s.temperature == 0.6f);
  CHECK(s.top_k == 20);
  CHECK(s.top_p == 0.95f);

  const auto minimal = pio::parse_model_profile(R"({"vocab_size": 10, "generation_defaults": {}})");
  CHECK(minimal.eos_ids.empty());
  CHECK(minimal.sampling().greedy());
  CHECK_THROWS_WITH(pio::parse_model_profile("{"), Catch::Contains("malformed"));
  CHECK_THROWS_WITH(pio::parse_model_profile(R"({"vocab_size": "big"})"), Catch::Contains("vocab_size"));
  CHECK_THROWS_WITH(pio::parse_model_profile(R"({"special_tokens": {"eos": ["x"]}})"),
                    Catch::Contains("special_tokens.eos"));
}
