// Banks hot-swapped under load against the real broker: records keep flowing through the reload,
// none is lost, records before it match the old banks and records after it the new ones.

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <thread>

#include "app/pipeline_app.h"
#include "stages/stage_registry.h"
#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

TEST_CASE("banks reload under load without losing or stalling records", "[integration][reload]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "reload", 4);
  // Every 5th post carries a client md5 of a bank entry; the second half's entries exist only in
  // the reloaded bank.
  const Workload before = makeWorkload(topics, 20000, 5, 0, 0);
  const Workload after = makeWorkload(topics, 20000, 5, 0, 20000);
  const std::string header = "hash_type,value,entry_id,category,source\n";

  const auto dir = makeTempDir("reload");
  const auto config = writeConfig(dir, bootstrap, topics, before.bank_csv);
  ConfigErrors errors;
  SystemClock clock;
  auto pipeline = loadPipelineFile(config.string(), builtinStages(), clock, errors);
  INFO(errors.str());
  REQUIRE(pipeline);
  PipelineMetrics metrics(std::make_shared<prometheus::Registry>());
  const auto made = makeRuntime(*pipeline, clock, metrics);
  Runtime& runtime = *made;
  std::thread consumer([&] { (void)runtime.run(); });

  // The first half of the old workload goes in before the reload, the second half while it runs:
  // a producer still at work is what makes the reload one "under load". (Waiting on the consumer
  // alone raced: a fast consumer could finish the whole workload before the reload began.)
  const auto middle =
      before.records.begin() + static_cast<std::ptrdiff_t>(before.records.size() / 2);
  produceOverTime(bootstrap, std::vector<BatchRecord>(before.records.begin(), middle), 1000, 50);
  REQUIRE(waitFor([&] { return runtime.stats().processed >= 5000; }, 60000));
  std::thread producer([&] {
    produceOverTime(bootstrap, std::vector<BatchRecord>(middle, before.records.end()), 500, 50);
  });
  // Replace the bank file atomically and reload (what SIGHUP does) while records flow.
  {
    std::ofstream(dir / "bank.csv.tmp") << before.bank_csv << after.bank_csv.substr(header.size());
    std::filesystem::rename(dir / "bank.csv.tmp", dir / "bank.csv");
  }
  REQUIRE(pipeline->stages[0].factory->reload());
  producer.join();
  // Not stalled: every record produced before and during the reload is processed after it.
  CHECK(waitFor([&] { return runtime.stats().processed >= before.records.size(); }, 30000));
  produceOverTime(bootstrap, after.records, 1000, 20);

  const size_t total = before.records.size() + after.records.size();
  const bool done =
      waitFor([&] { return runtime.stats().processed >= total && runtime.stats().idle; }, 120000);
  runtime.stop();
  consumer.join();
  REQUIRE(done);

  std::set<std::string> keys;
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.takedowns, 60000)) keys.insert(*r.key);
  std::set<std::string> expected = before.expected_takedown_keys;
  expected.insert(after.expected_takedown_keys.begin(), after.expected_takedown_keys.end());
  CHECK(keys.size() == expected.size());
  CHECK(keys == expected);
  CHECK(readWholeTopic(bootstrap, {}, topics.dead_letter).empty());
  CHECK(committedTotal(bootstrap, topics.group, topics.posts) == static_cast<int64_t>(total));
}

TEST_CASE("SIGHUP makes a running modstream reload its banks", "[integration][reload]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "sighup", 2);
  const Workload workload = makeWorkload(topics, 10, 5, 0);
  const auto dir = makeTempDir("sighup");
  const auto config = writeConfig(dir, bootstrap, topics, workload.bank_csv);
  const auto log = dir / "modstream.log";
  auto logText = [&] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  ChildProcess process(config, log);
  REQUIRE(waitFor([&] { return logText().find("assigned") != std::string::npos; }, 60000));
  process.signal(SIGHUP);
  CHECK(waitFor([&] { return logText().find("banks reloaded (version 1)") != std::string::npos; },
                30000));
  // A broken bank is refused and the process keeps running on the previous one.
  std::ofstream(dir / "bank.csv") << "hash_type,value,entry_id,category,source\nmd5,zz,E,A,t\n";
  process.signal(SIGHUP);
  CHECK(waitFor(
      [&] {
        return logText().find("hash banks reload failed; keeping the ones loaded before") !=
               std::string::npos;
      },
      30000));
  process.signal(SIGTERM);
  CHECK(process.wait() == 0);
}
