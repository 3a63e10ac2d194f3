#include "stages/decide/decide_stage.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "stages/decide/escalation.h"
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

const BankMatch kMatch{"iwf-sample", "E-77",    HashType::kMd5,          0,
                       "A",          "media-5", MatchSource::kMediaBytes};

}  // namespace

TEST_CASE("a bank match becomes a complete takedown event", "[decide]") {
  auto stage = makeStage("{preserve_evidence: true}");
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
  CHECK(event["event_id"] == takedownEventId(kMatch, record.source(), "known-content", "remove"));
  CHECK(event["content_ids"]["media_id"] == "media-5");
  CHECK(event["content_ids"]["post_id"] == "post-8");
  CHECK(event["content_ids"]["account_id"] == "acct-3");
  CHECK(event["match"]["bank"] == "iwf-sample");
  CHECK(event["match"]["entry_id"] == "E-77");
  CHECK(event["match"]["hash_type"] == "md5");
  CHECK(event["match"]["distance"] == 0);
  CHECK(event["match"]["category"] == "A");
  CHECK(event["action"] == "remove");
  CHECK(event["rule"] == "known-content");
  CHECK(event["preserve_evidence"] == true);
  CHECK(event["detected_at_ms"] == 1700000000123);
  CHECK(event["source"]["topic"] == "media");
  CHECK(event["source"]["partition"] == 2);
  CHECK(event["source"]["offset"] == 17);
}

TEST_CASE("event ids are deterministic per record, match, rule and action", "[decide]") {
  SourceCoordinates source{"media", Partition{2}, Offset{17}};
  auto id = [](const BankMatch& match, const SourceCoordinates& where,
               const std::string& rule = "known-content", const std::string& action = "remove") {
    return takedownEventId(match, where, rule, action);
  };
  CHECK(id(kMatch, source) == id(kMatch, source));
  CHECK_THAT(id(kMatch, source), Catch::StartsWith("td-"));
  SourceCoordinates later{"media", Partition{2}, Offset{18}};
  CHECK(id(kMatch, source) != id(kMatch, later));
  BankMatch other = kMatch;
  other.entry_id = "E-78";
  CHECK(id(kMatch, source) != id(other, source));
  // Two takedown rules, or two actions, on one match are two events.
  CHECK(id(kMatch, source, "known-content", "remove") !=
        id(kMatch, source, "known-content", "restrict"));
  CHECK(id(kMatch, source, "known-content", "remove") !=
        id(kMatch, source, "other-rule", "remove"));
}

// Consumers de-duplicate by event id, also across modstream versions (a record re-read after an
// upgrade must keep its id). These literals change only with a deliberate, documented contract
// change; a refactoring that changes them is a bug.
TEST_CASE("event ids are pinned across versions", "[decide][golden]") {
  const SourceCoordinates source{"media", Partition{2}, Offset{17}};
  CHECK(takedownEventId(kMatch, source, "known-content", "remove") ==
        "td-8e4020411579ca7496fa5014a2e5baac");
  CHECK(escalationEventId(source) == "es-27e703210170b79b2f84c97d697f6268");
  CHECK(labelEventId(source, "nsfw") == "lb-e250450f504bd43c1855c92190385990");
}

TEST_CASE("no matches means no outputs", "[decide]") {
  auto stage = makeStage("{}");
  auto record = InputRecord::owning({"posts", Partition{0}, Offset{0}}, std::string("a"), "x");
  Post post;
  Signals signals;
  REQUIRE_FALSE(stage->process(post, StageContext{record, 0}, signals).error);
  CHECK(signals.outputs.empty());
}

namespace {

Post postWith(PostKind kind, bool recipient_is_minor) {
  Post post;
  post.post_id = PostId("post-1");
  post.account_id = AccountId("acct-1");
  post.text = "I will kill you, see bad.example.test";
  post.context.kind = kind;
  post.context.recipient_is_minor = recipient_is_minor;
  return post;
}

TextRiskSignal signalOf(std::vector<CategoryScore> categories) {
  TextRiskSignal signal;
  signal.categories = std::move(categories);
  signal.reasons = {
      {"lexicon", "threat.i-will-kill-you", "threat_of_violence", 0.9, false, 0, 15,
       "I will kill you", "", "", "", 0},
      {"lexicon", "harassment.loser", "harassment", 0.2, false, 0, 5, "loser", "", "", "", 0},
      {"url_list", "URL-3", "listed_url", 1.0, false, 21, 37, "bad.example.test", "urls", "C", "",
       0}};
  return signal;
}

std::vector<OutputRecord> decide(const std::string& yaml, const Post& post,
                                 const TextRiskSignal& signal) {
  auto stage = makeStage(yaml);
  auto record = InputRecord::owning({"posts", Partition{1}, Offset{5}}, std::string("acct-1"), "x");
  Signals signals;
  signals.text_risk = signal;
  REQUIRE_FALSE(stage->process(post, StageContext{record, 1000}, signals).error);
  return signals.outputs;
}

}  // namespace

