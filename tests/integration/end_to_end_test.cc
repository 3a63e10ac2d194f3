// The pipeline against a real Kafka broker: exact outputs, dead letters and committed offsets.

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/events/dead_letter.h"
#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

namespace {

std::map<std::string, int> countByKey(const std::vector<TopicRecord>& records) {
  std::map<std::string, int> counts;
  for (const auto& r : records) counts[r.key.value_or("")] += 1;
  return counts;
}

}  // namespace

TEST_CASE("posts with some malformed produce exactly the expected outputs and dead letters",
          "[integration]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "e2e", 4);
  const Workload workload = makeWorkload(topics, 2000, /*takedown_every=*/10,
                                         /*malformed_every=*/37);
  produceBatch(bootstrap, {}, workload.records);

  const auto dir = makeTempDir("e2e");
  const RuntimeStats stats = runUntil(
      writeConfig(dir, bootstrap, topics, workload.bank_csv),
      [&](const RuntimeStats& s) { return s.processed >= workload.records.size(); }, 60000);
  CHECK(stats.consumed == workload.records.size());

  // Every expected takedown exactly once, nothing else.
  auto takedowns = readWholeTopic(bootstrap, {}, topics.takedowns);
  std::set<std::string> keys;
  for (const auto& [key, count] : countByKey(takedowns)) {
    CHECK(count == 1);
    keys.insert(key);
  }
  CHECK(keys == workload.expected_takedown_keys);
  CHECK(workload.expected_takedown_keys.size() > 150);

  // Every malformed record dead-lettered with its original bytes and source coordinates.
  auto dead_letters = readWholeTopic(bootstrap, {}, topics.dead_letter);
  std::set<std::string> values;
  for (const auto& r : dead_letters) {
    values.insert(r.value);
    CHECK(r.header(dead_letter_header::kErrorClass) == "malformed_json");
    CHECK(r.header(dead_letter_header::kErrorStage) == "decode");
    CHECK(r.header(dead_letter_header::kSourceTopic) == topics.posts);
    CHECK(r.header(dead_letter_header::kSourceOffset).has_value());
  }
  CHECK(dead_letters.size() == workload.expected_dead_letter_values.size());
  CHECK(values == workload.expected_dead_letter_values);
  // Every threat escalated exactly once, keyed by account, quoting what was written.
  std::multiset<std::string> escalated;
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.escalations)) {
    const auto event = nlohmann::json::parse(r.value);
    escalated.insert(event["content_ids"]["post_id"].get<std::string>());
    CHECK(r.key == event["account_id"]);
    CHECK(event["category"] == "threat_of_violence");
    CHECK(event["reasons"][0]["quote"] == "I w1ll k i l l you");
  }
  CHECK(std::set<std::string>(escalated.begin(), escalated.end()) ==
        workload.expected_escalation_posts);
  CHECK(escalated.size() == workload.expected_escalation_posts.size());
  CHECK(workload.expected_escalation_posts.size() > 100);

  // Offsets committed to the end of every partition.
  CHECK(committedTotal(bootstrap, topics.group, topics.posts) ==
        static_cast<int64_t>(workload.records.size()));
}
