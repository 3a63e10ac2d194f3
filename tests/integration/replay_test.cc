// `modstream replay` against the real broker: a time range re-runs into its own namespace, with
// exactly that range's outputs, while the live group's offsets and outputs stay as they were.

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void waitAMoment() {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

}  // namespace

TEST_CASE("replay re-runs a time range into its own namespace and leaves the live group alone",
          "[integration][replay]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "replay", 2);
  const Workload before = makeWorkload(topics, 300, 10, 37, 0);
  const Workload range = makeWorkload(topics, 300, 10, 37, 300);
  const Workload after = makeWorkload(topics, 300, 10, 37, 600);
  const auto dir = makeTempDir("replay");
  const auto config =
      writeConfig(dir, bootstrap, topics,
                  before.bank_csv + range.bank_csv.substr(41) + after.bank_csv.substr(41));

  // Record timestamps are the producer's clock: the range is what was produced between t1 and t2.
  produceBatch(bootstrap, {}, before.records);
  waitAMoment();
  const int64_t t1 = nowMs();
  waitAMoment();
  produceBatch(bootstrap, {}, range.records);
  waitAMoment();
  const int64_t t2 = nowMs();
  waitAMoment();
  produceBatch(bootstrap, {}, after.records);
  const size_t total = before.records.size() + range.records.size() + after.records.size();

  runUntil(config, [&](const RuntimeStats& s) { return s.processed >= total; });
  const int64_t live_committed = committedTotal(bootstrap, topics.group, topics.posts);
  const size_t live_takedowns = readWholeTopic(bootstrap, {}, topics.takedowns).size();
  REQUIRE(live_committed == static_cast<int64_t>(total));

  const std::string command = std::string(MODSTREAM_BINARY) + " replay --config " +
                              config.string() + " --from " + std::to_string(t1) + " --to " +
                              std::to_string(t2) + " --name r1 > " + (dir / "replay.log").string() +
                              " 2>&1";
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  std::set<std::string> taken_down, escalated, dead;
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.takedowns + ".r1")) {
    taken_down.insert(*r.key);
  }
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.escalations + ".r1")) {
    escalated.insert(nlohmann::json::parse(r.value)["content_ids"]["post_id"].get<std::string>());
  }
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.dead_letter + ".r1")) {
    dead.insert(r.value);
  }
  CHECK(taken_down == range.expected_takedown_keys);
  CHECK(escalated == range.expected_escalation_posts);
  CHECK(dead == range.expected_dead_letter_values);
  CHECK_FALSE(taken_down.empty());

  // The replay group ran to the end of the range; the live group and its outputs are untouched.
  CHECK(committedTotal(bootstrap, topics.group + ".r1", topics.posts) ==
        static_cast<int64_t>(before.records.size() + range.records.size()));
  CHECK(committedTotal(bootstrap, topics.group, topics.posts) == live_committed);
  CHECK(readWholeTopic(bootstrap, {}, topics.takedowns).size() == live_takedowns);
  // The namespace's shadow topic exists too (the live one, "modstream-shadow" by default, need
  // not), so a shadow rule in the replayed policy has somewhere to write.
  CHECK_NOTHROW(topicPartitionCount(bootstrap, {}, "modstream-shadow.r1"));
}
