#pragma once
// The composition root: turns a config file into a validated pipeline (typed config plus one
// factory per configured stage) and wires factories, metrics and the runtime together. The CLI,
// the demo and the integration tests all start pipelines through here.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/config/pipeline_config.h"
#include "pipeline/core/stage.h"
#include "pipeline/runtime/kafka_clients.h"
#include "pipeline/runtime/runtime.h"

namespace modstream {

struct ConfiguredStage {
  std::string name;
  std::unique_ptr<StageFactory> factory;
};

struct LoadedPipeline {
  PipelineConfig config;
  std::vector<ConfiguredStage> stages;
};

// Parses and validates everything, stage configs included; all problems go to `errors`. Stages
// register their own metrics in `metrics` when it is given.
std::optional<LoadedPipeline> loadPipeline(const YAML::Node& root,
                                           const std::filesystem::path& base_dir,
                                           const StageRegistry& registry, const Clock& clock,
                                           ConfigErrors& errors,
                                           prometheus::Registry* metrics = nullptr);
std::optional<LoadedPipeline> loadPipelineFile(const std::string& file,
                                               const StageRegistry& registry, const Clock& clock,
                                               ConfigErrors& errors,
                                               prometheus::Registry* metrics = nullptr);

// The stages that keep state per input partition, for the Runtime.
std::vector<PartitionObserver*> partitionObservers(const LoadedPipeline& pipeline);

// Makes one RecordProcessor per worker thread, each with its own stage instances.
WorkerPool::ProcessorFactory processorFactory(const LoadedPipeline& pipeline, const Clock& clock,
                                              PipelineMetrics& metrics);

// One group member running `pipeline`: a processor per worker, the stages' partition observers,
// and the librdkafka clients. `pipeline`, `clock` and `metrics` must outlive it. Throws
// KafkaSetupError (see makeKafkaClients).
std::unique_ptr<Runtime> makeRuntime(const LoadedPipeline& pipeline, const Clock& clock,
                                     PipelineMetrics& metrics, KafkaClientOptions options = {});

}  // namespace modstream
