#pragma once
// The stage interface. A stage looks at one decoded record and adds what it found to the record's
// Signals; the decide stage turns signals into output records. The runtime calls a chain of stages
// in config order, for each record, on the worker thread that owns the record's partition: first
// process() of each stage, then finish() of each.
//
// Threading: a StageFactory is built once at start-up (validating its config) and creates one Stage
// per worker thread, so a Stage needs no locks. Factories may be shared across threads read-only.

#include <prometheus/registry.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config/config_reader.h"
#include "pipeline/core/clock.h"
#include "pipeline/core/error.h"
#include "pipeline/core/partition_observer.h"
#include "pipeline/core/record.h"
#include "pipeline/core/signals.h"
#include "pipeline/input/content.h"

namespace modstream {

// Facts about the record being processed that are not in its content.
struct StageContext {
  const InputRecord& record;
  int64_t now_ms;
};

// The outcome of one stage on one record: ok, or an error that dead-letters the record.
struct [[nodiscard]] StageStatus {
  std::optional<RecordError> error;
  static StageStatus ok() { return {}; }
  static StageStatus fail(RecordError e) { return {std::move(e)}; }
};

class Stage {
 public:
  virtual ~Stage() = default;
  // Processes one record. Never throws; returns fail() when the record cannot be processed.
  virtual StageStatus process(const Content& content, const StageContext& context,
                              Signals& signals) = 0;
  // Called once every stage of the chain has processed the record without failing, in chain
  // order, with the signals all of them added: a stage that must see what later stages found
  // (reputation counts text_risk's flags as strikes) does that here. Not called for a record
  // that goes to the dead-letter topic. Never throws.
  virtual void finish(const Content& content, const StageContext& context, Signals& signals) {
    (void)content;
    (void)context;
    (void)signals;
  }
  // A worker that took several records from its queue at once tells stages that want it what they
  // will process next, in order and decoded, before process() is called for each: work that
  // batches well (text_risk's transformer) can be done here for all of them in one go. A hint
  // only: process() must give the same result without it. Never throws.
  virtual bool wantsLookAhead() const { return false; }
  virtual void lookAhead(const std::vector<const Content*>& upcoming) { (void)upcoming; }
};

class StageFactory {
 public:
  virtual ~StageFactory() = default;
  virtual std::unique_ptr<Stage> create() const = 0;
  // Re-reads whatever the stage loaded from files (banks, lexicons) and swaps it in atomically for
  // every instance; on failure the previous data stays in use. Called on SIGHUP from the signal
  // thread. Returns false when the reload failed.
  virtual bool reload() { return true; }
  // The error classes its stages may fail with besides ErrorClass::kStageFailure, so that their
  // metric series exist from start-up.
  virtual std::vector<ErrorClass> errorClasses() const { return {}; }
  // Stages that keep state per input partition are told which partitions this process owns.
  virtual PartitionObserver* partitionObserver() { return nullptr; }
};

struct KafkaConfig;
struct TopicsConfig;

// What a factory may use while it builds: where relative files live, the clock, and a registry
// for metrics of its own.
struct StageEnvironment {
  std::filesystem::path base_dir;
  const Clock& clock;
  // Where a stage registers metrics of its own (beyond the standard per-stage ones); may be null.
  prometheus::Registry* metrics;
  // The process's Kafka settings and topics, for stages that keep state in Kafka; may be null
  // (tools that build a stage without a cluster).
  const KafkaConfig* kafka = nullptr;
  const TopicsConfig* topics = nullptr;
};

// Builds a factory from a stage's config node, adding any problems (with their paths, prefixed by
// `path`) to `errors`. Returns nullptr when the config is invalid.
using StageFactoryBuilder =
    std::function<std::unique_ptr<StageFactory>(const YAML::Node& config, const std::string& path,
                                                const StageEnvironment& env, ConfigErrors& errors)>;

// Which signals a stage reads in process() and which it adds there. A needed signal that no stage
// of the chain provides is allowed (the stage does without it: text_risk without reputation weighs
// every account alike); one that a later stage provides is an error, as the stage would never see
// it. What a stage reads in finish() needs no order.
struct SignalFlow {
  std::vector<SignalKind> needs;
  std::vector<SignalKind> provides;
};

// A stage of a configured chain, as the order check sees it.
struct ChainedStage {
  std::string name;
  std::string path;  // e.g. "stages[1]"
};

// Stages by name. Built in the composition root (no static registration, no global state).
class StageRegistry {
 public:
  void add(std::string name, StageFactoryBuilder builder, SignalFlow flow = {});
  // Adds an error to `errors` for each stage that needs a signal a later stage provides, naming
  // both. Unknown names are skipped (build() reports them).
  void checkOrder(const std::vector<ChainedStage>& chain, ConfigErrors& errors) const;
  // Builds the factory for `name`; an unknown name is reported with the known ones.
  std::unique_ptr<StageFactory> build(const std::string& name, const YAML::Node& config,
                                      const std::string& path, const StageEnvironment& env,
                                      ConfigErrors& errors) const;
  std::vector<std::string> names() const;

 private:
  struct Entry {
    StageFactoryBuilder build;
    SignalFlow flow;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace modstream
