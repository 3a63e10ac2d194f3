#include "stages/decide/decide_stage.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

std::unique_ptr<Stage> makeStage(const std::string& yaml) {
  ConfigErrors errors;
  testing::FixedClock clock(0);
  auto factory = decideStageBuilder()(YAML::Load(yaml), "stages[1].config",
                                      StageEnvironment{".", clock, nullptr}, errors);
  INFO(errors.str());
  REQUIRE(factory);
  return factory->create();
}

const BankMatch kMatch{"iwf-sample", "E-77", "md5", 0, "A", "media-5", "media_bytes"};

}  // namespace

TEST_CASE("a bank match becomes a complete takedown event", "[decide]") {
  auto stage = makeStage("{action: remove, preserve_evidence: true}");
  auto record =
      InputRecord::owning({"media", Partition{2}, Offset{17}}, std::string("acct-3"), "x");
  MediaRecord media{MediaId("media-5"), AccountId("acct-3"), PostId("post-8"), "image/png", "x"};
  Signals signals;
  signals.bank_matches.push_back(kMatch);
  REQUIRE_FALSE(stage->process(media, StageContext{record, 1700000000123}, signals).error);
  REQUIRE(signals.outputs.size() == 1);
  const auto& out = signals.outputs[0];
  CHECK(out.topic == OutputTopic::kTakedowns);
  CHECK(out.key == "media-5");
  auto event = nlohmann::json::parse(out.value);
  CHECK(event["schema_version"] == 1);
  CHECK(event["event_type"] == "takedown");
  CHECK(event["event_id"] == takedownEventId(kMatch, record.source()));
  CHECK(event["content_ids"]["media_id"] == "media-5");
  CHECK(event["content_ids"]["post_id"] == "post-8");
  CHECK(event["content_ids"]["account_id"] == "acct-3");
  CHECK(event["match"]["bank"] == "iwf-sample");
  CHECK(event["match"]["entry_id"] == "E-77");
  CHECK(event["match"]["hash_type"] == "md5");
  CHECK(event["match"]["distance"] == 0);
  CHECK(event["match"]["category"] == "A");
  CHECK(event["action"] == "remove");
  CHECK(event["preserve_evidence"] == true);
  CHECK(event["detected_at_ms"] == 1700000000123);
  CHECK(event["source"]["topic"] == "media");
  CHECK(event["source"]["partition"] == 2);
  CHECK(event["source"]["offset"] == 17);
}

TEST_CASE("event ids are deterministic per record and match", "[decide]") {
  SourceCoordinates source{"media", Partition{2}, Offset{17}};
  CHECK(takedownEventId(kMatch, source) == takedownEventId(kMatch, source));
  CHECK_THAT(takedownEventId(kMatch, source), Catch::StartsWith("td-"));
  SourceCoordinates later{"media", Partition{2}, Offset{18}};
  CHECK(takedownEventId(kMatch, source) != takedownEventId(kMatch, later));
  BankMatch other = kMatch;
  other.entry_id = "E-78";
  CHECK(takedownEventId(kMatch, source) != takedownEventId(other, source));
}

TEST_CASE("no matches means no outputs", "[decide]") {
  auto stage = makeStage("{}");
  auto record = InputRecord::owning({"posts", Partition{0}, Offset{0}}, std::string("a"), "x");
  Post post;
  Signals signals;
  REQUIRE_FALSE(stage->process(post, StageContext{record, 0}, signals).error);
  CHECK(signals.outputs.empty());
}
