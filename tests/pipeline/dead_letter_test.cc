#include "pipeline/core/dead_letter.h"

#include <catch2/catch.hpp>

#include "pipeline/core/content_hash.h"

using namespace modstream;

TEST_CASE("a dead letter keeps the original bytes and names error and source", "[dead_letter]") {
  const std::string value("{\"broken\x00\xff", 10);  // a NUL and a byte that is not UTF-8
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

namespace {

// A class a stage defines for itself (as hash_match does for images).
constexpr ErrorClass kCorruptImage{"corrupt_image"};

OutputRecord bigDeadLetter(size_t value_bytes, std::vector<Header> original_headers = {}) {
  std::string value(value_bytes, '\0');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 131 % 251);
  auto record = InputRecord::owning({"media", Partition{1}, Offset{7}}, std::string("acct-9"),
                                    value, std::move(original_headers), 1);
  return makeDeadLetter(record, RecordError{kCorruptImage, "hash_match", "not an image"}, 2);
}

std::string headerOrAbsent(const OutputRecord& out, const std::string& name) {
  return std::string(out.header(name).value_or("<absent>"));
}

}  // namespace

TEST_CASE("a dead letter at or under the size limit is untouched, one byte over is truncated",
          "[dead_letter]") {
  namespace h = dead_letter_header;
  const OutputRecord original = bigDeadLetter(100000);
  const std::string original_value = original.value;
  const size_t exact = recordBatchBytes(original);

  OutputRecord at_limit = original;
  CHECK_FALSE(fitDeadLetter(at_limit, exact));
  CHECK(at_limit.value == original_value);
  CHECK(headerOrAbsent(at_limit, h::kValueTruncated) == "<absent>");

  OutputRecord under_limit = original;
  CHECK_FALSE(fitDeadLetter(under_limit, exact + 1));
  CHECK(under_limit.value == original_value);

  OutputRecord over_limit = original;
  REQUIRE(fitDeadLetter(over_limit, exact - 1));
  CHECK(recordBatchBytes(over_limit) <= exact - 1);
  CHECK(original_value.starts_with(over_limit.value));
  CHECK(over_limit.value.size() > 99000);  // only the room for the marks was given up
  CHECK(headerOrAbsent(over_limit, h::kValueTruncated) == "true");
  CHECK(headerOrAbsent(over_limit, h::kValueOriginalBytes) == "100000");
  CHECK(headerOrAbsent(over_limit, h::kValueSha256) ==
        hexDigest(HashType::kSha256, original_value));
  CHECK(headerOrAbsent(over_limit, h::kSourceOffset) == "7");
  CHECK(headerOrAbsent(over_limit, h::kErrorClass) == "corrupt_image");
  CHECK(over_limit.key == "acct-9");
}

TEST_CASE("a dead letter whose original headers leave no room drops them and says how many",
          "[dead_letter]") {
  namespace h = dead_letter_header;
  OutputRecord out = bigDeadLetter(5000, {{"trace", std::string(20000, 'x')}, {"media_id", "m-1"}});
  REQUIRE(fitDeadLetter(out, 8192));
  CHECK(recordBatchBytes(out) <= 8192);
  CHECK(headerOrAbsent(out, "trace") == "<absent>");
  CHECK(headerOrAbsent(out, h::kHeadersDropped) == "2");
  CHECK(headerOrAbsent(out, h::kValueOriginalBytes) == "5000");
  CHECK(headerOrAbsent(out, h::kErrorMessage) == "not an image");
  CHECK(!out.value.empty());
}
