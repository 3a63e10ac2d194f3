#include "tests/integration/kafka_test_env.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "app/pipeline_app.h"
#include "pipeline/core/content_hash.h"
#include "pipeline/kafka/kafka_handles.h"
#include "stages/reputation/account_state.h"
#include "stages/stage_registry.h"

extern char** environ;

namespace modstream::testing {

std::string brokerBootstrap() {
  const char* dir =
      std::getenv("MODSTREAM_BROKER_DIR");  // NOLINT(concurrency-mt-unsafe): no setenv
  if (!dir) FAIL("MODSTREAM_BROKER_DIR is not set: run integration tests through ctest");
  std::ifstream in(std::filesystem::path(dir) / "bootstrap");
  std::string bootstrap;
  if (!(in >> bootstrap)) {
    FAIL("no broker at " << dir
                         << "/bootstrap: the kafka fixture (ops/kafka/broker.sh) did not start");
  }
  return bootstrap;
}

namespace {
std::string uniqueSuffix() {
  std::random_device rd;
  return std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000) +
         "-" + std::to_string(rd() % 100000);
}
}  // namespace

TestTopics createTestTopics(
    const std::string& bootstrap, const std::string& name, int input_partitions,
    const std::map<std::string, std::map<std::string, std::string>>& config) {
  auto configOf = [&](const std::string& role) {
    const auto it = config.find(role);
    return it == config.end() ? std::map<std::string, std::string>{} : it->second;
  };
  const std::string prefix = name + "-" + uniqueSuffix() + ".";
  TestTopics topics{prefix + "posts",
                    prefix + "media",
                    prefix + "takedowns",
                    prefix + "escalations",
                    prefix + "dead-letter",
                    prefix + "group",
                    prefix + "reputation-changelog",
                    prefix + "decisions"};
  createTopics(bootstrap, {},
               {{topics.posts, input_partitions, configOf("posts")},
                {topics.media, input_partitions, configOf("media")},
                {topics.decisions, input_partitions, configOf("decisions")},
                {topics.takedowns, 3, configOf("takedowns")},
                {topics.escalations, 3, configOf("escalations")},
                {topics.dead_letter, 1, configOf("dead_letter")}});
  return topics;
}

Workload makeWorkload(const TestTopics& topics, int posts, int takedown_every, int malformed_every,
                      int first_post) {
  Workload workload;
  workload.bank_csv = "hash_type,value,entry_id,category,source\n";
  for (int i = first_post; i < first_post + posts; ++i) {
    const std::string account = "acct-" + std::to_string(i % 97);
    const std::string post_id = "post-" + std::to_string(i);
    std::string value;
    if (malformed_every > 0 && i % malformed_every == 0) {
      value = "{\"post_id\": \"" + post_id + "\", broken";
      workload.expected_dead_letter_values.insert(value);
    } else {
      // Every 13th post threatens someone (obfuscated): the text_risk stage escalates it.
      const bool threat = i % 13 == 0 && !(takedown_every > 0 && i % takedown_every == 0);
      value = fmt::format(
          R"({{"post_id":"{}","account_id":"{}","created_at_ms":1795000000000,"text":"post number {}{}")",
          post_id, account, i, threat ? ": I w1ll k i l l you" : "");
      if (threat) workload.expected_escalation_posts.insert(post_id);
      workload.expected_posts_per_account[account] += 1;
      if (takedown_every > 0 && i % takedown_every == 0) {
        const std::string media_id = "media-" + std::to_string(i);
        const std::string md5 = hexDigest(HashType::kMd5, "known-" + media_id);
        value += fmt::format(R"(,"media":[{{"media_id":"{}","md5":"{}"}}])", media_id, md5);
        workload.bank_csv += "md5," + md5 + ",ENTRY-" + std::to_string(i) + ",A,test\n";
        workload.expected_takedown_keys.insert(media_id);
      }
      value += "}";
    }
    workload.records.push_back({topics.posts, account, value, {}});
  }
  return workload;
}

void produceOverTime(const std::string& bootstrap, const std::vector<BatchRecord>& records,
                     size_t batch_size, int pause_ms) {
  for (size_t i = 0; i < records.size(); i += batch_size) {
    const auto begin = records.begin() + static_cast<std::ptrdiff_t>(i);
    const auto end =
        records.begin() + static_cast<std::ptrdiff_t>(std::min(records.size(), i + batch_size));
    produceBatch(bootstrap, {}, std::vector<BatchRecord>(begin, end));
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
}

std::filesystem::path makeTempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("modstream-" + name + "-" + uniqueSuffix());
  std::filesystem::create_directories(dir);
  return dir;
}