TEST_CASE("flagged text becomes one escalation with the flagged reasons only", "[decide]") {
  const auto outputs =
      decide("{}", postWith(PostKind::kPublic, false),
             signalOf({{"threat_of_violence", 0.8, 0.5, true}, {"harassment", 0.2, 0.5, false}}));
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0].topic == OutputTopic::kEscalations);
  CHECK(outputs[0].key == "acct-1");
  const auto event = nlohmann::json::parse(outputs[0].value);
  CHECK(event["priority"] == "P1");
  CHECK(event["deadline_ms"] == 1000 + 60 * 60000);
  CHECK(event["category"] == "threat_of_violence");
  CHECK(event["categories"].size() == 1);
  REQUIRE(event["reasons"].size() == 1);
  CHECK(event["reasons"][0]["quote"] == "I will kill you");
  // The same record always gives the same event id; another record another.
  CHECK(event["event_id"] ==
        nlohmann::json::parse(decide("{}", postWith(PostKind::kPublic, false),
                                     signalOf({{"threat_of_violence", 0.8, 0.5, true}}))[0]
                                  .value)["event_id"]);
}

TEST_CASE("priority follows category and context from config", "[decide]") {
  auto priorityOf = [](const std::string& yaml, const Post& post, const CategoryScore& score) {
    const auto outputs = decide(yaml, post, signalOf({score}));
    REQUIRE(outputs.size() == 1);
    return nlohmann::json::parse(outputs[0].value)["priority"].get<std::string>();
  };
  const Post public_post = postWith(PostKind::kPublic, false);
  const Post dm_to_minor = postWith(PostKind::kDirectMessage, true);
  CHECK(priorityOf("{}", public_post, {"threat_of_violence", 0.95, 0.5, true}) == "P0");
  CHECK(priorityOf("{}", public_post, {"grooming", 0.6, 0.5, true}) == "P1");
  CHECK(priorityOf("{}", dm_to_minor, {"grooming", 0.6, 0.5, true}) == "P0");
  CHECK(priorityOf("{}", public_post, {"fraud", 0.6, 0.5, true}) == "P3");
  CHECK(priorityOf("{}", public_post, {"new_category", 0.6, 0.5, true}) == "P2");
  CHECK(priorityOf("{escalation: {priorities: {fraud: P1}}}", public_post,
                   {"fraud", 0.6, 0.5, true}) == "P1");
}

TEST_CASE("a listed URL takes the post down instead of escalating it", "[decide]") {
  const auto outputs =
      decide("{}", postWith(PostKind::kPublic, false), signalOf({{"listed_url", 1.0, 0.5, true}}));
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0].topic == OutputTopic::kTakedowns);
  CHECK(outputs[0].key == "post-1");
  const auto event = nlohmann::json::parse(outputs[0].value);
  CHECK(event["match"]["hash_type"] == "url");
  CHECK(event["match"]["bank"] == "urls");
  CHECK(event["match"]["category"] == "C");
  CHECK_FALSE(event["content_ids"].contains("media_id"));
  const auto escalated =
      decide("{policy: {version: v1, rules: [{name: text, when: {text: {}}, action: escalate}]}}",
             postWith(PostKind::kPublic, false), signalOf({{"listed_url", 1.0, 0.5, true}}));
  REQUIRE(escalated.size() == 1);
  CHECK(escalated[0].topic == OutputTopic::kEscalations);
}

TEST_CASE("bad escalation config is reported with its path", "[decide]") {
  ConfigErrors errors;
  testing::FixedClock clock(0);
  auto factory = decideStageBuilder()(
      YAML::Load("{escalation: {priorities: {fraud: P9}, sla_minutes: {P0: 0}, colour: red}}"),
      "stages[2].config", StageEnvironment{".", clock, nullptr}, errors);
  CHECK_FALSE(factory);
  const std::string all = errors.str();
  CHECK(all.find("stages[2].config.escalation.priorities.fraud: must be one of P0") !=
        std::string::npos);
  CHECK(all.find("stages[2].config.escalation.sla_minutes.P0") != std::string::npos);
  CHECK(all.find("stages[2].config.escalation.colour: unknown key") != std::string::npos);
}

