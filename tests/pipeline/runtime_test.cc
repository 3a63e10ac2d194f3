// The runtime against fake Kafka clients (tests/support/fake_kafka.h): commit order, rebalance,
// back-pressure and transactions, without a broker. The same behaviour is tested against a real
// broker in tests/integration; these pin down the runtime's own decisions and run under TSan.

#include "pipeline/runtime/runtime.h"

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/fake_kafka.h"
#include "tests/support/test_doubles.h"

using namespace modstream;
using modstream::testing::FakeConsumer;
using modstream::testing::FakePublisher;
using modstream::testing::FixedClock;
using modstream::testing::LambdaStage;

namespace {

const TopicPartition kPosts0{"posts", Partition{0}};
const TopicPartition kPosts1{"posts", Partition{1}};

bool eventually(const std::function<bool()>& predicate, int timeout_ms = 10000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return predicate();
}

std::string postJson(const std::string& id) {
  return R"({"post_id":")" + id + R"(","account_id":"acct","created_at_ms":1,"text":"hi"})";
}

// One member on fake clients whose single stage publishes one takedown per post, keyed by its
// post id, after `gate` opens (open unless a test closes it).
class Member {
 public:
  explicit Member(Guarantee guarantee = Guarantee::kAtLeastOnce, bool hold_acknowledgements = false,
                  int64_t max_in_flight_bytes = 64 << 20) {
    config_.processing.worker_threads = 2;
    config_.processing.commit_interval_ms = 5;
    config_.processing.drain_timeout_ms = 10000;
    config_.processing.guarantee = guarantee;
    config_.processing.max_in_flight_bytes = max_in_flight_bytes;
    config_.processing.resume_in_flight_bytes = max_in_flight_bytes / 2;
    auto consumer = std::make_unique<FakeConsumer>();
    auto publisher = std::make_unique<FakePublisher>(hold_acknowledgements);
    consumer_ = consumer.get();
    publisher_ = publisher.get();
    auto make_processor = [this] {
      std::vector<NamedStage> stages;
      stages.push_back(
          {"emit",
           std::make_unique<LambdaStage>([this](const Content& content, auto&, Signals& signals) {
             while (!gate_open_.load()) {
               std::this_thread::sleep_for(std::chrono::milliseconds(1));
             }
             const auto& id = std::get<Post>(content).post_id.str();
             signals.outputs.push_back(OutputRecord{OutputTopic::kTakedowns, id, "{}", {}});
             return StageStatus::ok();
           })});
      return std::make_unique<RecordProcessor>(RecordDecoder(InputTopics{}, config_.limits),
                                               std::move(stages), clock_, nullptr);
    };
    runtime_ = std::make_unique<Runtime>(config_, make_processor, metrics_,
                                         RuntimeClients{std::move(publisher), std::move(consumer)});
  }
  ~Member() { stop(); }
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  void start() {
    thread_ = std::thread([this] { status_ = runtime_->run(); });
  }
  ExitStatus stop() {
    runtime_->stop();
    return join();
  }
  // Waits for run() to return by itself.
  ExitStatus join() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  void appendPosts(const TopicPartition& tp, int count, const std::string& prefix) {
    for (int i = 0; i < count; ++i) {
      consumer_->append(tp, "acct", postJson(prefix + std::to_string(i)));
    }
  }
  Offset committed(const TopicPartition& tp) const {
    const auto offsets = consumer_->committedOffsets();
    const auto it = offsets.find(tp);
    return it == offsets.end() ? Offset{} : it->second;
  }

  Runtime& runtime() { return *runtime_; }
  FakeConsumer& consumer() { return *consumer_; }
  FakePublisher& publisher() { return *publisher_; }
  std::atomic<bool>& gateOpen() { return gate_open_; }

