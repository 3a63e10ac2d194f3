// Reputation against the real broker: every post counted exactly once, state restored from the
// changelog after the local disk is wiped, and exact counts through kill -9 and a rebalance
// between two processes with disks of their own.

#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "stages/reputation/account_state.h"
#include "stages/reputation/state_store.h"
#include "stages/stage_registry.h"
#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

namespace {

// Every account's state in the local stores under `state_dir`, as stored.
std::map<std::string, std::string> localStates(const std::filesystem::path& state_dir,
                                               int partitions) {
  std::map<std::string, std::string> states;
  for (int p = 0; p < partitions; ++p) {
    const auto dir = ReputationStores::partitionDir(state_dir, p);
    if (!std::filesystem::exists(dir)) continue;
    PartitionStore store(dir);
    store.forEach([&](const std::string& k, const std::string& v) { states[k] = v; });
  }
  return states;
}

// The standard output of a shell command.
std::string runCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("reputation counts every post once and a wiped disk is restored from the changelog",
          "[integration][reputation]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "reputation", 4);
  const Workload workload = makeWorkload(topics, 3000, 10, 37);
  produceBatch(bootstrap, {}, workload.records);
  const auto dir = makeTempDir("reputation");
  const auto config =
      writeConfig(dir, bootstrap, topics, workload.bank_csv, 2, /*reputation=*/true);

  runUntil(config, [&](const RuntimeStats& s) { return s.processed >= workload.records.size(); });
  const auto changelog = latestByKey(bootstrap, topics.reputation_changelog);
  CHECK(countedPosts(changelog) == workload.expected_posts_per_account);
  const auto before = localStates(dir / "state", 4);
  CHECK(before.size() == workload.expected_posts_per_account.size());
  CHECK(before == changelog);

  // Strikes: one per known-content post (hash_match runs before reputation) and one per threat
  // (text_risk runs after it: counted in finish()). All posts share one event time: no decay.
  std::map<std::string, double> expected_known, expected_text;
  for (int i = 0; i < 3000; ++i) {
    if (i % 37 == 0) continue;  // malformed
    const std::string account = "acct-" + std::to_string(i % 97);
    if (i % 10 == 0) {
      expected_known[account] += 1;
    } else if (i % 13 == 0) {
      expected_text[account] += 1;
    }
  }
  std::map<std::string, double> known, text;
  for (const auto& [account, value] : changelog) {
    const auto state = decodeState(value);
    REQUIRE(state);
    for (const auto& [category, strike] : state->strikes) {
      (category == "known_content" ? known : text)[account] += strike.value;
    }
  }
  CHECK(known == expected_known);
  CHECK(text == expected_text);

  // The operator's view: `modstream reputation get` reads the same state from the changelog.
  const auto& [account, posts] = *workload.expected_posts_per_account.begin();
  const auto got =
      nlohmann::json::parse(runCommand(std::string(MODSTREAM_BINARY) + " reputation get " +
                                       account + " --config " + config.string()));
  CHECK(got["state"]["totals"]["posts"] == posts);
  CHECK(got["snapshot"]["trust"].get<double>() > 0);
  const std::string dump = runCommand(std::string(MODSTREAM_BINARY) + " reputation dump --config " +
                                      config.string() + " --state-dir " + (dir / "state").string());
  CHECK(static_cast<size_t>(std::count(dump.begin(), dump.end(), '\n')) == before.size());

  // A new host: no local state. Assignment restores every partition before any record.
  std::filesystem::remove_all(dir / "state");
  runUntil(config, [](const RuntimeStats& s) {
    return s.assigned_partitions == 12;
  });  // 4 each of posts, media, decisions
  CHECK(localStates(dir / "state", 4) == before);
}

TEST_CASE("kill -9 mid-stream then restart keeps every account's count exact",
          "[integration][reputation][fault]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "reputation-kill9", 4);
  const Workload workload = makeWorkload(topics, 30000, 10, 101);
  const int64_t total = static_cast<int64_t>(workload.records.size());
  const auto dir = makeTempDir("reputation-kill9");
  const auto config = writeConfig(dir, bootstrap, topics, workload.bank_csv, 2, true);

  std::thread producer([&] { produceOverTime(bootstrap, workload.records, 1000, 60); });
  {
    ChildProcess first(config, dir / "first.log");
    REQUIRE(waitFor(
        [&] { return committedTotal(bootstrap, topics.group, topics.posts) >= total / 4; }, 90000));
    first.signal(SIGKILL);
    CHECK(first.wait() == 128 + SIGKILL);
  }
  producer.join();
  ChildProcess second(config, dir / "second.log");
  // Joined the group (so past start-up and its signal handling) before it may be stopped: the
  // first process may have committed everything already.
  REQUIRE(waitFor([&] { return ownedPartitions(dir / "second.log") > 0; }, 60000));
  REQUIRE(waitFor([&] { return committedTotal(bootstrap, topics.group, topics.posts) == total; },
                  120000));
  second.signal(SIGTERM);
  CHECK(second.wait() == 0);
  CHECK(countedPosts(latestByKey(bootstrap, topics.reputation_changelog)) ==
        workload.expected_posts_per_account);
}

TEST_CASE("a rebalance between two processes under load keeps every account's count exact",
          "[integration][reputation][fault]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "reputation-rebalance", 6);
  const Workload workload = makeWorkload(topics, 30000, 10, 101);
  const int64_t total = static_cast<int64_t>(workload.records.size());
  // Each process has a disk of its own.
  const auto dir_a = makeTempDir("reputation-a");
  const auto dir_b = makeTempDir("reputation-b");
  const auto config_a = writeConfig(dir_a, bootstrap, topics, workload.bank_csv, 2, true);
  const auto config_b = writeConfig(dir_b, bootstrap, topics, workload.bank_csv, 2, true);

  std::thread producer([&] { produceOverTime(bootstrap, workload.records, 500, 150); });
  ChildProcess a(config_a, dir_a / "a.log");
  REQUIRE(waitFor(
      [&] { return committedTotal(bootstrap, topics.group, topics.posts) >= total / 5; }, 90000));
  int64_t committed_when_b_left = 0;
  {
    // b joins: partitions move to it and their state is restored from what a wrote.
    ChildProcess b(config_b, dir_b / "b.log");
    REQUIRE(waitFor([&] { return ownedPartitions(dir_b / "b.log") > 0; }, 60000));
    const int64_t committed_when_b_joined = committedTotal(bootstrap, topics.group, topics.posts);
    REQUIRE(waitFor(
        [&] {
          committed_when_b_left = committedTotal(bootstrap, topics.group, topics.posts);
          return committed_when_b_left >= committed_when_b_joined + total / 10;
        },
        90000));
    // b leaves: its partitions move back to a, which catches up from its checkpoint.
    b.signal(SIGTERM);
    CHECK(b.wait() == 0);
  }
  INFO("committed when b left: " << committed_when_b_left << " of " << total);
  CHECK(committed_when_b_left < total);  // the rebalance happened under load
  producer.join();
  REQUIRE(waitFor([&] { return committedTotal(bootstrap, topics.group, topics.posts) == total; },
                  120000));
  a.signal(SIGTERM);
  CHECK(a.wait() == 0);
  CHECK(countedPosts(latestByKey(bootstrap, topics.reputation_changelog)) ==
        workload.expected_posts_per_account);
}

TEST_CASE("moderator decisions update reputation and confirmed hashes reach a bank file",
          "[integration][reputation]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "decisions", 2);
  const std::string md5 = "900150983cd24fb0d6963f7d28e17f72";
  const std::vector<BatchRecord> decisions = {
      {topics.decisions,
       "acct-1",
       R"({"case_id":"c-1","account_id":"acct-1","decision":"confirmed","category":"grooming",)"
       R"("decided_at_ms":1795000000000,"media_hashes":[{"type":"md5","value":")" +
           md5 + R"("}]})",
       {}},
      {topics.decisions,
       "acct-1",
       R"({"case_id":"c-2","account_id":"acct-1","decision":"dismissed","category":"fraud",)"
       R"("decided_at_ms":1795000001000})",
       {}},
      {topics.decisions,
       "acct-2",
       R"({"case_id":"c-3","account_id":"acct-2","decision":"maybe"})",
       {}}};
  produceBatch(bootstrap, {}, decisions);
  const auto dir = makeTempDir("decisions");
  const auto config = writeConfig(dir, bootstrap, topics,
                                  "hash_type,value,entry_id,category,source\n"
                                  "md5,00000000000000000000000000000001,E-1,A,t\n",
                                  2, true);
  runUntil(config, [&](const RuntimeStats& s) { return s.processed >= decisions.size(); });

  const auto states = latestByKey(bootstrap, topics.reputation_changelog);
  REQUIRE(states.count("acct-1"));
  const auto state = decodeState(states.at("acct-1"));
  REQUIRE(state);
  CHECK(state->confirmed == std::map<std::string, int64_t>{{"grooming", 1}});
  CHECK(state->dismissed == 1);
  // The malformed decision is dead-lettered, not counted.
  CHECK_FALSE(states.count("acct-2"));
  const auto dead = readWholeTopic(bootstrap, {}, topics.dead_letter);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].header("modstream.error.class") == "schema_violation");
  std::ifstream bank(dir / "confirmed.csv");
  std::stringstream lines;
  lines << bank.rdbuf();
  CHECK(lines.str() == "hash_type,value,entry_id,category,source\nmd5," + md5 +
                           ",\"case-c-1-0\",\"grooming\",moderator decision\n");
}

