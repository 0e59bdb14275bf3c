// Writer -> reader round trips: values, dtypes, shapes, metadata, alignment, lazy chunked fills.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/error.h"
#include "pio/sdk/safetensors.h"
#include "pio/sdk/safetensors_writer.h"
#include "temp_dir.h"

using pio::DType;

namespace {

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

}  // namespace

TEST_CASE("dtype names and sizes round trip", "[safetensors]") {
  for (DType d : {DType::kF32, DType::kF16, DType::kBF16, DType::kF64, DType::kI8, DType::kI16, DType::kI32,
                  DType::kI64, DType::kU8, DType::kBool, DType::kF8E4M3, DType::kF8E5M2}) {
    auto parsed = pio::parse_dtype(pio::dtype_name(d));
    REQUIRE(parsed);
    CHECK(*parsed == d);
    CHECK(pio::dtype_size(d) >= 1);
  }
  CHECK(pio::dtype_size(DType::kBF16) == 2);
  CHECK(pio::dtype_size(DType::kI64) == 8);
  CHECK_FALSE(pio::parse_dtype("f32"));
  CHECK_FALSE(pio::parse_dtype("U16"));
}

TEST_CASE("safetensors writer -> reader round trip keeps bytes, dtypes and shapes", "[safetensors]") {
  pio::test::TempDir dir;
  const auto path = dir / "model.safetensors";
  auto f32 = random_floats(6 * 7, 1);
  std::vector<uint16_t> bf16(5 * 3);
  for (size_t i = 0; i < bf16.size(); ++i) bf16[i] = static_cast<uint16_t>(0x3f80 + 17 * i);
  std::vector<int64_t> ids = {151643, -1, 0, 42, 7};
  std::vector<int32_t> i32 = {-5, 6, 1 << 30};
  std::vector<uint8_t> mask = {1, 0, 1};
  std::vector<float> scalar = {3.5f};

  pio::SafetensorsWriter w;
  w.add_typed<float>("a.weight", DType::kF32, {6, 7}, f32);
  w.add_typed<uint16_t>("b.weight", DType::kBF16, {5, 3}, bf16);
  w.add_typed<int64_t>("ids", DType::kI64, {5}, ids);
  w.add_typed<int32_t>("i32", DType::kI32, {3}, i32);
  w.add_typed<uint8_t>("mask", DType::kBool, {3}, mask);
  w.add_typed<float>("scalar", DType::kF32, {}, scalar);
  w.add("empty", DType::kF16, {0, 4}, {});
  w.set_metadata("format", "pt");
  w.set_metadata("note", "quote \" and backslash \\");
  CHECK(w.header_json().size() % 8 == 0);
  CHECK(w.data_bytes() == 6 * 7 * 4 + 15 * 2 + 5 * 8 + 3 * 4 + 3 + 4);
  w.write(path);
  CHECK_FALSE(std::filesystem::exists(dir / "model.safetensors.tmp"));

  auto file = pio::SafetensorsFile::open(path);
  REQUIRE(file->tensors().size() == 7);
  CHECK(file->header().data_offset % 8 == 0);
  REQUIRE(file->header().metadata.size() == 2);
  CHECK(file->header().metadata[0] == std::pair<std::string, std::string>{"format", "pt"});
  CHECK(file->header().metadata[1].second == "quote \" and backslash \\");

  auto ckpt = pio::Checkpoint::open(path);
  CHECK(ckpt->size() == 7);
  CHECK(ckpt->total_bytes() == w.data_bytes());
  auto a = ckpt->require("a.weight", {6, 7}, DType::kF32);
  CHECK(reinterpret_cast<uintptr_t>(a.data) % 8 == 0);
  auto av = a.as<float>();
  REQUIRE(av.size() == f32.size());
  CHECK(std::memcmp(av.data(), f32.data(), f32.size() * 4) == 0);
  CHECK(a.file == path.string());

  auto b = ckpt->require("b.weight", {5, 3});
  CHECK(b.dtype == DType::kBF16);
  CHECK(b.bytes == 30);
  auto bv = b.as<uint16_t>();
  CHECK(std::equal(bv.begin(), bv.end(), bf16.begin(), bf16.end()));
  CHECK_THROWS_WITH(b.as<float>(), Catch::Contains("b.weight") && Catch::Contains("BF16"));

  auto idv = ckpt->tensor("ids").as<int64_t>();
  CHECK(std::vector<int64_t>(idv.begin(), idv.end()) == ids);
  auto i32v = ckpt->tensor("i32").as<int32_t>();
  CHECK(std::vector<int32_t>(i32v.begin(), i32v.end()) == i32);
  CHECK(ckpt->tensor("mask").dtype == DType::kBool);
  auto s = ckpt->tensor("scalar");
  CHECK(s.rank() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.as<float>()[0] == 3.5f);
  auto e = ckpt->tensor("empty");
  CHECK(e.numel() == 0);
  CHECK(e.bytes == 0);

  // Hints are advisory and must not disturb the data.
  ckpt->advise_all(pio::AccessHint::kRandom);
  ckpt->advise(a, pio::AccessHint::kWillNeed);
  ckpt->advise_prefix("b.", pio::AccessHint::kDontNeed);
  CHECK(std::equal(bv.begin(), bv.end(), bf16.begin(), bf16.end()));
}