TEST_CASE("reputation lowers the bar and raises the priority for risky accounts", "[decide]") {
  const Post public_post = postWith(PostKind::kPublic, false);
  auto decideWith = [&](const std::optional<ReputationSnapshot>& reputation,
                        const CategoryScore& score) {
    auto stage = makeStage("{}");
    auto record =
        InputRecord::owning({"posts", Partition{1}, Offset{5}}, std::string("acct-1"), "x");
    Signals signals;
    signals.text_risk = signalOf({score});
    signals.reputation = reputation;
    REQUIRE_FALSE(stage->process(public_post, StageContext{record, 1000}, signals).error);
    return signals.outputs;
  };
  ReputationSnapshot trusted;
  ReputationSnapshot low_trust;
  low_trust.trust = 0.1;
  ReputationSnapshot contacts_minors;
  contacts_minors.messages_to_minors_last_day = 25;
  const CategoryScore below{"harassment", 0.45, 0.5, false};  // under 0.5, over 0.5 * 0.8
  CHECK(decideWith(trusted, below).empty());
  const auto low = decideWith(low_trust, below);
  REQUIRE(low.size() == 1);
  const auto event = nlohmann::json::parse(low[0].value);
  CHECK(event["priority"] == "P1");  // harassment is P2, one level up
  CHECK(event["reputation"]["trust"] == 0.1);
  const auto busy = decideWith(contacts_minors, {"harassment", 0.6, 0.5, true});
  REQUIRE(busy.size() == 1);
  CHECK(nlohmann::json::parse(busy[0].value)["priority"] == "P1");
  const auto none = decideWith(std::nullopt, {"harassment", 0.6, 0.5, true});
  CHECK(nlohmann::json::parse(none[0].value)["reputation"].is_null());
}

TEST_CASE("an escalated decodable image gets a blurred preview, a bank-matched one never does",
          "[decide][preview]") {
  // Previews on, media escalated by policy with or without a bank match (the bank-match rule
  // escalates here instead of taking down, so only the preview rule keeps the image away).
  auto stage = makeStage(
      "{previews: {enabled: true, max_side: 64}, policy: {version: v1, rules: ["
      "{name: known, when: {bank_match: {}}, action: escalate, priority: P0, category: known},"
      "{name: all-media, when: {content: media}, action: escalate, priority: P2, category: x}]}}");
  std::ifstream in(MODSTREAM_SOURCE_DIR "/config/samples/media/holiday-photo.png",
                   std::ios::binary);
  const std::string photo((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(photo.size() > 1000);
  auto escalate = [&](const std::string& media_id, int64_t offset, std::vector<BankMatch> matches) {
    MediaRecord media{MediaId(media_id), AccountId("acct-" + media_id), std::nullopt, "image/png",
                      photo};
    auto record = InputRecord::owning({"media", Partition{0}, Offset{offset}},
                                      std::string("acct-" + media_id), photo);
    Signals signals;
    signals.bank_matches = std::move(matches);
    REQUIRE_FALSE(stage->process(media, StageContext{record, 1000 + offset}, signals).error);
    for (const auto& out : signals.outputs) {
      if (out.topic == OutputTopic::kEscalations) return nlohmann::json::parse(out.value);
    }
    FAIL("no escalation");
    return nlohmann::json();
  };

  const auto unmatched = escalate("plain", 1, {});
  REQUIRE(unmatched.contains("preview"));
  CHECK(unmatched["preview"]["blurred"] == true);
  CHECK(unmatched["preview"]["greyscale"] == true);
  CHECK(std::max(unmatched["preview"]["width"].get<int>(),
                 unmatched["preview"]["height"].get<int>()) <= 64);
  CHECK_FALSE(unmatched["preview"]["data_base64"].get<std::string>().empty());

  const BankMatch banked{"iwf-sample", "E-1",    HashType::kMd5,          0,
                         "A",          "banked", MatchSource::kMediaBytes};
  const auto matched = escalate("banked", 2, {banked});
  CHECK(matched["category"] == "known");
  CHECK_FALSE(matched.contains("preview"));
}
