// Bounded memory: with a small in-flight bound and a worker slower than the consumer, the runtime
// pauses its partitions instead of buffering, and still processes every record.

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "app/pipeline_app.h"
#include "pipeline/core/content_hash.h"
#include "stages/stage_registry.h"
#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

TEST_CASE("back-pressure pauses partitions and keeps in-flight bytes bounded",
          "[integration][backpressure]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "backpressure", 2);
  constexpr size_t kRecords = 400;
  constexpr size_t kRecordBytes = 256 * 1024;  // hashing each three times keeps one worker busy
  std::mt19937_64 random(42);
  std::vector<BatchRecord> records;
  std::set<std::string> expected_takedowns;
  std::string bank = "hash_type,value,entry_id,category,source\n";
  for (size_t i = 0; i < kRecords; ++i) {
    std::string bytes(kRecordBytes, '\0');
    for (auto& c : bytes) c = static_cast<char>(random());
    const std::string media_id = "media-" + std::to_string(i);
    const std::string account = "acct-" + std::to_string(i % 13);
    if (i % 10 == 0) {
      bank += "md5," + hexDigest(HashType::kMd5, bytes) + ",E-" + std::to_string(i) + ",A,t\n";
      expected_takedowns.insert(media_id);
    }
    records.push_back({topics.media,
                       account,
                       std::move(bytes),
                       {{"media_id", media_id},
                        {"account_id", account},
                        {"content_type", "application/octet-stream"}}});
  }
  produceBatch(bootstrap, {}, records);

  const auto dir = makeTempDir("backpressure");
  const auto config_file = writeConfig(dir, bootstrap, topics, bank, /*worker_threads=*/1);
  auto root = YAML::LoadFile(config_file.string());
  const int64_t max_in_flight = 1 << 20;  // four records
  root["processing"]["max_in_flight_bytes"] = max_in_flight;
  root["processing"]["resume_in_flight_bytes"] = max_in_flight / 2;
  ConfigErrors errors;
  SystemClock clock;
  auto pipeline = loadPipeline(root, dir, builtinStages(), clock, errors);
  INFO(errors.str());
  REQUIRE(pipeline);

  PipelineMetrics metrics(std::make_shared<prometheus::Registry>());
  const auto made = makeRuntime(*pipeline, clock, metrics);
  Runtime& runtime = *made;
  std::thread consumer([&] { (void)runtime.run(); });
  const bool done = waitFor(
      [&] {
        auto stats = runtime.stats();
        return stats.processed >= kRecords && stats.idle;
      },
      120000);
  const RuntimeStats stats = runtime.stats();
  runtime.stop();
  consumer.join();
  REQUIRE(done);
  INFO("peak in flight " << stats.peak_in_flight_bytes << " bytes, " << stats.pauses << " pauses");
  CHECK(stats.pauses > 0);
  // The bound is checked after each record is dispatched: one record may cross it.
  CHECK(stats.peak_in_flight_bytes <= max_in_flight + static_cast<int64_t>(kRecordBytes) + 4096);
  CHECK(stats.consumed == kRecords);

  std::set<std::string> keys;
  for (const auto& r : readWholeTopic(bootstrap, {}, topics.takedowns)) keys.insert(*r.key);
  CHECK(keys == expected_takedowns);
  CHECK(committedTotal(bootstrap, topics.group, topics.media) == static_cast<int64_t>(kRecords));
}