std::filesystem::path writeConfig(const std::filesystem::path& dir, const std::string& bootstrap,
                                  const TestTopics& topics, const std::string& bank_csv,
                                  int worker_threads, bool reputation,
                                  const std::string& processing_extra, int commit_interval_ms) {
  std::ofstream(dir / "bank.csv") << bank_csv;
  auto path = dir / "pipeline.yaml";
  std::ofstream(path)
      << "kafka:\n  bootstrap_servers: \"" << bootstrap << "\"\n  group_id: \"" << topics.group
      << "\"\n"
      << "  consumer_properties: {session.timeout.ms: \"6000\", "
         "heartbeat.interval.ms: \"500\"}\n"
      << "topics:\n  posts: \"" << topics.posts << "\"\n  media: \"" << topics.media
      << "\"\n  takedowns: \"" << topics.takedowns << "\"\n  escalations: \"" << topics.escalations
      << "\"\n  dead_letter: \"" << topics.dead_letter << "\"\n  reputation_changelog: \""
      << topics.reputation_changelog << "\"\n  decisions: \"" << topics.decisions
      << "\"\nprocessing:\n  worker_threads: " << worker_threads
      << "\n  commit_interval_ms: " << commit_interval_ms << "\n"
      << processing_extra << "logging: {level: info}\nmetrics: {listen_address: \"\"}\n"
      << "stages:\n  - name: hash_match\n    config:\n      banks: [{name: "
         "test-bank, path: bank.csv}]\n"
      << (reputation ? "  - name: reputation\n    config: {state_dir: state, "
                       "confirmed_hashes_bank: confirmed.csv}\n"
                     : "")
      << "  - name: text_risk\n    config:\n      lexicons: [\"" MODSTREAM_SOURCE_DIR
         "/config/lexicons\"]\n"
      // Delivery tests push thousands of takedowns a second: far over the guardrail's default
      // rate, which would (correctly) send most of them to moderators instead.
      << "  - name: decide\n    config: {guardrails: {takedowns_per_second: 1000000, "
         "takedown_burst: 1000000}}\n";
  return path;
}

TopicAudit auditTopic(const std::vector<TopicRecord>& records,
                      const std::set<std::string>& expected,
                      const std::function<std::string(const TopicRecord&)>& item,
                      const std::function<std::string(const TopicRecord&)>& event_id) {
  TopicAudit result;
  std::map<std::string, std::set<std::string>> ids;
  std::map<std::string, size_t> copies;
  for (const auto& record : records) {
    const std::string key = item(record);
    copies[key] += 1;
    ids[key].insert(event_id(record));
    ++result.records;
  }
  for (const auto& key : expected) result.missing += copies.count(key) ? 0 : 1;
  for (const auto& [key, count] : copies) {
    result.unexpected += expected.count(key) ? 0 : 1;
    result.duplicates += count - 1;
    result.inconsistent_ids += ids[key].size() > 1 ? 1 : 0;
  }
  return result;
}

std::string jsonField(const TopicRecord& record, const std::string& pointer) {
  const auto event = nlohmann::json::parse(record.value, nullptr, false);
  const nlohmann::json::json_pointer path(pointer);
  if (event.is_discarded() || !event.contains(path) || !event[path].is_string()) return "";
  return event[path].get<std::string>();
}

std::map<std::string, int64_t> countedPosts(const std::map<std::string, std::string>& states) {
  std::map<std::string, int64_t> counts;
  for (const auto& [account, value] : states) {
    const auto state = decodeState(value);
    REQUIRE(state);
    counts[account] = state->totals.posts;
  }
  return counts;
}

int ownedPartitions(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  static const std::regex now_re(R"(\(now (\d+)\))");
  int owned = -1;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), now_re); it != std::sregex_iterator();
       ++it) {
    owned = std::stoi((*it)[1]);
  }
  return owned;
}

RuntimeStats runUntil(const std::filesystem::path& config,
                      const std::function<bool(const RuntimeStats&)>& done, int timeout_ms) {
  ConfigErrors errors;
  SystemClock clock;
  auto pipeline = loadPipelineFile(config.string(), builtinStages(), clock, errors);
  INFO(errors.str());
  REQUIRE(pipeline);
  PipelineMetrics metrics(std::make_shared<prometheus::Registry>());
  const auto made = makeRuntime(*pipeline, clock, metrics);
  Runtime& runtime = *made;
  ExitStatus status = ExitStatus::kStartupError;
  std::thread consumer([&] { status = runtime.run(); });
  const bool finished = waitFor(
      [&] {
        const auto stats = runtime.stats();
        return done(stats) && stats.idle;
      },
      timeout_ms);
  runtime.stop();
  consumer.join();
  REQUIRE(finished);
  CHECK(status == ExitStatus::kOk);
  return runtime.stats();
}

std::map<std::string, std::string> latestByKey(const std::string& bootstrap,
                                               const std::string& topic) {
  return modstream::latestByKey(readWholeTopic(bootstrap, {}, topic, 120000));
}

ChildProcess::ChildProcess(const std::filesystem::path& config, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::string binary = MODSTREAM_BINARY;
  std::string run = "run", flag = "--config", file = config.string();
  char* argv[] = {binary.data(), run.data(), flag.data(), file.data(), nullptr};
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

void ChildProcess::signal(int sig) {
  ::kill(pid_, sig);
}

int ChildProcess::wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

int64_t committedTotal(const std::string& bootstrap, const std::string& group,
                       const std::string& topic) {
  int64_t total = 0;
  for (const auto& [partition, offset] : committedOffsets(bootstrap, {}, group, topic)) {
    if (offset >= 0) total += offset;
  }
  return total;
}

bool waitFor(const std::function<bool()>& predicate, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return predicate();
}

}  // namespace modstream::testing
