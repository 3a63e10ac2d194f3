// `modstream demo`: the whole pipeline on an embedded default. An in-process Kafka (librdkafka's
// mock cluster, fine for a demo, never for tests of volume) holds the topics; the bundled sample
// firehose is produced into it; the real runtime consumes it with the shipped demo config; then the
// output topics are read back and summarised for a person.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/event_format.h"
#include "app/cli/signal_pipe.h"
#include "app/cli/terminal_text.h"
#include "app/pipeline_app.h"
#include "app/sample_firehose.h"
#include "console/console_app.h"
#include "console/sessions.h"
#include "pipeline/core/dead_letter.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"
#include "stages/reputation/account_state.h"
#include "stages/stage_registry.h"

namespace modstream::cli {
namespace {

constexpr int kInputPartitions = 4;

// Owns the in-process cluster and the client handle it is attached to.
class InProcessKafka {
 public:
  InProcessKafka() {
    handle_ = makeKafkaClient(RD_KAFKA_PRODUCER, makeKafkaConf({{{"log_level", "3"}}}));
    cluster_ = rd_kafka_mock_cluster_new(handle_.get(), 1);
    if (!cluster_) throw KafkaSetupError("cannot start the in-process Kafka cluster");
  }
  ~InProcessKafka() { rd_kafka_mock_cluster_destroy(cluster_); }
  InProcessKafka(const InProcessKafka&) = delete;
  InProcessKafka& operator=(const InProcessKafka&) = delete;

  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  void createTopic(const std::string& topic, int partitions) {
    rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  }

