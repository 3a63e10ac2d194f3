// Partition state is restored outside the rebalance, on the real broker: while one partition's
// restore runs, the consumer goes on polling, the partitions already restored are processed, the
// restoring one is not, and a second member can join the group and take partitions away
// mid-restore (the restore is cancelled). Escalation cases are partition state too: a case goes on
// growing after a restart.

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "app/pipeline_app.h"
#include "pipeline/core/content_hash.h"
#include "stages/stage_registry.h"
#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

namespace {

// A PartitionObserver whose restore of the `gated` partition numbers waits until release() or
// until the runtime cancels it.
class GatedRestore final : public PartitionObserver {
 public:
  explicit GatedRestore(std::set<int32_t> gated) : gated_(std::move(gated)) {}

  bool partitionsAssigned(const std::vector<Partition>& partitions,
                          std::stop_token cancel) override {
    std::unique_lock lock(mutex_);
    for (const Partition partition : partitions) {
      const int32_t p = partition.value;
      if (gated_.count(p)) {
        waiting_.insert(p);
        changed_.notify_all();
        changed_.wait(lock, cancel, [&] { return released_; });
        waiting_.erase(p);
        if (cancel.stop_requested()) {
          cancelled_.insert(p);
          return false;  // ignored: a cancelled restore has no outcome
        }
      }
      restored_.insert(p);
    }
    return true;
  }
  void partitionsRevoked(const std::vector<Partition>& partitions, bool) override {
    std::lock_guard lock(mutex_);
    for (const Partition p : partitions) restored_.erase(p.value);
  }

  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  std::set<int32_t> waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }
  std::set<int32_t> cancelled() {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

 private:
  std::set<int32_t> gated_;
  std::mutex mutex_;
  std::condition_variable_any changed_;
  bool released_ = false;
  std::set<int32_t> waiting_, restored_, cancelled_;
};

// One group member in this process: the pipeline of `config` with `observer` for its state.
class Member {
 public:
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;
  Member(const std::filesystem::path& config, PartitionObserver* observer) {
    ConfigErrors errors;
    pipeline_ = loadPipelineFile(config.string(), builtinStages(), clock_, errors);
    INFO(errors.str());
    REQUIRE(pipeline_);
    runtime_ = std::make_unique<Runtime>(
        pipeline_->config, processorFactory(*pipeline_, clock_, metrics_), metrics_,
        makeKafkaClients(pipeline_->config, metrics_), std::vector<PartitionObserver*>{observer});
    thread_ = std::thread([this] { status_ = runtime_->run(); });
  }
  ~Member() { stop(); }
  RuntimeStats stats() const { return runtime_->stats(); }
  ExitStatus stop() {
    runtime_->stop();
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  SystemClock clock_;
  PipelineMetrics metrics_{std::make_shared<prometheus::Registry>()};
  std::optional<LoadedPipeline> pipeline_;
  std::unique_ptr<Runtime> runtime_;
  ExitStatus status_ = ExitStatus::kStartupError;
  std::thread thread_;
};

std::vector<BatchRecord> posts(const TestTopics& topics, int count) {
  std::vector<BatchRecord> records;
  for (int i = 0; i < count; ++i) {
    const std::string account = "acct-" + std::to_string(i);
    records.push_back({topics.posts,
                       account,
                       R"({"post_id":"p-)" + std::to_string(i) + R"(","account_id":")" + account +
                           R"(","created_at_ms":1795000000000,"text":"hello"})",
                       {}});
  }
  return records;
}

// A bank (one is required) that nothing sent matches.
const std::string kBank = "hash_type,value,entry_id,category,source\nmd5," +
                          hexDigest(HashType::kMd5, "nothing sent matches this") + ",E-1,A,test\n";

}  // namespace

