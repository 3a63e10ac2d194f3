#pragma once
// LearnedTier: the text_risk stage's language model and heads behind one call, shared by every
// worker of a process (one copy of the model). score() runs the cascade of LearnedTierConfig: the
// static tier on every post, the transformer when the static probabilities are uncertain or the
// context is high-risk and the per-second budget allows. A failure inside the model is counted and
// yields no findings: the post keeps its lexicon scores and is never dead-lettered for it.
//
// Batching: a worker that takes several posts at once passes them to embedAhead(), which runs the
// transformer once for all the cascade picks among them; score() then reuses those embeddings.
//
// Metrics: modstream_text_model_messages_total{tier}, modstream_text_model_seconds{tier} (per
// post; a batch's time is shared out), modstream_text_model_batch_size,
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
#include "stages/text_risk/text_risk_analyzer.h"

namespace modstream {

class LearnedTier {
 public:
  LearnedTier(const LearnedTier&) = delete;
  LearnedTier& operator=(const LearnedTier&) = delete;
  enum class Mode { kCascade, kStaticOnly, kFullOnly };

  // Loads the heads and the model they name; problems go to `errors` under `path` (the stage's
  // config path). The heads file is checked for changes every `reload_check_interval_ms` (0: only
  // on reload()). Returns nullptr when anything is missing or wrong.
  static std::shared_ptr<LearnedTier> create(const LearnedTierConfig& config,
                                             const std::filesystem::path& base_dir,
                                             const std::string& path, int reload_check_interval_ms,
                                             prometheus::Registry* metrics, ConfigErrors& errors);

  // What embedAhead() computed for one upcoming post.
  struct Ahead {
    std::vector<float> static_embedding;
    std::vector<ModelFinding> static_findings;
    std::vector<float> full_embedding;  // empty: the cascade did not pick it, or no budget
  };
  struct AheadRequest {
    std::string_view text;
    TextRiskContext context;
  };

  // The model's findings for `text`. `lexicons` is the post's lexicon-only signal (a hit below its
  // threshold sends the post to the transformer); `rules` gives the thresholds: a finding
  // that will be a reason when fused (modelEvidence) is given its nearest labelled example.
  // `ahead`: the embeddings embedAhead() computed for this text, used (moved from) instead of
  // computing them again.
  std::vector<ModelFinding> score(std::string_view text, const TextRiskContext& context,
                                  const TextRiskSignal& lexicons, const TextRiskRules& rules,
                                  Mode mode = Mode::kCascade, Ahead* ahead = nullptr);
  // For a worker's upcoming posts: the static tier for each, then one transformer call per
  // batch_size posts for those the cascade picks on the static tier and the context (drawing on
  // the budget; weak lexicon hits and the sender's trust are left to score()). One Ahead per
  // request.
  std::vector<Ahead> embedAhead(const std::vector<AheadRequest>& requests);

  bool reloadHeads() { return heads_->reload(); }
  const LearnedTierConfig& config() const { return config_; }

  // A sender below this reputation trust is a high-risk context (as text_risk's default
  // context.low_trust_below).
  static constexpr double kLowTrust = 0.3;

  struct Metrics;
  LearnedTier(const LearnedTierConfig& config, std::shared_ptr<const TextEmbedder> model,
              std::shared_ptr<Reloadable<CategoryHeads>> heads, prometheus::Registry* metrics);
  ~LearnedTier();

 private:
  // `lexicons` may be null (looking ahead, before the lexicon scan).
  bool highRisk(const TextRiskContext& context, const TextRiskSignal* lexicons) const;
  bool uncertain(const std::vector<ModelFinding>& findings) const;
  bool picksFull(const std::vector<ModelFinding>& static_findings, const TextRiskContext& context,
                 const TextRiskSignal* lexicons);
  bool budgetAllows();  // takes one transformer run from the budget, or counts its exhaustion
  bool takeBudget();

  LearnedTierConfig config_;
  std::shared_ptr<const TextEmbedder> model_;
  std::shared_ptr<Reloadable<CategoryHeads>> heads_;
  std::unique_ptr<Metrics> metrics_;
  std::mutex budget_mutex_;  // the budget is per process: every worker draws on it
  double budget_tokens_;
  std::chrono::steady_clock::time_point budget_refilled_;
};

}  // namespace modstream
