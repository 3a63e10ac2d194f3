#include "pipeline/input/record_decoder.h"

#include <catch2/catch.hpp>

using namespace modstream;

namespace {

InputRecord post(std::string value, std::optional<std::string> key = "acct-1") {
  return InputRecord::owning({"posts", Partition{2}, Offset{41}}, std::move(key), std::move(value));
}

RecordDecoder decoder(DecoderLimits limits = {}) {
  return RecordDecoder(InputTopics{}, limits);
}

RecordError errorOf(const Result<Content>& result) {
  REQUIRE_FALSE(result.ok());
  return result.error();
}

}  // namespace

TEST_CASE("a full post decodes into typed fields", "[decoder]") {
  auto d = decoder();
  auto result =
      d.decode(post(R"({"post_id":"p1","account_id":"acct-1","created_at_ms":1700000000000,
    "text":"hi","context":{"kind":"direct_message","recipient_account_id":"acct-2",
    "recipient_is_minor":true,"account_age_days":3},
    "media":[{"media_id":"m1","md5":"0123456789ABCDEF0123456789abcdef"}],"extra":"ignored"})"));
  REQUIRE(result.ok());
  const auto& p = std::get<Post>(result.value());
  CHECK(p.post_id.str() == "p1");
  CHECK(p.account_id.str() == "acct-1");
  CHECK(p.created_at_ms == 1700000000000);
  CHECK(p.context.kind == PostKind::kDirectMessage);
  CHECK(p.context.recipient_account_id->str() == "acct-2");
  CHECK(p.context.recipient_is_minor);
  CHECK(p.context.account_age_days == 3);
  REQUIRE(p.media.size() == 1);
  CHECK(p.media[0].hash(HashType::kMd5) ==
        "0123456789abcdef0123456789abcdef");  // normalised to lower case
  CHECK_FALSE(p.media[0].hash(HashType::kSha256));
}

TEST_CASE("malformed posts name the error class and the field", "[decoder]") {
  auto d = decoder();
  struct Case {
    std::string value;
    ErrorClass error_class;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {"{not json", ErrorClass::kMalformedJson, "not valid JSON"},
      {"[1,2]", ErrorClass::kSchemaViolation, "JSON object"},
      {R"({"account_id":"acct-1","created_at_ms":1,"text":""})", ErrorClass::kSchemaViolation,
       "'post_id'"},
      {R"({"post_id":"p","account_id":"acct-1","created_at_ms":"x","text":""})",
       ErrorClass::kSchemaViolation, "'created_at_ms'"},
      {R"({"post_id":"p","account_id":"acct-1","created_at_ms":-5,"text":""})",
       ErrorClass::kSchemaViolation, "'created_at_ms'"},
      {R"({"post_id":"p","account_id":"acct-1","created_at_ms":1})", ErrorClass::kSchemaViolation,
       "'text'"},
      {R"({"post_id":"p","account_id":"acct-1","created_at_ms":1,"text":"","context":{"kind":"shout"}})",
       ErrorClass::kSchemaViolation, "'context.kind'"},
      {R"({"post_id":"p","account_id":"acct-1","created_at_ms":1,"text":"","context":{"kind":"direct_message"}})",
       ErrorClass::kSchemaViolation, "'context.recipient_account_id'"},
      {R"({"post_id":"p","account_id":"acct-1","created_at_ms":1,"text":"","media":[{"media_id":"m","sha256":"zz"}]})",
       ErrorClass::kSchemaViolation, "'media[0].sha256'"},
      {R"({"post_id":"p","account_id":"acct-1","created_at_ms":1,"text":"","media":[{"md5":"00"}]})",
       ErrorClass::kSchemaViolation, "'media[0].media_id'"},
      {R"({"post_id":"p","account_id":"acct-2","created_at_ms":1,"text":""})",
       ErrorClass::kSchemaViolation, "record key"},
  };
  for (const auto& c : cases) {
    INFO(c.value);
    const auto error = errorOf(d.decode(post(c.value)));
    CHECK(error.error_class == c.error_class);
    CHECK(error.stage == "decode");
    CHECK_THAT(error.message, Catch::Contains(c.mentions));
  }
}

