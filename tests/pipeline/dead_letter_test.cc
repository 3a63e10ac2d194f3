#include "pipeline/events/dead_letter.h"

#include <catch2/catch.hpp>

using namespace modstream;

TEST_CASE("a dead letter keeps the original bytes and names error and source", "[dead_letter]") {
  const std::string value("{\"broken\x00\xff", 11);
  auto record = InputRecord::owning({"posts", Partition{3}, Offset{99}}, std::string("acct-1"),
                                    value, {{"trace", "abc"}}, 1234);
  auto out = makeDeadLetter(
      record, RecordError{ErrorClass::kMalformedJson, "decode", "value is not valid JSON"}, 5678);
  CHECK(out.topic == OutputTopic::kDeadLetter);
  CHECK(out.key == "acct-1");
  CHECK(out.value == value);
  auto header = [&](const std::string& name) {
    for (const auto& h : out.headers) {
      if (h.name == name) return h.value;
    }
    FAIL("missing header " << name);
    return std::string();
  };
  CHECK(header("trace") == "abc");  // original headers are kept
  CHECK(header(dead_letter_header::kErrorClass) == "malformed_json");
  CHECK(header(dead_letter_header::kErrorStage) == "decode");
  CHECK(header(dead_letter_header::kErrorMessage) == "value is not valid JSON");
  CHECK(header(dead_letter_header::kSourceTopic) == "posts");
  CHECK(header(dead_letter_header::kSourcePartition) == "3");
  CHECK(header(dead_letter_header::kSourceOffset) == "99");
  CHECK(header(dead_letter_header::kSourceTimestampMs) == "1234");
  CHECK(header(dead_letter_header::kFailedAtMs) == "5678");
}
