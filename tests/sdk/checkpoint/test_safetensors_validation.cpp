// Every header validation failure, each from a crafted file; the message must name the problem,
// the file and (where there is one) the tensor.
#include <catch2/catch.hpp>

#include <string>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/error.h"
#include "pio/sdk/safetensors.h"
#include "pio/sdk/safetensors_writer.h"
#include "temp_dir.h"

using Catch::Contains;

namespace {

// Opens `bytes` written to a file; returns the error message (fails the test if it opens).
std::string open_error(const std::vector<uint8_t>& bytes, pio::ErrorCode expected = pio::ErrorCode::kBadFormat) {
  pio::test::TempDir dir;
  auto path = dir / "bad.safetensors";
  pio::test::write_bytes(path, bytes);
  try {
    pio::SafetensorsFile::open(path);
  } catch (const pio::Error& e) {
    CHECK(e.code() == expected);
    std::string msg = e.what();
    CHECK_THAT(msg, Contains("bad.safetensors"));
    return msg;
  }
  FAIL("opening the crafted file did not throw");
  return {};
}

const std::string kGood = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";

}  // namespace

TEST_CASE("a well-formed crafted file opens (control for the failures below)", "[safetensors][validation]") {
  pio::test::TempDir dir;
  pio::test::write_bytes(dir / "ok.safetensors", pio::test::safetensors_bytes(kGood, 16));
  auto f = pio::SafetensorsFile::open(dir / "ok.safetensors");
  REQUIRE(f->find("w"));
  CHECK(f->find("w")->shape == std::vector<int64_t>{2, 2});
}

TEST_CASE("file too short for the length prefix", "[safetensors][validation]") {
  CHECK_THAT(open_error({1, 2, 3}), Contains("too short"));
  CHECK_THAT(open_error({}), Contains("too short"));
}

TEST_CASE("header length above the 100 MB limit", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(kGood, 16, 200ull << 20));
  CHECK_THAT(msg, Contains("header length 209715200") && Contains("limit"));
}

TEST_CASE("header length beyond the end of the file", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(kGood, 16, 5000));
  CHECK_THAT(msg, Contains("header length 5000 exceeds the file size"));
}

TEST_CASE("truncated file: tensor data cut off", "[safetensors][validation]") {
  auto bytes = pio::test::safetensors_bytes(kGood, 16);
  bytes.resize(bytes.size() - 5);
  auto msg = open_error(bytes);
  CHECK_THAT(msg, Contains("'w'") && Contains("outside the data section") && Contains("truncated"));
}

TEST_CASE("truncated file: header cut off", "[safetensors][validation]") {
  auto bytes = pio::test::safetensors_bytes(kGood, 16);
  bytes.resize(8 + kGood.size() / 2);
  CHECK_THAT(open_error(bytes), Contains("exceeds the file size"));
}

TEST_CASE("data offsets outside the data section", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[64,80]}})", 16));
  CHECK_THAT(msg, Contains("'w'") && Contains("[64, 80]") && Contains("outside the data section"));
}

TEST_CASE("data offsets that end before they begin", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}})", 16));
  CHECK_THAT(msg, Contains("'w'") && Contains("end before they begin"));
}

TEST_CASE("overlapping tensors", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(
      R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16));
  CHECK_THAT(msg, Contains("'a'") && Contains("'b'") && Contains("overlap"));
}

TEST_CASE("byte range inconsistent with dtype x shape", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(
      R"({"w":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,16]}})", 16));
  CHECK_THAT(msg, Contains("'w'") && Contains("hold 16 bytes") && Contains("BF16 [2, 2] needs 8 bytes"));
}

TEST_CASE("malformed header JSON", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(R"({"w":{"dtype":"F32",)", 16));
  CHECK_THAT(msg, Contains("malformed JSON header") && Contains("offset"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes("[1,2]", 0)), Contains("not an object"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes("{\"w\":\"\xff\xfe\"}", 0)), Contains("malformed JSON"));
}

TEST_CASE("unknown dtype", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(
      R"({"w":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,2]}})", 2));
  CHECK_THAT(msg, Contains("'w'") && Contains("unsupported dtype 'Q4_K'"));
}

TEST_CASE("malformed tensor entries", "[safetensors][validation]") {
  CHECK_THAT(open_error(pio::test::safetensors_bytes(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)),
             Contains("'w'") && Contains("non-negative"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4)),
             Contains("'w'") && Contains("shape"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4)),
             Contains("'w'") && Contains("data_offsets"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4)),
             Contains("'w'") && Contains("dtype"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes(R"({"w":3})", 0)), Contains("'w'") && Contains("not an object"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes(
                 R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8)),
             Contains("'w'") && Contains("too large"));
  CHECK_THAT(open_error(pio::test::safetensors_bytes(R"({"__metadata__":{"k":1}})", 0)), Contains("__metadata__"));
}

TEST_CASE("duplicate tensor name inside one header", "[safetensors][validation]") {
  auto msg = open_error(pio::test::safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
      8));
  CHECK_THAT(msg, Contains("'w'") && Contains("twice"));
}

TEST_CASE("missing file and directory without weights", "[safetensors][validation]") {
  pio::test::TempDir dir;
  try {
    pio::Checkpoint::open(dir.path());
    FAIL("no error");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kNotFound);
    CHECK_THAT(std::string(e.what()), Contains("model.safetensors"));
  }
  CHECK_THROWS_WITH(pio::SafetensorsFile::open(dir / "nope.safetensors"), Contains("nope.safetensors"));
  CHECK_THROWS_WITH(pio::Checkpoint::open(dir / "nope"), Contains("no such file"));
}

TEST_CASE("the header parser is usable on bytes alone", "[safetensors][validation]") {
  auto bytes = pio::test::safetensors_bytes(kGood, 16);
  auto header = pio::parse_safetensors_header(std::as_bytes(std::span(bytes)), bytes.size(), "mem");
  REQUIRE(header.tensors.size() == 1);
  CHECK(header.data_offset == 8 + kGood.size());
  CHECK(header.data_size == 16);
  CHECK(header.tensors[0].byte_size() == 16);
}