 private:
  KafkaHandle handle_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

void printOutputs(const std::string& title, const std::vector<TopicRecord>& records) {
  std::cout << "\n" << title << ": " << records.size() << "\n";
  for (const auto& record : records) std::cout << "  " << describeOutput(record) << "\n";
}

// The reputation changelog's latest state per account, the least trusted first.
void printReputation(std::vector<TopicRecord> changelog, int64_t now_ms) {
  const auto latest = latestByKey(std::move(changelog));
  std::vector<std::pair<double, std::string>> by_trust;
  const ReputationSettings settings;
  for (const auto& [account, value] : latest) {
    if (auto state = decodeState(value)) {
      const auto snapshot = snapshotOf(*state, now_ms, settings);
      std::string strikes;
      for (const auto& [category, strike] : snapshot.strikes) {
        strikes += (strikes.empty() ? "" : ", ") + category;
      }
      by_trust.emplace_back(snapshot.trust, terminalSafe(account) + "  trust " +
                                                std::to_string(snapshot.trust).substr(0, 4) +
                                                (strikes.empty() ? "" : "  strikes: " + strikes));
    }
  }
  std::sort(by_trust.begin(), by_trust.end());
  std::cout << "\nReputation: " << latest.size()
            << " accounts in the changelog; the least trusted:\n";
  for (size_t i = 0; i < by_trust.size() && i < 3; ++i) {
    std::cout << "  " << by_trust[i].second << "\n";
  }
}

// The console over the demo's cases, with one demo user whose password is made up now and
// printed, until SIGINT or SIGTERM.
int serveDemoConsole(const std::string& address, const std::string& bootstrap,
                     const TopicsConfig& topics, const std::filesystem::path& work_dir,
                     const Clock& clock,
                     const std::function<void(const std::string&, int)>& create_topic) {
  ConsoleConfig config;
  config.bootstrap_servers = bootstrap;
  // The demo's pipeline reads no decisions topic; the console still needs one to write to.
  const std::string decisions = topics.decisions.empty() ? "demo.decisions" : topics.decisions;
  config.topics = {topics.posts, topics.escalations, decisions, "demo.console-audit"};
  config.listen_address = address;
  std::filesystem::create_directories(work_dir);
  config.users_file = work_dir / "console-users.yaml";
  create_topic(decisions, kInputPartitions);
  create_topic(config.topics.audit, 1);
  const std::string password = randomToken().substr(0, 16);
  ConfigErrors errors;
  UserDirectory::save(config.users_file, {"moderator", Role::kLead, hashPassword(password)},
                      errors);
  if (!errors.empty()) {
    std::cerr << "modstream demo: " << errors.str();
    return 1;
  }
  SignalPipe signals({SIGINT, SIGTERM});
  try {
    ConsoleApp console(config, consoleWebDir(), clock);
    std::cout << "\nModerator console: http://" << address.substr(0, address.rfind(':')) << ":"
              << console.port() << "/  user: moderator  password: " << password
              << "\n(Ctrl-C to stop)\n"
              << std::flush;
    while (true) {
      const int signal = signals.wait(1000);
      if (signal == SIGINT || signal == SIGTERM) break;
    }
  } catch (const std::exception& e) {
    std::cerr << "modstream demo: the console could not start: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int demoCommand(const DemoOptions& options) {
  configureLogging(options.verbose ? "info" : "warn", "text");  // a person reads this one

  const std::filesystem::path dir = options.config_dir;
  ConfigErrors errors;
  auto root = parseYamlFile((dir / "demo.yaml").string(), errors);
  if (!root) {
    std::cerr << "modstream demo: " << errors.str();
    return 2;
  }
  InProcessKafka kafka;
  (*root)["kafka"]["bootstrap_servers"] = kafka.bootstrap();
  // Reputation state goes to a fresh temporary directory: the demo leaves nothing behind.
  const auto state_dir =
      std::filesystem::temp_directory_path() / ("modstream-demo-" + std::to_string(::getpid()));
  for (auto stage : (*root)["stages"]) {
    if (stage["name"].as<std::string>("") == "reputation") {
      stage["config"]["state_dir"] = state_dir.string();
    }
  }
  class RemoveOnExit {
   public:
    explicit RemoveOnExit(std::filesystem::path dir) : dir_(std::move(dir)) {}
    ~RemoveOnExit() {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    RemoveOnExit(const RemoveOnExit&) = delete;
    RemoveOnExit& operator=(const RemoveOnExit&) = delete;

   private:
    std::filesystem::path dir_;
  } remove_state{state_dir};

  SystemClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  auto pipeline = loadPipeline(*root, dir, builtinStages(), clock, errors, registry.get());
  if (!pipeline) {
    std::cerr << "modstream demo: invalid " << (dir / "demo.yaml").string() << ":\n"
              << errors.str();
    return 2;
  }
  const auto& topics = pipeline->config.topics;
  kafka.createTopic(topics.posts, kInputPartitions);
  kafka.createTopic(topics.media, kInputPartitions);
  for (const auto& out : {topics.takedowns, topics.escalations, topics.dead_letter}) {
    kafka.createTopic(out, 1);
  }

  FirehoseLoad firehose = loadSampleFirehose(dir / "samples" / "firehose.jsonl");
  if (!firehose.errors.empty()) {
    for (const auto& e : firehose.errors) std::cerr << "modstream demo: " << e << "\n";
    return 2;
  }
  std::vector<BatchRecord> batch;
  size_t posts = 0, media = 0;
  for (auto& record : firehose.records) {
    const bool is_post = record.topic == "posts";
    (is_post ? posts : media) += 1;
    batch.push_back(
        {is_post ? topics.posts : topics.media, record.key, record.value, record.headers});
  }
  produceBatch(kafka.bootstrap(), {}, batch);
  std::cout << "modstream demo: " << posts << " posts and " << media
            << " media records produced to an in-process Kafka (" << kInputPartitions
            << " partitions each)\n";

  PipelineMetrics metrics(registry);
  // The mock cluster answers no DescribeConfigs (KafkaClientOptions::read_topic_limits).
  const auto made = makeRuntime(*pipeline, clock, metrics, {.read_topic_limits = false});
  Runtime& runtime = *made;
  ExitStatus status = ExitStatus::kOk;
  std::thread consumer([&] { status = runtime.run(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    RuntimeStats stats = runtime.stats();
    if (stats.processed >= batch.size() && stats.idle) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const RuntimeStats stats = runtime.stats();
  runtime.stop();
  consumer.join();
  if (status != ExitStatus::kOk || stats.processed < batch.size()) {
    std::cerr << "modstream demo: the pipeline processed " << stats.processed << " of "
              << batch.size() << " records (exit status " << static_cast<int>(status) << ")\n";
    return 1;
  }
  std::cout << "modstream demo: pipeline processed " << stats.processed << " records with stages:";
  for (const auto& stage : pipeline->stages) std::cout << " " << stage.name;
  std::cout << "; every offset committed after its outputs were acknowledged\n";

  auto takedowns = readWholeTopic(kafka.bootstrap(), {}, topics.takedowns);
  auto escalations = readWholeTopic(kafka.bootstrap(), {}, topics.escalations);
  auto dead_letters = readWholeTopic(kafka.bootstrap(), {}, topics.dead_letter);
  printOutputs("Taken down", takedowns);
  printOutputs("Escalated to moderators", escalations);
  printOutputs("Dead-lettered", dead_letters);
  printReputation(readWholeTopic(kafka.bootstrap(), {}, topics.reputation_changelog),
                  1795000100000);  // just after the sample firehose's posts
  // Records with any output, by source coordinates (a record may match several banks).
  std::set<std::string> acted_on;
  for (const auto& r : dead_letters) {
    namespace h = dead_letter_header;
    acted_on.insert(std::string(r.header(h::kSourceTopic).value_or("")) + "/" +
                    std::string(r.header(h::kSourcePartition).value_or("")) + "@" +
                    std::string(r.header(h::kSourceOffset).value_or("")));
  }
  for (const auto& records : {takedowns, escalations}) {
    for (const auto& r : records) acted_on.insert(eventSource(r));
  }
  std::cout << "\nAllowed: " << stats.processed - acted_on.size() << " records needed no action\n";
  if (options.console_address.empty()) return 0;
  return serveDemoConsole(
      options.console_address, kafka.bootstrap(), topics, state_dir, clock,
      [&](const std::string& topic, int partitions) { kafka.createTopic(topic, partitions); });
}

}  // namespace modstream::cli
