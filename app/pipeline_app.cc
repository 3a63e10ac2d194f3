#include "app/pipeline_app.h"

namespace modstream {

std::optional<LoadedPipeline> loadPipeline(const YAML::Node& root,
                                           const std::filesystem::path& base_dir,
                                           const StageRegistry& registry, const Clock& clock,
                                           ConfigErrors& errors, prometheus::Registry* metrics) {
  LoadedPipeline pipeline;
  pipeline.config = parsePipelineConfig(root, base_dir, errors);
  StageEnvironment env{base_dir, clock, metrics};
  env.kafka =
      &pipeline.config.kafka;  // valid while the factories are built; they copy what they need
  env.topics = &pipeline.config.topics;
  std::vector<ChainedStage> chain;
  for (const auto& spec : pipeline.config.stages) {
    if (spec.name.empty()) continue;  // already reported
    chain.push_back({spec.name, spec.path});
    auto factory = registry.build(spec.name, spec.config, spec.path, env, errors);
    if (factory) pipeline.stages.push_back({spec.name, std::move(factory)});
  }
  registry.checkOrder(chain, errors);
  if (!errors.empty()) return std::nullopt;
  return pipeline;
}

std::optional<LoadedPipeline> loadPipelineFile(const std::string& file,
                                               const StageRegistry& registry, const Clock& clock,
                                               ConfigErrors& errors,
                                               prometheus::Registry* metrics) {
  auto root = parseYamlFile(file, errors);
  if (!root) return std::nullopt;
  const auto base_dir = std::filesystem::absolute(file).parent_path();
  return loadPipeline(*root, base_dir, registry, clock, errors, metrics);
}

std::vector<PartitionObserver*> partitionObservers(const LoadedPipeline& pipeline) {
  std::vector<PartitionObserver*> observers;
  for (const auto& stage : pipeline.stages) {
    if (auto* observer = stage.factory->partitionObserver()) observers.push_back(observer);
  }
  return observers;
}

WorkerPool::ProcessorFactory processorFactory(const LoadedPipeline& pipeline, const Clock& clock,
                                              PipelineMetrics& metrics) {
  // Stage metrics are created here, on the building thread, so workers only increment them.
  std::vector<StageMetrics*> stage_metrics;
  for (const auto& stage : pipeline.stages) {
    stage_metrics.push_back(&metrics.stage(stage.name, stage.factory->errorClasses()));
  }
  return [&pipeline, &clock, &metrics, stage_metrics] {
    std::vector<NamedStage> stages;
    for (size_t i = 0; i < pipeline.stages.size(); ++i) {
      stages.push_back(
          {pipeline.stages[i].name, pipeline.stages[i].factory->create(), stage_metrics[i]});
    }
    const auto& config = pipeline.config;
    return std::make_unique<RecordProcessor>(
        RecordDecoder(
            InputTopics{config.topics.posts, config.topics.media, config.topics.decisions},
            config.limits),
        std::move(stages), clock, &metrics);
  };
}

std::unique_ptr<Runtime> makeRuntime(const LoadedPipeline& pipeline, const Clock& clock,
                                     PipelineMetrics& metrics, KafkaClientOptions options) {
  return std::make_unique<Runtime>(pipeline.config, processorFactory(pipeline, clock, metrics),
                                   metrics, makeKafkaClients(pipeline.config, metrics, options),
                                   partitionObservers(pipeline));
}

}  // namespace modstream
