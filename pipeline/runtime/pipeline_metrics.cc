#include "pipeline/runtime/pipeline_metrics.h"

namespace modstream {
namespace {

prometheus::Family<prometheus::Counter>& counterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

// Stage latencies span microseconds (lookups) to tens of milliseconds (image decoding).
prometheus::Histogram::BucketBoundaries latencyBuckets() {
  return {0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0};
}

}  // namespace

StageMetrics::StageMetrics(prometheus::Registry& registry, const std::string& stage,
                           const std::vector<ErrorClass>& error_classes)
    : stage_(stage),
      received_(counterFamily(registry, "modstream_stage_records_received_total",
                              "Records a stage was given")
                    .Add({{"stage", stage}})),
      emitted_(counterFamily(registry, "modstream_stage_records_emitted_total",
                             "Records a stage passed on without error")
                   .Add({{"stage", stage}})),
      errors_(counterFamily(registry, "modstream_stage_errors_total",
                            "Records a stage failed, by error class")),
      latency_(prometheus::BuildHistogram()
                   .Name("modstream_stage_latency_seconds")
                   .Help("Time a stage spent on one record")
                   .Register(registry)
                   .Add({{"stage", stage}}, latencyBuckets())) {
  // Every class the stage may fail with starts at 0, so rates and alerts see a series before the
  // first error.
  errors_.Add({{"stage", stage}, {"error_class", std::string(ErrorClass::kStageFailure.name())}});
  for (const ErrorClass& error_class : error_classes) {
    errors_.Add({{"stage", stage}, {"error_class", std::string(error_class.name())}});
  }
}

void StageMetrics::observe(std::chrono::steady_clock::duration elapsed,
                           const std::optional<RecordError>& error) {
  received_.Increment();
  latency_.Observe(std::chrono::duration<double>(elapsed).count());
  if (error) {
    errors_.Add({{"stage", stage_}, {"error_class", std::string(error->error_class.name())}})
        .Increment();
  } else {
    emitted_.Increment();
  }
}

PipelineMetrics::PipelineMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      consumed_(counterFamily(*registry_, "modstream_records_consumed_total",
                              "Records read from input topics")),
      dead_letters_(
          counterFamily(*registry_, "modstream_dead_letters_total",
                        "Records sent to the dead-letter topic, by error class and stage")),
      published_(counterFamily(*registry_, "modstream_outputs_published_total",
                               "Output records acknowledged by the broker, by topic")),
      rebalances_(counterFamily(*registry_, "modstream_rebalances_total",
                                "Partition assignments and revocations")),
      lag_(prometheus::BuildGauge()
               .Name("modstream_consumer_lag")
               .Help("Records after the committed offset, per assigned input partition")
               .Register(*registry_)),
      delivery_failures_(counterFamily(*registry_, "modstream_output_delivery_failures_total",
                                       "Output records the broker never acknowledged")
                             .Add({})),
      in_flight_bytes_(gauge(*registry_, "modstream_in_flight_bytes",
                             "Bytes of input records read and not yet processed")),
      paused_partitions_(
          gauge(*registry_, "modstream_paused_partitions", "Partitions paused by back-pressure")),
      assigned_partitions_(gauge(*registry_, "modstream_assigned_partitions",
                                 "Input partitions assigned to this process")),
      commits_(
          counterFamily(*registry_, "modstream_offset_commits_total", "Offset commits acknowledged")
              .Add({})),
      commit_failures_(counterFamily(*registry_, "modstream_offset_commit_failures_total",
                                     "Offset commits that failed")
                           .Add({})) {}

StageMetrics& PipelineMetrics::stage(const std::string& name,
                                     const std::vector<ErrorClass>& error_classes) {
  auto& slot = stages_[name];
  if (!slot) slot = std::make_unique<StageMetrics>(*registry_, name, error_classes);
  return *slot;
}

prometheus::Counter& CountersByTopic::operator[](const std::string& topic) {
  std::lock_guard lock(mutex_);
  auto it = children_.find(topic);
  if (it == children_.end()) it = children_.emplace(topic, &family_.Add({{"topic", topic}})).first;
  return *it->second;
}

void PipelineMetrics::consumed(const std::string& topic) {
  consumed_[topic].Increment();
}

void PipelineMetrics::deadLettered(const RecordError& error) {
  dead_letters_
      .Add({{"error_class", std::string(error.error_class.name())}, {"stage", error.stage}})
      .Increment();
}

void PipelineMetrics::published(const std::string& topic) {
  published_[topic].Increment();
}

void PipelineMetrics::rebalance(const std::string& kind) {
  rebalances_.Add({{"kind", kind}}).Increment();
}

void PipelineMetrics::setLag(const std::string& topic, int32_t partition, int64_t lag) {
  lag_.Add({{"topic", topic}, {"partition", std::to_string(partition)}})
      .Set(static_cast<double>(lag));
}

void PipelineMetrics::removeLag(const std::string& topic, int32_t partition) {
  auto& gauge = lag_.Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  lag_.Remove(&gauge);
}

}  // namespace modstream
