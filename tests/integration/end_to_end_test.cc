// The pipeline against a real Kafka broker: exact outputs, dead letters and committed offsets.

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/core/content_hash.h"
#include "pipeline/core/dead_letter.h"
#include "tests/integration/kafka_test_env.h"
#include "tests/support/crafted_images.h"

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

// Each configurable limit, hit by one record on the real broker: the record is dead-lettered with
// its original bytes, the limit's error class and a message naming the limit, and the records
// around it are processed as usual.
TEST_CASE("every limit sends the record that passes it to the dead-letter topic", "[integration]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "limits", 2);
  const auto dir = makeTempDir("limits");
  const auto config =
      writeConfig(dir, bootstrap, topics,
                  "hash_type,value,entry_id,category,source\nmd5," +
                      hexDigest(HashType::kMd5, "nothing sent matches this") + ",E-1,A,test\n");
  std::ofstream(config, std::ios::app)
      << "limits: {max_record_bytes: 4096, max_text_bytes: 64, max_media_per_post: 2, "
         "max_json_depth: 8}\n";

  const auto post = [](const std::string& id, const std::string& rest) {
    return R"({"post_id":")" + id + R"(","account_id":"acct-1","created_at_ms":1795000000000)" +
           rest + "}";
  };
  std::string media_list;
  for (int i = 0; i < 3; ++i) {
    media_list += std::string(i ? "," : "") + R"({"media_id":"m)" + std::to_string(i) + "\"}";
  }
  // A PNG header claiming 20000 x 20000 pixels (past hash_match's default 16384 per side).
  const std::string png_bomb = pngClaiming(20000, 20000);

  struct Case {
    std::string value;
    std::vector<Header> headers;
    std::string topic, error_class, names;  // `names`: what the message must mention
  };
  const std::vector<Case> cases = {
      {post("big", R"(,"text":")" + std::string(5000, 'a') + "\""),
       {},
       topics.posts,
       "record_too_large",
       "limits.max_record_bytes"},
      {post("long", R"(,"text":")" + std::string(100, 'a') + "\""),
       {},
       topics.posts,
       "record_too_large",
       "limits.max_text_bytes"},
      {post("many-media", R"(,"text":"hi","media":[)" + media_list + "]"),
       {},
       topics.posts,
       "record_too_large",
       "limits.max_media_per_post"},
      {post("deep", R"(,"text":"hi","x":[[[[[[[[[[1]]]]]]]]]])"),
       {},
       topics.posts,
       "record_too_large",
       "limits.max_json_depth"},
      {png_bomb,
       {{"media_id", "bomb"}, {"account_id", "acct-1"}, {"content_type", "image/png"}},
       topics.media,
       "image_too_large",
       "20000x20000"},
  };
  std::vector<BatchRecord> records;
  for (const auto& c : cases) {
    const std::string before = "before-" + std::to_string(records.size());
    records.push_back({topics.posts, "acct-1", post(before, R"(,"text":"ok")"), {}});
    records.push_back({c.topic, "acct-1", c.value, c.headers});
  }
  records.push_back({topics.posts, "acct-1", post("threat", R"(,"text":"I will kill you")"), {}});
  produceBatch(bootstrap, {}, records);

  runUntil(
      config, [&](const RuntimeStats& s) { return s.processed >= records.size(); }, 60000);

  const auto dead_letters = readWholeTopic(bootstrap, {}, topics.dead_letter);
  REQUIRE(dead_letters.size() == cases.size());
  for (const auto& c : cases) {
    const auto it = std::find_if(dead_letters.begin(), dead_letters.end(),
                                 [&](const TopicRecord& r) { return r.value == c.value; });
    REQUIRE(it != dead_letters.end());
    CHECK(it->header(dead_letter_header::kErrorClass) == c.error_class);
    CHECK(it->header(dead_letter_header::kSourceTopic) == c.topic);
    CHECK_THAT(std::string(it->header(dead_letter_header::kErrorMessage).value_or("")),
               Catch::Contains(c.names));
  }
  // The record after the last limit hit still went through the whole chain.
  const auto escalations = readWholeTopic(bootstrap, {}, topics.escalations);
  REQUIRE(escalations.size() == 1);
  CHECK(jsonField(escalations[0], "/content_ids/post_id") == "threat");
}
