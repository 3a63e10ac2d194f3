#include "stages/hash_match/hash_match_stage.h"

#include <catch2/catch.hpp>

#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

std::unique_ptr<Stage> makeStage(const std::string& yaml) {
  ConfigErrors errors;
  testing::FixedClock clock(0);
  StageEnvironment env{MODSTREAM_SOURCE_DIR "/stages/hash_match/tests/data", clock, nullptr};
  auto factory = hashMatchStageBuilder()(YAML::Load(yaml), "stages[0].config", env, errors);
  INFO(errors.str());
  REQUIRE(factory);
  return factory->create();
}

Signals run(Stage& stage, const Content& content) {
  Signals signals;
  REQUIRE_FALSE(testing::processOne(stage, content, signals, "media").error);
  return signals;
}

}  // namespace

TEST_CASE("client-side hashes in a post match exact bank entries", "[hash_match]") {
  auto stage = makeStage("banks: [{name: test-bank, path: mixed.csv}]");
  Post post;
  post.account_id = AccountId("acct-1");
  post.media.push_back(
      MediaRef{MediaId("m-1"), {{HashType::kMd5, "0123456789abcdef0123456789abcdef"}}});
  post.media.push_back(
      MediaRef{MediaId("m-2"), {{HashType::kSha1, "0123456789abcdef0123456789abcdef01234567"}}});
  post.media.push_back(
      MediaRef{MediaId("m-3"), {{HashType::kMd5, "ffffffffffffffffffffffffffffffff"}}});
  Signals signals = run(*stage, post);
  REQUIRE(signals.bank_matches.size() == 2);
  CHECK(signals.bank_matches[0].bank == "test-bank");
  CHECK(signals.bank_matches[0].entry_id == "E-1");
  CHECK(signals.bank_matches[0].content_id == "m-1");
  CHECK(signals.bank_matches[0].match_source == MatchSource::kClientHash);
  CHECK(signals.bank_matches[1].entry_id == "E-2");
  CHECK(signals.bank_matches[1].hash_type == HashType::kSha1);
  CHECK(signals.bank_matches[1].category == "B");
}

TEST_CASE("media bytes are hashed with MD5 and SHA-1 and SHA-256 and matched", "[hash_match]") {
  // abc.csv holds the published digests of "abc" (RFC 1321, FIPS 180-2).
  auto stage = makeStage("banks: [{name: vectors, path: abc.csv}, {name: other, path: mixed.csv}]");
  MediaRecord media{MediaId("m-9"), AccountId("acct-1"), std::nullopt, "image/png", "abc"};
  Signals signals = run(*stage, media);
  REQUIRE(signals.bank_matches.size() == 3);
  std::vector<std::string> entries;
  for (const auto& m : signals.bank_matches) {
    entries.push_back(m.entry_id);
    CHECK(m.bank == "vectors");
    CHECK(m.content_id == "m-9");
    CHECK(m.match_source == MatchSource::kMediaBytes);
    CHECK(m.distance == 0);
  }
  CHECK(entries == std::vector<std::string>{"ABC-MD5", "ABC-SHA1", "ABC-SHA256"});

  // "abc" is no image, but its digests are known: matched without a PDQ. Unknown bytes that do not
  // decode are an error the runtime dead-letters.
  MediaRecord other{MediaId("m-10"), AccountId("acct-1"), std::nullopt, "image/png", "abd"};
  auto record = InputRecord::owning({"media", Partition{0}, Offset{0}}, std::nullopt, "");
  Signals other_signals;
  const auto status = stage->process(other, StageContext{record, 0}, other_signals);
  REQUIRE(status.error);
  CHECK(status.error->error_class == image_error::kUnsupported);
  CHECK(other_signals.bank_matches.empty());
}

TEST_CASE("a disabled bank matches nothing", "[hash_match]") {
  auto stage = makeStage("banks: [{name: off, path: mixed.csv, enabled: false}]");
  Post post;
  post.media.push_back(
      MediaRef{MediaId("m-1"), {{HashType::kMd5, "0123456789abcdef0123456789abcdef"}}});
  CHECK(run(*stage, post).bank_matches.empty());
}
