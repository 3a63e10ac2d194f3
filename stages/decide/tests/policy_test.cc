#include "stages/decide/policy.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "stages/decide/decide_stage.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

Policy parse(const std::string& yaml, ConfigErrors& errors) {
  return parsePolicy(YAML::Load(yaml), "policy.yaml", errors);
}

std::vector<std::string> ruleNames(const std::vector<RuleHit>& hits) {
  std::vector<std::string> names;
  names.reserve(hits.size());
  for (const auto& hit : hits) names.push_back(hit.rule->name);
  return names;
}

Post dmToMinor() {
  Post post;
  post.post_id = PostId("p1");
  post.account_id = AccountId("a1");
  post.context.kind = PostKind::kDirectMessage;
  post.context.recipient_is_minor = true;
  post.context.account_age_days = 3;
  return post;
}

const char* kPolicy = R"(
version: test-1
rules:
  - name: exempt-partner
    when: {account: {min_trust: 0.99}}
    action: allow
  - name: csam-exact
    when: {bank_match: {categories: [A, B], max_distance: 31}}
    action: takedown
  - name: csam-near
    when: {bank_match: {categories: [A, B]}}
    action: escalate
    priority: P1
  - name: exact-digest
    when: {bank_match: {hash_types: [md5, sha256]}}
    action: label
    label: known-file
  - name: grooming-minor
    when:
      text: {categories: [grooming]}
      context: {kinds: [direct_message], recipient_is_minor: true, max_account_age_days: 30}
    action: escalate
    priority: P0
  - name: scam
    when: {text: {categories: [fraud], min_score: 0.3}}
    action: label
    label: scam
    shadow: true
)";

}  // namespace

TEST_CASE("rules match on bank evidence, text, context and account", "[decide][policy]") {
  ConfigErrors errors;
  const Policy policy = parse(kPolicy, errors);
  REQUIRE(errors.empty());
  const Post post = dmToMinor();

  Signals exact;
  exact.bank_matches = {{"iwf", "E1", HashType::kPdq, 10, "A", "m1", MatchSource::kMediaBytes}};
  auto outcome = evaluatePolicy(policy, {post, exact});
  CHECK(ruleNames(outcome.live) == std::vector<std::string>{"csam-exact", "csam-near"});
  REQUIRE(outcome.live[0].matches.size() == 1);

  Signals near;
  near.bank_matches = {{"iwf", "E1", HashType::kPdq, 40, "A", "m1", MatchSource::kMediaBytes},
                       {"other", "X", HashType::kMd5, 0, "Z", "m1", MatchSource::kMediaBytes}};
  outcome = evaluatePolicy(policy, {post, near});
  CHECK(ruleNames(outcome.live) == std::vector<std::string>{"csam-near", "exact-digest"});
  CHECK(outcome.live[0].matches.size() == 1);  // only the evidence the rule asked for
  REQUIRE(outcome.live[1].matches.size() == 1);
  CHECK(outcome.live[1].matches[0]->hash_type == HashType::kMd5);

  Signals grooming;
  grooming.text_risk =
      TextRiskSignal{{{"grooming", 0.6, 0.5, true}, {"fraud", 0.35, 0.5, false}}, {}, false};
  outcome = evaluatePolicy(policy, {post, grooming});
  CHECK(ruleNames(outcome.live) == std::vector<std::string>{"grooming-minor"});
  CHECK(ruleNames(outcome.shadow) == std::vector<std::string>{"scam"});
  Post public_post = post;
  public_post.context.kind = PostKind::kPublic;
  CHECK(evaluatePolicy(policy, {public_post, grooming}).live.empty());
  Post old_account = post;
  old_account.context.account_age_days = 400;
  CHECK(evaluatePolicy(policy, {old_account, grooming}).live.empty());
}

TEST_CASE("allow stops the live rules after it but not shadow rules", "[decide][policy]") {
  ConfigErrors errors;
  const Policy policy = parse(kPolicy, errors);
  Signals signals;
  signals.bank_matches = {{"iwf", "E1", HashType::kMd5, 0, "A", "m1", MatchSource::kMediaBytes}};
  signals.text_risk = TextRiskSignal{{{"fraud", 0.4, 0.5, false}}, {}, false};
  signals.reputation = ReputationSnapshot{};
  signals.reputation->trust = 0.995;
  const auto outcome = evaluatePolicy(policy, {dmToMinor(), signals});
  REQUIRE(outcome.allowed_by);
  CHECK(outcome.allowed_by->name == "exempt-partner");
  CHECK(outcome.live.empty());
  CHECK(ruleNames(outcome.shadow) == std::vector<std::string>{"scam"});
}

