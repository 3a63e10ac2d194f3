// The policy against the real broker with `modstream run`: shadow rules publish only to the shadow
// topic, and a changed policy file takes effect in the running process without a restart.

#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

namespace {

const char* kPolicyV1 = R"(
version: v1
rules:
  - {name: known-content, when: {bank_match: {}}, action: takedown}
  - {name: threats, when: {text: {categories: [threat_of_violence]}}, action: escalate, priority: P0}
  - name: trial-restrict
    when: {bank_match: {}}
    action: takedown
    takedown_action: restrict
    shadow: true
)";

const char* kPolicyV2 = R"(
version: v2
rules:
  - {name: known-content, when: {bank_match: {}}, action: takedown}
  - {name: threats, when: {text: {categories: [threat_of_violence]}}, action: label, label: threat}
)";

// Points the config's decide stage at policy.yaml (polled every 100 ms) and sets the shadow topic.
void usePolicyFile(const std::filesystem::path& config, const std::string& shadow_topic) {
  YAML::Node root = YAML::LoadFile(config.string());
  root["topics"]["shadow"] = shadow_topic;
  for (auto stage : root["stages"]) {
    if (stage["name"].as<std::string>() == "decide") {
      stage["config"]["policy_file"] = "policy.yaml";
      stage["config"]["reload_check_interval_ms"] = 100;
    }
  }
  std::ofstream(config) << root;
}

std::string fileText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("shadow rules publish only to the shadow topic and a policy change needs no restart",
          "[integration][policy]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "policy", 2);
  const std::string shadow_topic = topics.posts + "-shadow";
  createTopics(bootstrap, {}, {{shadow_topic, 1, {}}});
  const Workload before = makeWorkload(topics, 1000, 10, 0, 0);
  const Workload after = makeWorkload(topics, 1000, 10, 0, 1000);
  const auto dir = makeTempDir("policy");
  const auto config =
      writeConfig(dir, bootstrap, topics, before.bank_csv + after.bank_csv.substr(41));
  usePolicyFile(config, shadow_topic);
  std::ofstream(dir / "policy.yaml") << kPolicyV1;

  ChildProcess pipeline(config, dir / "run.log");
  produceBatch(bootstrap, {}, before.records);
  REQUIRE(waitFor(
      [&] {
        return committedTotal(bootstrap, topics.group, topics.posts) ==
               static_cast<int64_t>(before.records.size());
      },
      60000));
  std::ofstream(dir / "policy.yaml") << kPolicyV2;
  REQUIRE(waitFor(
      [&] { return fileText(dir / "run.log").find("policy v2 loaded") != std::string::npos; },
      10000));
  produceBatch(bootstrap, {}, after.records);
  REQUIRE(waitFor(
      [&] {
        return committedTotal(bootstrap, topics.group, topics.posts) ==
               static_cast<int64_t>(before.records.size() + after.records.size());
      },
      60000));
  pipeline.signal(SIGTERM);
  CHECK(pipeline.wait() == 0);

  // Live takedowns throughout, all `remove`; labels only after the change, for the threats.
  std::set<std::string> taken_down, labelled;
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.takedowns)) {
    const auto event = nlohmann::json::parse(r.value);
    if (event["event_type"] == "takedown") {
      CHECK(event["action"] == "remove");
      taken_down.insert(*r.key);
    } else {
      REQUIRE(event["event_type"] == "label");
      CHECK(event["label"] == "threat");
      labelled.insert(event["content_id"].get<std::string>());
    }
  }
  std::set<std::string> all_takedowns = before.expected_takedown_keys;
  all_takedowns.insert(after.expected_takedown_keys.begin(), after.expected_takedown_keys.end());
  CHECK(taken_down == all_takedowns);
  CHECK(labelled == after.expected_escalation_posts);
  std::set<std::string> escalated;
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.escalations)) {
    escalated.insert(nlohmann::json::parse(r.value)["content_ids"]["post_id"].get<std::string>());
  }
  CHECK(escalated == before.expected_escalation_posts);
  CHECK_FALSE(escalated.empty());

  // The shadow rule's would-be takedowns, for v1's records only, on the shadow topic only.
  std::set<std::string> shadowed;
  for (const auto& r : readWholeTopic(bootstrap, {}, shadow_topic)) {
    const auto event = nlohmann::json::parse(r.value);
    CHECK(event["rule"] == "trial-restrict");
    CHECK(event["policy_version"] == "v1");
    CHECK(event["would_publish"]["action"] == "restrict");
    shadowed.insert(*r.key);
  }
  CHECK(shadowed == before.expected_takedown_keys);
}
