#pragma once
// The console's two Kafka clients.
//
// RecordWriter: an idempotent producer (acks=all) whose send() waits for the broker's answer, so a
// moderator is told "decided" only once the decision is stored, and learns where it landed.
//
// TopicFollower: reads the escalations (read_committed), decisions and audit topics from the
// beginning, outside any consumer group (every console sees everything), hands each record to
// `apply` on its own thread, and keeps following. waitApplied() lets a request wait until a record
// it wrote has come back and been applied: the audit topic has one partition, so its order is the
// one order every console applies claims in, and the first claim in it wins.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"

namespace modstream {

struct WrittenAt {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

class RecordWriter {
 public:
  // Throws KafkaSetupError when the producer cannot be made.
  RecordWriter(const std::string& bootstrap_servers,
               const std::map<std::string, std::string>& properties);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Writes one record and waits for the acknowledgement; nullopt with `error` set when the
  // broker did not take it within `timeout_ms`.
  std::optional<WrittenAt> send(const std::string& topic, const std::string& key,
                                const std::string& value, std::string& error,
                                int timeout_ms = 10000);

 private:
  KafkaHandle producer_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

// Reads single records by position (an escalated post, for its text), one at a time with one
// consumer kept for it.
class RecordReader {
 public:
  RecordReader(const std::string& bootstrap_servers,
               const std::map<std::string, std::string>& properties);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // The record at `offset`; nullopt when it is gone (retention, compaction) or not read in time.
  std::optional<TopicRecord> read(const std::string& topic, int32_t partition, int64_t offset,
                                  int timeout_ms = 5000);

 private:
  KafkaHandle consumer_;
  std::mutex mutex_;
};

class TopicFollower {
 public:
  using Apply = std::function<void(const TopicRecord& record)>;

  // Starts reading `topics` from their beginnings. Throws KafkaSetupError when a topic cannot be
  // described.
  TopicFollower(const std::string& bootstrap_servers,
                const std::map<std::string, std::string>& properties,
                const std::vector<std::string>& topics, Apply apply);
  ~TopicFollower();
  TopicFollower(const TopicFollower&) = delete;
  TopicFollower& operator=(const TopicFollower&) = delete;

  // Whether every record that was in the topics at start has been applied.
  bool caughtUp() const;
  // Waits until the record at `at` has been applied; false after `timeout_ms`.
  bool waitApplied(const WrittenAt& at, int timeout_ms) const;
  // The last error reading the topics, empty when none.
  std::string lastError() const;

 private:
  void run();

  KafkaHandle consumer_;
  Apply apply_;
  std::map<std::pair<std::string, int32_t>, int64_t> start_ends_;  // high watermarks at start
  mutable std::mutex mutex_;
  mutable std::condition_variable applied_changed_;
  std::map<std::pair<std::string, int32_t>, int64_t> next_;  // next offset to apply
  std::set<std::pair<std::string, int32_t>> reached_end_;    // partitions read to their end once
  std::string last_error_;
  std::atomic<bool> stop_{false};
  std::thread reader_;  // last: starts once the rest exists
};

}  // namespace modstream
