#include "pipeline/runtime/record_processor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>

#include "pipeline/core/dead_letter.h"

namespace modstream {

RecordProcessor::RecordProcessor(RecordDecoder decoder, std::vector<NamedStage> stages,
                                 const Clock& clock, PipelineMetrics* metrics)
    : decoder_(std::move(decoder)), stages_(std::move(stages)), clock_(clock), metrics_(metrics) {}

std::vector<OutputRecord> RecordProcessor::process(const InputRecord& record) {
  const int64_t now_ms = clock_.nowMs();
  auto deadLetter = [&](const RecordError& error) {
    if (metrics_) metrics_->deadLettered(error);
    return std::vector<OutputRecord>{makeDeadLetter(record, error, now_ms)};
  };

  auto content = decoder_.decode(record);
  if (!content.ok()) return deadLetter(content.error());

  Signals signals;
  const StageContext context{record, now_ms};
  // A stage's time is observed once per record, process() and finish() together, so that a stage
  // doing its work in finish() (reputation's writes) shows its real cost.
  spent_.assign(stages_.size(), {});
  for (size_t i = 0; i < stages_.size(); ++i) {
    auto& named = stages_[i];
    const auto started = std::chrono::steady_clock::now();
    StageStatus status;
    try {
      status = named.stage->process(content.value(), context, signals);
    } catch (const std::exception& e) {
      // Stages must not throw; if one does, the record still goes to the dead-letter topic
      // instead of taking the worker down.
      status = StageStatus::fail(
          {ErrorClass::kStageFailure, named.name, std::string("stage threw: ") + e.what()});
    }
    spent_[i] = std::chrono::steady_clock::now() - started;
    if (status.error) {
      for (size_t done = 0; done <= i; ++done) {
        observe(done, done == i ? status.error : std::nullopt);
      }
      return deadLetter(*status.error);
    }
  }
  for (size_t i = 0; i < stages_.size(); ++i) {
    const auto started = std::chrono::steady_clock::now();
    try {
      stages_[i].stage->finish(content.value(), context, signals);
    } catch (const std::exception& e) {
      // The record's outputs are still published: the stages that ran did their part.
      const auto& source = record.source();
      spdlog::error("stage {} threw in finish() on {}/{}@{}: {}", stages_[i].name, source.topic,
                    source.partition.value, source.offset.value, e.what());
    }
    spent_[i] += std::chrono::steady_clock::now() - started;
    observe(i, std::nullopt);
  }
  return std::move(signals.outputs);
}

void RecordProcessor::observe(size_t stage, const std::optional<RecordError>& error) {
  if (stages_[stage].metrics) stages_[stage].metrics->observe(spent_[stage], error);
}

void RecordProcessor::lookAhead(const std::vector<const InputRecord*>& records) {
  const bool wanted = std::any_of(stages_.begin(), stages_.end(),
                                  [](const auto& named) { return named.stage->wantsLookAhead(); });
  if (!wanted) return;
  std::vector<Content> decoded;
  decoded.reserve(records.size());
  for (const InputRecord* record : records) {
    auto content = decoder_.decode(*record);
    if (content.ok()) decoded.push_back(std::move(content.value()));
  }
  std::vector<const Content*> upcoming;
  upcoming.reserve(decoded.size());
  for (const auto& content : decoded) upcoming.push_back(&content);
  for (auto& named : stages_) {
    if (named.stage->wantsLookAhead()) named.stage->lookAhead(upcoming);
  }
}

}  // namespace modstream
