#pragma once
// RecordProcessor runs one record through decode and the stage chain (each stage's process(), then
// each stage's finish()) and returns what to publish: the stages' outputs, or one dead letter when
// decoding or a stage failed. One instance per worker thread (it owns that thread's Stage instances
// and decoder); never throws on bad input.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/core/clock.h"
#include "pipeline/core/stage.h"
#include "pipeline/input/record_decoder.h"
#include "pipeline/runtime/pipeline_metrics.h"

namespace modstream {

struct NamedStage {
  std::string name;
  std::unique_ptr<Stage> stage;
  StageMetrics* metrics = nullptr;  // may be null (tests)
};

class RecordProcessor {
 public:
  RecordProcessor(RecordDecoder decoder, std::vector<NamedStage> stages, const Clock& clock,
                  PipelineMetrics* metrics);

  std::vector<OutputRecord> process(const InputRecord& record);
  // Passes the records that will be processed next to the stages that want them (Stage::lookAhead),
  // decoding them once more; does nothing when no stage wants them.
  void lookAhead(const std::vector<const InputRecord*>& records);

 private:
  // Reports stage `stage`'s time on this record (spent_) to its metrics.
  void observe(size_t stage, const std::optional<RecordError>& error);

  RecordDecoder decoder_;
  std::vector<NamedStage> stages_;
  std::vector<std::chrono::steady_clock::duration> spent_;  // per stage, this record so far
  const Clock& clock_;
  PipelineMetrics* metrics_;
};

}  // namespace modstream
