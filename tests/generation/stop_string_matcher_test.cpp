// Stop strings across token boundaries: held back while undecided, never emitted.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pio/generation/stop_string_matcher.h"

using pio::StopStringMatcher;

namespace {

struct Run {
  std::string text;
  bool stopped = false;
  std::string stop;
};

Run feed(std::vector<std::string> stops, const std::vector<std::string>& pieces) {
  StopStringMatcher matcher(std::move(stops));
  Run run;
  for (const std::string& piece : pieces) {
    auto r = matcher.push(piece);
    run.text += r.text;
    if (r.stopped) {
      run.stopped = true;
      run.stop = r.stop;
    }
  }
  run.text += matcher.flush();
  return run;
}

}  // namespace

TEST_CASE("a stop string split over tokens ends the text before it", "[stop]") {
  const Run run = feed({"\nUser:"}, {"Hello", " there\nU", "se", "r: more", " text"});
  CHECK(run.stopped);
  CHECK(run.stop == "\nUser:");
  CHECK(run.text == "Hello there");
}

TEST_CASE("text that only looks like a stop prefix is released", "[stop]") {
  StopStringMatcher matcher({"STOP"});
  auto r1 = matcher.push("abc ST");
  CHECK(r1.text == "abc ");
  CHECK(matcher.held_bytes() == 2);
  auto r2 = matcher.push("O");
  CHECK(r2.text.empty());
  auto r3 = matcher.push("P!");
  CHECK(r3.stopped);
  CHECK(r3.text.empty());

  const Run no_stop = feed({"STOP"}, {"ST", "OR", "E ST"});
  CHECK_FALSE(no_stop.stopped);
  CHECK(no_stop.text == "STORE ST");  // the held tail comes out at the end
}

TEST_CASE("the earliest match wins, and the longest at the same place", "[stop]") {
  CHECK(feed({"world", "lo w"}, {"hello world"}).text == "hel");
  const Run run = feed({"ab", "abc"}, {"xxab", "c"});
  CHECK(run.text == "xx");
  CHECK(run.stop == "ab");  // "ab" completed first, before "abc" could be seen
  CHECK(feed({"ab", "abc"}, {"xxabc"}).stop == "abc");
}

TEST_CASE("every split of the text gives the same result", "[stop]") {
  const std::string text = "one <|x|> two </s> three";
  for (size_t cut1 = 0; cut1 <= text.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= text.size(); cut2 += 3) {
      const Run run = feed({"</s>", "<|y|>"}, {text.substr(0, cut1), text.substr(cut1, cut2 - cut1),
                                              text.substr(cut2)});
      REQUIRE(run.text == "one <|x|> two ");
      REQUIRE(run.stop == "</s>");
    }
  }
}

TEST_CASE("no stop strings passes text through at once", "[stop]") {
  StopStringMatcher matcher({"", ""});
  CHECK(matcher.push("abc").text == "abc");
  CHECK(matcher.held_bytes() == 0);
  CHECK(matcher.flush().empty());
}