TEST_CASE("account conditions never hold without reputation", "[decide][policy]") {
  ConfigErrors errors;
  const Policy policy =
      parse("{version: v, rules: [{name: r, when: {account: {max_trust: 1.0}}}]}", errors);
  REQUIRE(errors.empty());
  Signals signals;
  CHECK(evaluatePolicy(policy, {dmToMinor(), signals}).live.empty());
  signals.reputation = ReputationSnapshot{};
  CHECK(evaluatePolicy(policy, {dmToMinor(), signals}).live.size() == 1);
}

TEST_CASE("policy errors name the rule and field", "[decide][policy]") {
  ConfigErrors errors;
  parse(R"(
version: v
rules:
  - name: a
    action: takedown
    when: {text: {min_score: 2}}
  - name: a
    action: escalate
    priority: P7
    when: {context: {kinds: [telepathy]}, colour: red}
  - action: label
  - name: c
    action: label
    label: x
    when: {bank_match: {hash_types: [pdq, url, md55]}}
)",
        errors);
  const std::string all = errors.str();
  INFO(all);
  CHECK(all.find("policy.yaml.rules[0].when: a takedown rule needs evidence") != std::string::npos);
  CHECK(all.find("policy.yaml.rules[0].when.text.min_score") != std::string::npos);
  CHECK(all.find("policy.yaml.rules[1].name: duplicate rule name 'a'") != std::string::npos);
  CHECK(all.find("policy.yaml.rules[1].priority: must be P0, P1, P2, P3 or by_category") !=
        std::string::npos);
  CHECK(all.find("policy.yaml.rules[1].when.context.kinds: unknown kind 'telepathy'") !=
        std::string::npos);
  CHECK(all.find("policy.yaml.rules[1].when.colour: unknown key") != std::string::npos);
  CHECK(all.find("policy.yaml.rules[2].name: is required") != std::string::npos);
  CHECK(all.find("policy.yaml.rules[2].label: is required") != std::string::npos);
  // URL-list matches are matched by listed_url rules, not bank_match.
  CHECK(all.find("policy.yaml.rules[3].when.bank_match.hash_types: unknown hash type 'url' "
                 "(known: md5, sha1, sha256, pdq)") != std::string::npos);
  CHECK(all.find("policy.yaml.rules[3].when.bank_match.hash_types: unknown hash type 'md55'") !=
        std::string::npos);
}

TEST_CASE("a policy file reloads on change, and a broken one keeps the last good policy",
          "[decide][policy]") {
  const auto dir = std::filesystem::temp_directory_path() / "modstream-policy-reload";
  std::filesystem::create_directories(dir);
  const auto file = dir / "policy.yaml";
  auto write = [&](const std::string& text) { std::ofstream(file) << text; };
  write("{version: v1, rules: [{name: known, when: {bank_match: {}}, action: takedown}]}");
  testing::FixedClock clock(1000);
  ConfigErrors errors;
  auto factory =
      decideStageBuilder()(YAML::Load("{policy_file: policy.yaml, reload_check_interval_ms: 0}"),
                           "decide", StageEnvironment{dir, clock, nullptr}, errors);
  INFO(errors.str());
  REQUIRE(factory);
  auto stage = factory->create();
  MediaRecord media{MediaId("m1"), AccountId("a1"), std::nullopt, "image/png", "x"};
  auto outputsFor = [&](int64_t offset) {
    auto record =
        InputRecord::owning({"media", Partition{0}, Offset{offset}}, std::string("a1"), "x");
    Signals signals;
    signals.bank_matches = {{"bank", "E" + std::to_string(offset), HashType::kMd5, 0, "A", "m1",
                             MatchSource::kMediaBytes}};
    REQUIRE_FALSE(stage->process(media, StageContext{record, 1000 + offset}, signals).error);
    return signals.outputs;
  };
  auto first = outputsFor(1);
  REQUIRE(first.size() == 1);
  CHECK(first[0].topic == OutputTopic::kTakedowns);

  write(
      "{version: v2, rules: [{name: known, when: {bank_match: {}}, action: escalate, "
      "priority: P1}]}");
  CHECK(factory->reload());
  auto second = outputsFor(2);
  REQUIRE(second.size() == 1);
  CHECK(second[0].topic == OutputTopic::kEscalations);

  write("{version: v3, rules: [{name: known, action: takedown}]}");  // no evidence: invalid
  CHECK_FALSE(factory->reload());
  auto third = outputsFor(3);
  REQUIRE(third.size() == 1);
  CHECK(third[0].topic == OutputTopic::kEscalations);  // v2 still in force
  std::filesystem::remove_all(dir);
}