TEST_CASE("a post with no key is rejected: partitions own accounts", "[decoder]") {
  auto d = decoder();
  const auto error = errorOf(d.decode(
      post(R"({"post_id":"p","account_id":"a","created_at_ms":1,"text":""})", std::nullopt)));
  CHECK_THAT(error.message, Catch::Contains("no key"));
}

TEST_CASE("limits are enforced with their config names", "[decoder]") {
  DecoderLimits limits;
  limits.max_record_bytes = 1024;
  limits.max_text_bytes = 16;
  limits.max_media_per_post = 1;
  limits.max_json_depth = 4;
  auto d = decoder(limits);
  CHECK_THAT(errorOf(d.decode(post(std::string(2000, ' ')))).message,
             Catch::Contains("limits.max_record_bytes"));
  CHECK_THAT(errorOf(d.decode(post(R"({"post_id":"p","account_id":"acct-1","created_at_ms":1,
    "text":"this text is longer than sixteen bytes"})")))
                 .message,
             Catch::Contains("limits.max_text_bytes"));
  CHECK_THAT(errorOf(d.decode(post(R"({"post_id":"p","account_id":"acct-1","created_at_ms":1,
    "text":"","media":[{"media_id":"a"},{"media_id":"b"}]})")))
                 .message,
             Catch::Contains("limits.max_media_per_post"));
  const auto too_deep = errorOf(d.decode(post(R"({"a":[[[[[[[[1]]]]]]]]})")));
  CHECK(too_deep.error_class == ErrorClass::kRecordTooLarge);
  CHECK_THAT(too_deep.message, Catch::Contains("limits.max_json_depth"));
  CHECK(errorOf(d.decode(post(R"({"a":[1)"))).error_class == ErrorClass::kMalformedJson);
}

TEST_CASE("JSON nesting at max_json_depth passes and one level more is too deep", "[decoder]") {
  DecoderLimits limits;
  limits.max_json_depth = 4;  // the post object and three arrays
  auto d = decoder(limits);
  const std::string fields = R"("post_id":"p","account_id":"acct-1","created_at_ms":1,"text":"")";
  CHECK(d.decode(post("{" + fields + R"(,"x":[[1]]})")).ok());            // depth 3
  CHECK(d.decode(post("{" + fields + R"(,"x":[[[1]]]})")).ok());          // depth 4: at the limit
  const auto over = d.decode(post("{" + fields + R"(,"x":[[[[1]]]]})"));  // depth 5
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().error_class == ErrorClass::kRecordTooLarge);
}

TEST_CASE("media records take their ids from headers", "[decoder]") {
  auto d = decoder();
  auto record = InputRecord::owning({"media", Partition{0}, Offset{7}}, std::string("acct-9"),
                                    std::string("\x89PNG...", 7),
                                    {{"media_id", "m-1"},
                                     {"account_id", "acct-9"},
                                     {"content_type", "image/png"},
                                     {"post_id", "p-3"}});
  auto result = d.decode(record);
  REQUIRE(result.ok());
  const auto& media = std::get<MediaRecord>(result.value());
  CHECK(media.media_id.str() == "m-1");
  CHECK(media.post_id->str() == "p-3");
  CHECK(media.bytes.size() == 7);

  auto missing = InputRecord::owning({"media", Partition{0}, Offset{8}}, std::string("acct-9"),
                                     "bytes", {{"account_id", "acct-9"}});
  const auto error = errorOf(d.decode(missing));
  CHECK(error.error_class == ErrorClass::kMissingHeader);
  CHECK_THAT(error.message, Catch::Contains("media_id"));
}

TEST_CASE("records from other topics are rejected", "[decoder]") {
  auto d = decoder();
  auto record = InputRecord::owning({"elsewhere", Partition{0}, Offset{0}}, std::nullopt, "x");
  CHECK(errorOf(d.decode(record)).error_class == ErrorClass::kUnknownTopic);
}