TEST_CASE("lazy tensors are written chunk by chunk in order", "[safetensors]") {
  pio::test::TempDir dir;
  const auto path = dir / "lazy.safetensors";
  pio::SafetensorsWriter w(/*lazy_chunk_bytes=*/24);
  std::vector<uint64_t> offsets;
  // 37 floats = 148 bytes: chunks of 24 bytes, the last one shorter.
  w.add_lazy("lazy", DType::kF32, {37}, [&](std::span<std::byte> chunk, uint64_t offset) {
    offsets.push_back(offset);
    for (size_t i = 0; i < chunk.size() / 4; ++i) {
      float v = static_cast<float>(offset / 4 + i) * 0.5f;
      std::memcpy(chunk.data() + 4 * i, &v, 4);
    }
  });
  w.add_typed<float>("after", DType::kF32, {1}, std::vector<float>{-1.0f});
  w.write(path);
  CHECK(offsets == std::vector<uint64_t>{0, 24, 48, 72, 96, 120, 144});
  auto ckpt = pio::Checkpoint::open(path);
  auto v = ckpt->tensor("lazy").as<float>();
  for (size_t i = 0; i < 37; ++i) CHECK(v[i] == static_cast<float>(i) * 0.5f);
  CHECK(ckpt->tensor("after").as<float>()[0] == -1.0f);
}

TEST_CASE("writer rejects inconsistent input", "[safetensors]") {
  pio::SafetensorsWriter w;
  std::vector<float> three(3);
  CHECK_THROWS_WITH(w.add_typed<float>("x", DType::kF32, {2, 2}, three), Catch::Contains("'x'") && Catch::Contains("16 bytes"));
  w.add_typed<float>("y", DType::kF32, {3}, three);
  CHECK_THROWS_WITH(w.add_typed<float>("y", DType::kF32, {3}, three), Catch::Contains("added twice"));
  CHECK_THROWS_WITH(w.add_typed<float>("z", DType::kBF16, {3}, three), Catch::Contains("does not match"));
  CHECK_THROWS_AS(pio::SafetensorsWriter(12), pio::Error);
}

TEST_CASE("a failing lazy fill leaves no file behind", "[safetensors]") {
  pio::test::TempDir dir;
  pio::SafetensorsWriter w;
  w.add_lazy("boom", DType::kF32, {4}, [](std::span<std::byte>, uint64_t) {
    pio::throw_error(pio::ErrorCode::kInternal, "fill failed");
  });
  CHECK_THROWS_WITH(w.write(dir / "x.safetensors"), Catch::Contains("fill failed"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.safetensors"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.safetensors.tmp"));
}
