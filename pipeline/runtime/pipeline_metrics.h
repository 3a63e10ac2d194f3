#pragma once
// Prometheus metrics of the runtime and of each stage. Label values are low-cardinality by
// construction: stage names, topic names and error classes only, never ids or text.
// Thread-safety: prometheus-cpp metrics are atomic; families are created at start-up except the
// per-error-class children, which prometheus-cpp adds under its own lock.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/core/error.h"

namespace modstream {

// The standard metrics every stage emits: received, emitted, errors by class, latency.
class StageMetrics {
 public:
  // `error_classes`: what the stage may fail with besides stage_failure (series made at zero).
  StageMetrics(prometheus::Registry& registry, const std::string& stage,
               const std::vector<ErrorClass>& error_classes);
  void observe(std::chrono::steady_clock::duration elapsed,
               const std::optional<RecordError>& error);

 private:
  std::string stage_;
  prometheus::Counter& received_;
  prometheus::Counter& emitted_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Histogram& latency_;
};

// The children of a counter family labelled by topic. consumed() and published() run once per
// record and per output; prometheus-cpp's Family::Add builds and hashes a label map on every call,
// which the profile of a text-only drain showed at several percent of the process's CPU.
class CountersByTopic {
 public:
  explicit CountersByTopic(prometheus::Family<prometheus::Counter>& family) : family_(family) {}
  prometheus::Counter& operator[](const std::string& topic);

 private:
  prometheus::Family<prometheus::Counter>& family_;
  std::mutex mutex_;
  std::unordered_map<std::string, prometheus::Counter*> children_;  // never removed from family_
};

class PipelineMetrics {
 public:
  explicit PipelineMetrics(std::shared_ptr<prometheus::Registry> registry);

  prometheus::Registry& registry() { return *registry_; }
  StageMetrics& stage(const std::string& name, const std::vector<ErrorClass>& error_classes = {});

  void consumed(const std::string& topic);
  void deadLettered(const RecordError& error);
  void published(const std::string& topic);
  prometheus::Counter& deliveryFailures() { return delivery_failures_; }
  prometheus::Gauge& inFlightBytes() { return in_flight_bytes_; }
  prometheus::Gauge& pausedPartitions() { return paused_partitions_; }
  prometheus::Gauge& assignedPartitions() { return assigned_partitions_; }
  prometheus::Counter& commits() { return commits_; }
  prometheus::Counter& commitFailures() { return commit_failures_; }
  void rebalance(const std::string& kind);
  // Records between the committed offset and the end of a partition, per assigned partition.
  void setLag(const std::string& topic, int32_t partition, int64_t lag);
  void removeLag(const std::string& topic, int32_t partition);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  CountersByTopic consumed_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  CountersByTopic published_;
  prometheus::Family<prometheus::Counter>& rebalances_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Counter& delivery_failures_;
  prometheus::Gauge& in_flight_bytes_;
  prometheus::Gauge& paused_partitions_;
  prometheus::Gauge& assigned_partitions_;
  prometheus::Counter& commits_;
  prometheus::Counter& commit_failures_;
  std::map<std::string, std::unique_ptr<StageMetrics>> stages_;
};

}  // namespace modstream
