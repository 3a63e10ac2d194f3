#pragma once
// What integration tests share: the real broker started by the ctest fixture (ops/kafka/broker.sh),
// fresh topics per test, a seeded workload whose expected outputs are known, temp dirs, and
// `modstream run` as a child process.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"
#include "pipeline/runtime/runtime.h"

namespace modstream::testing {

// The bootstrap address of the broker started by the `kafka` ctest fixture. Fails the test with a
// clear message when the broker is not running.
std::string brokerBootstrap();

// A set of uniquely named topics for one test.
struct TestTopics {
  std::string posts, media, takedowns, escalations, dead_letter;
  std::string group;
  std::string reputation_changelog;  // created by the reputation stage when it first starts
  std::string decisions;             // moderator decisions, co-partitioned with posts
};
// `config` sets topic configs by role ("media", "dead_letter", ...: the TestTopics field names),
// e.g. {{"dead_letter", {{"max.message.bytes", "65536"}}}}.
TestTopics createTestTopics(
    const std::string& bootstrap, const std::string& name, int input_partitions,
    const std::map<std::string, std::map<std::string, std::string>>& config = {});

// A workload of posts: every `takedown_every`-th post carries a client-side md5 that is in the
// bank, every `malformed_every`-th is broken JSON. Records what each must produce.
struct Workload {
  std::vector<BatchRecord> records;
  std::set<std::string> expected_takedown_keys;               // media ids
  std::set<std::string> expected_dead_letter_values;          // original bytes
  std::set<std::string> expected_escalation_posts;            // post ids
  std::map<std::string, int64_t> expected_posts_per_account;  // well-formed posts
  std::string bank_csv;                                       // the bank those md5s come from
};
Workload makeWorkload(const TestTopics& topics, int posts, int takedown_every, int malformed_every,
                      int first_post = 0);

// Produces `records` in batches of `batch_size` with a pause after each, so a test's faults happen
// while records are still arriving.
void produceOverTime(const std::string& bootstrap, const std::vector<BatchRecord>& records,
                     size_t batch_size, int pause_ms);

std::filesystem::path makeTempDir(const std::string& name);

// Writes a pipeline config for `topics` (bank file beside it) and returns its path. With
// `reputation`, the reputation stage keeps its state under dir/state.
// `processing_extra` is added to the processing section as it is (indented YAML lines).
std::filesystem::path writeConfig(const std::filesystem::path& dir, const std::string& bootstrap,
                                  const TestTopics& topics, const std::string& bank_csv,
                                  int worker_threads = 2, bool reputation = false,
                                  const std::string& processing_extra = "",
                                  int commit_interval_ms = 200);

// What an output topic holds against what a workload expects of it. `item` names what a record is
// about (a media id, a post id, the original bytes), `event_id` its event id ("" when none).
struct TopicAudit {
  size_t records = 0;
  size_t missing = 0;           // expected items with no record
  size_t unexpected = 0;        // items nobody expected
  size_t duplicates = 0;        // records beyond the first for an item
  size_t inconsistent_ids = 0;  // items published under more than one event id
};
TopicAudit auditTopic(const std::vector<TopicRecord>& records,
                      const std::set<std::string>& expected,
                      const std::function<std::string(const TopicRecord&)>& item,
                      const std::function<std::string(const TopicRecord&)>& event_id);
// A string field of a JSON record value by JSON pointer ("/event_id"), or "".
std::string jsonField(const TopicRecord& record, const std::string& pointer);

// Posts counted per account in reputation states (account -> encoded state).
std::map<std::string, int64_t> countedPosts(const std::map<std::string, std::string>& states);

// The partitions a process owns now, from its last "assigned/revoked ... (now N)" log line; -1
// before the first.
int ownedPartitions(const std::filesystem::path& log);

// The latest value per key of a compacted topic (tombstones remove the key).
std::map<std::string, std::string> latestByKey(const std::string& bootstrap,
                                               const std::string& topic);

// Runs the pipeline of `config` in this process until `done` holds and nothing is in flight,
// then stops it; requires both within `timeout_ms` and a clean exit. Returns the final stats.
RuntimeStats runUntil(const std::filesystem::path& config,
                      const std::function<bool(const RuntimeStats&)>& done,
                      int timeout_ms = 120000);

// `modstream run --config FILE` as a child process, stderr to `log`.
class ChildProcess {
 public:
  ChildProcess(const std::filesystem::path& config, const std::filesystem::path& log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  void signal(int sig);
  // Waits for exit and returns the exit code (128+signal when killed).
  int wait();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Sum of committed offsets of `group` over every partition of `topic` (ignoring -1).
int64_t committedTotal(const std::string& bootstrap, const std::string& group,
                       const std::string& topic);

// Waits until `predicate` holds or `timeout_ms` passes; returns whether it held.
bool waitFor(const std::function<bool()>& predicate, int timeout_ms);

}  // namespace modstream::testing
