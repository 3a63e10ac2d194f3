#pragma once
// LearnedTier: the text_risk stage's language model and heads behind one call, shared by every
// worker of a process (one copy of the model). score() runs the cascade of LearnedTierConfig: the
// static tier on every post, the transformer when the static probabilities are uncertain or the
// context is high-risk and the per-second budget allows. A failure inside the model is counted and
// yields no findings: the post keeps its lexicon scores and is never dead-lettered for it.
//
// Metrics: modstream_text_model_messages_total{tier}, modstream_text_model_seconds{tier},
// modstream_text_model_budget_exhausted_total, modstream_text_model_failures_total.

#include <prometheus/registry.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/core/file_reloader.h"
#include "stages/text_risk/category_heads.h"
#include "stages/text_risk/language_model.h"
#include "stages/text_risk/text_risk_engine.h"

namespace modstream {

class LearnedTier {
 public:
  enum class Mode { kCascade, kStaticOnly, kFullOnly };

  // Loads the heads and the model they name; problems go to `errors` under `path` (the stage's
  // config path). Returns nullptr when anything is missing or wrong.
  static std::shared_ptr<LearnedTier> create(const LearnedTierConfig& config,
                                             const std::filesystem::path& base_dir,
                                             const std::string& path, prometheus::Registry* metrics,
                                             ConfigErrors& errors);

  // The model's findings for `text`. `lexicons` is the post's lexicon-only signal (a hit below its
  // threshold sends the post to the transformer).
  std::vector<ModelFinding> score(std::string_view text, const TextRiskContext& context,
                                  const TextRiskSignal& lexicons, Mode mode = Mode::kCascade);

  bool reloadHeads() { return heads_->reload(); }
  const LearnedTierConfig& config() const { return config_; }

  struct Metrics;
  LearnedTier(const LearnedTierConfig& config, std::shared_ptr<const LanguageModel> model,
              std::shared_ptr<Reloadable<CategoryHeads>> heads, prometheus::Registry* metrics);
  ~LearnedTier();

 private:
  bool highRisk(const TextRiskContext& context, const TextRiskSignal& lexicons) const;
  bool uncertain(const std::vector<ModelFinding>& findings) const;
  bool takeBudget();

  LearnedTierConfig config_;
  std::shared_ptr<const LanguageModel> model_;
  std::shared_ptr<Reloadable<CategoryHeads>> heads_;
  std::unique_ptr<Metrics> metrics_;
  std::mutex budget_mutex_;  // the budget is per process: every worker draws on it
  double budget_tokens_;
  std::chrono::steady_clock::time_point budget_refilled_;
};

}  // namespace modstream
