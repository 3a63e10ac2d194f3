#pragma once
// Test doubles for the stage interface and the clock.

#include <functional>

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
  explicit LambdaStage(Fn fn) : fn_(std::move(fn)) {}
  StageStatus process(const Content& content, const StageContext& context,
                      Signals& signals) override {
    return fn_(content, context, signals);
  }

 private:
  Fn fn_;
};

}  // namespace modstream::testing
