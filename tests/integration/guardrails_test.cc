// The takedown guardrails with real limits on the real broker (the other integration tests raise
// the rate limit out of the way): over the rate limit a takedown becomes an escalation, and a burst
// of those opens the breaker, which escalates every later takedown. Nothing is dropped.

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "pipeline/core/content_hash.h"
#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

TEST_CASE("over the rate limit takedowns become escalations and the breaker opens",
          "[integration][guardrails]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "guardrails", 1);
  const auto dir = makeTempDir("guardrails");
  constexpr int kPosts = 10;
  std::string bank = "hash_type,value,entry_id,category,source\n";
  std::vector<BatchRecord> records;
  for (int i = 0; i < kPosts; ++i) {
    const std::string md5 = hexDigest(HashType::kMd5, "guarded-" + std::to_string(i));
    bank += "md5," + md5 + ",E-" + std::to_string(i) + ",A,test\n";
    records.push_back({topics.posts,
                       "acct-1",
                       R"({"post_id":"p-)" + std::to_string(i) +
                           R"(","account_id":"acct-1","created_at_ms":1795000000000,"text":"hi",)"
                           R"("media":[{"media_id":"m-)" +
                           std::to_string(i) + R"(","md5":")" + md5 + "\"}]}",
                       {}});
  }
  const auto config = writeConfig(dir, bootstrap, topics, bank, /*worker_threads=*/1);
  // Three takedowns at once, then one per 1000 s; two diverted within a minute open the breaker.
  std::stringstream text;
  text << std::ifstream(config).rdbuf();
  std::string yaml = text.str();
  const std::string relaxed = "takedowns_per_second: 1000000, takedown_burst: 1000000";
  const auto at = yaml.find(relaxed);
  REQUIRE(at != std::string::npos);
  yaml.replace(at, relaxed.size(),
               "takedowns_per_second: 0.001, takedown_burst: 3, breaker_threshold: 2, "
               "breaker_window_seconds: 60, breaker_open_seconds: 600");
  std::ofstream(config) << yaml;

  produceBatch(bootstrap, {}, records);
  runUntil(
      config, [&](const RuntimeStats& s) { return s.processed >= records.size(); }, 60000);

  const auto takedowns = readWholeTopic(bootstrap, {}, topics.takedowns);
  const auto escalations = readWholeTopic(bootstrap, {}, topics.escalations);
  CHECK(takedowns.size() == 3);
  REQUIRE(escalations.size() == kPosts - 3);
  std::map<std::string, int> by_guardrail;
  for (const auto& e : escalations) by_guardrail[jsonField(e, "/guardrail")] += 1;
  INFO("escalations by guardrail: rate_limited "
       << by_guardrail["rate_limited"] << ", breaker_open " << by_guardrail["breaker_open"]);
  CHECK(by_guardrail["rate_limited"] == 2);  // the burst that opened the breaker
  CHECK(by_guardrail["breaker_open"] == kPosts - 5);
}
