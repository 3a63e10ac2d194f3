#pragma once
// Test doubles for the stage interface and the clock, and helpers for driving a stage and
// reading its metrics.

#include <prometheus/registry.h>

#include <functional>
#include <string>

#include "pipeline/core/clock.h"
#include "pipeline/core/stage.h"

namespace modstream::testing {

class FixedClock final : public Clock {
 public:
  explicit FixedClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t nowMs() const override { return now_ms_; }
  void set(int64_t now_ms) { now_ms_ = now_ms; }

 private:
  int64_t now_ms_;
};

// A stage whose behaviour is a lambda.
class LambdaStage final : public Stage {
 public:
  using Fn = std::function<StageStatus(const Content&, const StageContext&, Signals&)>;
  using FinishFn = std::function<void(Signals&)>;
  explicit LambdaStage(Fn fn, FinishFn finish = {})
      : fn_(std::move(fn)), finish_(std::move(finish)) {}
  StageStatus process(const Content& content, const StageContext& context,
                      Signals& signals) override {
    return fn_(content, context, signals);
  }
  void finish(const Content& /*content*/, const StageContext& /*context*/,
              Signals& signals) override {
    if (finish_) finish_(signals);
  }

 private:
  Fn fn_;
  FinishFn finish_;
};

// Runs `content` through `stage` as the record at offset 0 of partition 0 of `topic`.
inline StageStatus processOne(Stage& stage, const Content& content, Signals& signals,
                              const std::string& topic = "posts") {
  auto record = InputRecord::owning({topic, Partition{0}, Offset{0}}, std::nullopt, "");
  return stage.process(content, StageContext{record, 0}, signals);
}

// The sum of a counter family's values, or a histogram family's sample counts, over the series
// whose `label` is `value` (every series when `label` is empty).
inline double metricTotal(prometheus::Registry& registry, const std::string& name,
                          const std::string& label = "", const std::string& value = "") {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      bool matches = label.empty();
      for (const auto& pair : metric.label) matches |= pair.name == label && pair.value == value;
      if (!matches) continue;
      total += family.type == prometheus::MetricType::Histogram
                   ? static_cast<double>(metric.histogram.sample_count)
                   : metric.counter.value;
    }
  }
  return total;
}

}  // namespace modstream::testing