 private:
  PipelineConfig config_;
  FixedClock clock_{1000};
  PipelineMetrics metrics_{std::make_shared<prometheus::Registry>()};
  std::atomic<bool> gate_open_{true};
  FakeConsumer* consumer_;
  FakePublisher* publisher_;
  std::unique_ptr<Runtime> runtime_;
  std::thread thread_;
  ExitStatus status_ = ExitStatus::kStartupError;
};

}  // namespace

TEST_CASE("at-least-once: an offset is committed only after every output before it is acknowledged",
          "[runtime]") {
  Member member(Guarantee::kAtLeastOnce, /*hold_acknowledgements=*/true);
  member.consumer().assign({kPosts0});
  member.appendPosts(kPosts0, 5, "p");
  member.start();
  REQUIRE(eventually([&] { return member.runtime().stats().processed == 5; }));
  // Processed, not acknowledged: several commit intervals pass and nothing is committed.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(member.committed(kPosts0) == Offset{});

  member.publisher().acknowledgeHeld();
  REQUIRE(eventually([&] { return member.committed(kPosts0) == Offset{5}; }));
  CHECK(member.stop() == ExitStatus::kOk);
  int64_t last = -1;
  for (const auto& call : member.consumer().commitCalls()) {
    for (const auto& [tp, next] : call) {
      CHECK(next.value >= last);  // never backwards
      CHECK(next.value <= 5);
      last = next.value;
    }
  }
}

TEST_CASE("at-least-once: a failed commit is carried again by the next one", "[runtime]") {
  Member member(Guarantee::kAtLeastOnce, /*hold_acknowledgements=*/true);
  member.consumer().assign({kPosts0});
  member.appendPosts(kPosts0, 3, "p");
  member.start();
  REQUIRE(eventually([&] { return member.runtime().stats().processed == 3; }));
  // All three become committable at once, so the first commit carries offset 3 and fails.
  member.consumer().failCommits(1);
  member.publisher().acknowledgeHeld();
  REQUIRE(eventually([&] { return member.committed(kPosts0) == Offset{3}; }));
  member.stop();
  const auto calls = member.consumer().commitCalls();
  REQUIRE(calls.size() >= 2);
  CHECK(calls[0].front().next == Offset{3});
  CHECK(calls[1].front().next == Offset{3});
}

TEST_CASE("rebalance: a revoked partition is drained and committed before it leaves", "[runtime]") {
  Member member(Guarantee::kAtLeastOnce, /*hold_acknowledgements=*/true);
  member.consumer().assign({kPosts0, kPosts1});
  member.appendPosts(kPosts0, 3, "zero-");
  member.appendPosts(kPosts1, 3, "one-");
  member.start();
  REQUIRE(eventually([&] { return member.runtime().stats().processed == 6; }));

  member.consumer().revoke({kPosts1});
  // The revocation waits for partition 1's outputs: it is still assigned and uncommitted.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(member.consumer().assigned().count(kPosts1) == 1);
  CHECK(member.committed(kPosts1) == Offset{});

  member.publisher().acknowledgeHeld();
  REQUIRE(eventually([&] { return member.consumer().assigned().count(kPosts1) == 0; }));
  // Committed synchronously inside the revocation, before the partition left.
  CHECK(member.committed(kPosts1) == Offset{3});
  CHECK(member.runtime().stats().assigned_partitions == 1);

  // Records of the revoked partition are its next owner's; partition 0 goes on.
  member.appendPosts(kPosts1, 2, "late-");
  member.appendPosts(kPosts0, 1, "more-");
  REQUIRE(eventually([&] { return member.runtime().stats().processed == 7; }));
  member.publisher().acknowledgeHeld();
  REQUIRE(eventually([&] { return member.committed(kPosts0) == Offset{4}; }));
  member.stop();
  for (const auto& output : member.publisher().published()) {
    CHECK(output.key.rfind("late-", 0) != 0);
  }
}