TEST_CASE("a partition restoring its state is paused while the others are processed",
          "[integration][restore]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "restore-paused", 2);
  produceBatch(bootstrap, {}, posts(topics, 40));
  const int64_t in_0 = highWatermark(bootstrap, {}, topics.posts, 0);
  const int64_t in_1 = highWatermark(bootstrap, {}, topics.posts, 1);
  REQUIRE(in_0 > 0);
  REQUIRE(in_1 > 0);
  const auto config = writeConfig(makeTempDir("restore-paused"), bootstrap, topics, kBank);

  GatedRestore gate({1});
  Member member(config, &gate);
  // Partition 0 is processed while partition 1's restore waits.
  REQUIRE(waitFor([&] { return member.stats().processed == static_cast<uint64_t>(in_0); }, 60000));
  REQUIRE(gate.waiting() == std::set<int32_t>{1});
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const RuntimeStats during = member.stats();
  CHECK(during.processed == static_cast<uint64_t>(in_0));  // nothing of partition 1
  CHECK(during.restoring);
  CHECK_FALSE(during.idle);
  CHECK(during.ms_since_poll < 1000);  // the consumer loop polls on: not stuck in a callback

  gate.release();
  CHECK(waitFor([&] { return member.stats().processed == static_cast<uint64_t>(in_0 + in_1); },
                60000));
  CHECK(waitFor([&] { return member.stats().idle && !member.stats().restoring; }, 30000));
  CHECK(member.stop() == ExitStatus::kOk);
}

TEST_CASE("a member joining during a long restore gets its partitions and the restore is cancelled",
          "[integration][restore]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "restore-join", 2);
  produceBatch(bootstrap, {}, posts(topics, 40));
  const auto config = writeConfig(makeTempDir("restore-join"), bootstrap, topics, kBank);

  GatedRestore never({0, 1});  // the first member's restores never finish by themselves
  Member first(config, &never);
  REQUIRE(waitFor([&] { return never.waiting().size() == 1 && first.stats().restoring; }, 60000));

  GatedRestore none({});
  Member second(config, &none);
  // The group rebalances at once: the first member gives a partition up, cancelling its restore,
  // and the second processes that partition's records. Blocked in a rebalance callback, the first
  // member would hold the group's rebalance for max.poll.interval.ms (5 minutes).
  REQUIRE(waitFor(
      [&] {
        const auto s = second.stats();
        return s.assigned_partitions == 3 && s.processed > 0 && s.idle;  // posts, media, decisions
      },
      60000));
  CHECK_FALSE(never.cancelled().empty());
  CHECK(first.stats().processed == 0);
  CHECK(first.stats().assigned_partitions == 3);
  never.release();
  CHECK(second.stop() == ExitStatus::kOk);
  CHECK(first.stop() == ExitStatus::kOk);
}

TEST_CASE("an open escalation case keeps its items across a restart", "[integration][restore]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "cases-restart", 2);
  const auto config = writeConfig(makeTempDir("cases-restart"), bootstrap, topics, kBank);
  auto threat = [&](const std::string& post_id, int64_t created_at_ms) {
    return BatchRecord{topics.posts,
                       "acct-7",
                       R"({"post_id":")" + post_id + R"(","account_id":"acct-7","created_at_ms":)" +
                           std::to_string(created_at_ms) + R"(,"text":"I will kill you"})",
                       {}};
  };
  // Two threats a minute apart, in one case window, with a restart between them.
  produceBatch(bootstrap, {}, {threat("before-restart", 1795000000000)});
  runUntil(config, [](const RuntimeStats& s) { return s.processed >= 1; });
  produceBatch(bootstrap, {}, {threat("after-restart", 1795000060000)});
  runUntil(config, [](const RuntimeStats& s) { return s.processed >= 1; });

  const auto escalations = readWholeTopic(bootstrap, {}, topics.escalations);
  REQUIRE(escalations.size() == 2);
  const auto first = nlohmann::json::parse(escalations[0].value)["case"];
  const auto second = nlohmann::json::parse(escalations[1].value)["case"];
  CHECK(second["case_id"] == first["case_id"]);
  CHECK(second["item_count"] == 2);
  CHECK(second["items"] == nlohmann::json::array({"before-restart", "after-restart"}));
  CHECK(second["opened_at_ms"] == first["opened_at_ms"]);
}