TEST_CASE("accounts idle longer than expire_after_days are deleted from the changelog",
          "[integration][reputation]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "expiry", 1);
  constexpr int64_t kDay = 24ll * 3600 * 1000;
  auto post = [&](const std::string& account, int64_t at_ms) {
    return BatchRecord{topics.posts,
                       account,
                       R"({"post_id":"p-)" + account + R"(","account_id":")" + account +
                           R"(","created_at_ms":)" + std::to_string(at_ms) + R"(,"text":"hi"})",
                       {}};
  };
  const int64_t start = 1795000000000;
  produceBatch(
      bootstrap, {},
      {post("old", start), post("recent", start + 100 * kDay), post("new", start + 200 * kDay)});
  const auto dir = makeTempDir("expiry");
  const auto config = writeConfig(dir, bootstrap, topics,
                                  "hash_type,value,entry_id,category,source\n"
                                  "md5,00000000000000000000000000000001,E-1,A,t\n",
                                  1, true);
  runUntil(config, [](const RuntimeStats& s) { return s.processed >= 3; });
  // "old" was last seen 200 days before "new" arrived (the default expiry is 180 days).
  const auto states = latestByKey(bootstrap, topics.reputation_changelog);
  CHECK_FALSE(states.count("old"));
  CHECK(states.count("recent"));
  CHECK(states.count("new"));
}