TEST_CASE("back-pressure pauses every partition over the bound and resumes them below half",
          "[runtime]") {
  constexpr int64_t kBound = 2000;
  Member member(Guarantee::kAtLeastOnce, /*hold_acknowledgements=*/false, kBound);
  member.gateOpen() = false;  // workers stall: records pile up in flight
  member.consumer().assign({kPosts0, kPosts1});
  member.appendPosts(kPosts0, 40, "zero-");
  member.appendPosts(kPosts1, 40, "one-");
  const auto record_bytes = static_cast<int64_t>(postJson("zero-10").size() + 4);
  member.start();

  REQUIRE(eventually([&] { return member.runtime().stats().paused; }));
  const std::set<TopicPartition> both{kPosts0, kPosts1};
  CHECK(member.consumer().paused() == both);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // nothing more is read
  const RuntimeStats stalled = member.runtime().stats();
  CHECK(stalled.in_flight_bytes > kBound);
  CHECK(stalled.peak_in_flight_bytes <= kBound + record_bytes);
  CHECK(stalled.consumed < 80);

  member.gateOpen() = true;
  REQUIRE(eventually([&] { return member.runtime().stats().processed == 80; }));
  CHECK(member.consumer().paused().empty());
  const RuntimeStats done = member.runtime().stats();
  CHECK(done.pauses >= 1);
  CHECK(done.peak_in_flight_bytes <= kBound + record_bytes);
  CHECK(member.stop() == ExitStatus::kOk);
}

TEST_CASE("exactly-once: outputs and offsets commit together in transactions", "[runtime]") {
  Member member(Guarantee::kExactlyOnce);
  member.consumer().assign({kPosts0});
  member.appendPosts(kPosts0, 10, "p");
  member.start();
  auto committedInTransactions = [&] {
    Offset last;
    for (const auto& transaction : member.publisher().transactions()) {
      for (const auto& [tp, next] : transaction.offsets) last = next;
    }
    return last;
  };
  REQUIRE(eventually([&] { return committedInTransactions() == Offset{10}; }));
  CHECK(member.stop() == ExitStatus::kOk);
  size_t outputs = 0;
  for (const auto& transaction : member.publisher().transactions()) outputs += transaction.outputs;
  CHECK(outputs == 10);
  // Offsets go only with the transaction, never through the consumer's own commit.
  CHECK(member.consumer().commitCalls().empty());
  CHECK(member.publisher().aborts() == 0);
}

TEST_CASE("exactly-once: a transaction that cannot commit stops the member", "[runtime]") {
  Member member(Guarantee::kExactlyOnce);
  member.publisher().failNextTransaction();
  member.consumer().assign({kPosts0});
  member.appendPosts(kPosts0, 5, "p");
  member.start();
  CHECK(member.join() == ExitStatus::kKafkaFatal);
  CHECK(member.publisher().transactions().empty());
  CHECK(member.publisher().aborts() >= 1);
}

TEST_CASE("exactly-once: lost partitions abort the open transaction and stop the member",
          "[runtime]") {
  Member member(Guarantee::kExactlyOnce, /*hold_acknowledgements=*/true);
  member.consumer().assign({kPosts0});
  member.appendPosts(kPosts0, 5, "p");
  member.start();
  REQUIRE(eventually([&] { return member.runtime().stats().processed == 5; }));
  member.consumer().revoke({kPosts0}, /*lost=*/true);
  CHECK(member.join() == ExitStatus::kKafkaFatal);
  CHECK(member.publisher().aborts() >= 1);
}

TEST_CASE("a bounded run stops by itself once each partition is done up to its end", "[runtime]") {
  Member member;
  member.consumer().assign({kPosts0});
  member.appendPosts(kPosts0, 6, "p");
  member.runtime().setEndOffsets({{kPosts0, 4}});
  member.start();
  CHECK(member.join() == ExitStatus::kOk);
  CHECK(member.runtime().stats().processed == 4);
  CHECK(member.committed(kPosts0) == Offset{4});
  CHECK(member.consumer().closed());
}
