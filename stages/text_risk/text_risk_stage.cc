#include "stages/text_risk/text_risk_stage.h"

#include <prometheus/counter.h>

#include <unordered_map>

#include "pipeline/core/file_reloader.h"

namespace modstream {
namespace {

// Posts flagged per category, for operators; categories come from the lexicons (low cardinality).
class FlaggedCounters {
 public:
  explicit FlaggedCounters(prometheus::Registry* registry) {
    if (!registry) return;
    family_ = &prometheus::BuildCounter()
                   .Name("modstream_text_risk_flagged_total")
                   .Help("Posts whose text crossed a category's threshold, by category")
                   .Register(*registry);
  }
  // prometheus-cpp's Add is thread-safe and returns the existing series for known labels.
  prometheus::Counter* counter(const std::string& category) const {
    return family_ ? &family_->Add({{"category", category}}) : nullptr;
  }

 private:
  prometheus::Family<prometheus::Counter>* family_ = nullptr;
};

class TextRiskStage final : public Stage {
 public:
  TextRiskStage(std::shared_ptr<const Reloadable<TextRiskRules>> rules,
                std::shared_ptr<LearnedTier> learned,
                std::shared_ptr<const FlaggedCounters> counters)
      : rules_(std::move(rules)), learned_(std::move(learned)), counters_(std::move(counters)) {}

  StageStatus process(const Content& content, const StageContext& /*context*/,
                      Signals& signals) override {
    const auto* post = std::get_if<Post>(&content);
    if (!post) return StageStatus::ok();
    rules_.refreshed();
    TextRiskContext text_context = textRiskContextOf(post->context);
    // A low-trust account's evidence counts for more (reputation runs first when configured).
    if (signals.reputation) text_context.account_trust = signals.reputation->trust;
    const auto ahead = ahead_.find(post->text);
    signals.text_risk =
        scoreText(analyzer_, rules_.shared(), learned_.get(), post->text, text_context,
                  LearnedTier::Mode::kCascade, ahead == ahead_.end() ? nullptr : &ahead->second);
    if (ahead != ahead_.end()) ahead_.erase(ahead);
    for (const auto& category : signals.text_risk->categories) {
      if (!category.flagged) continue;
      auto& counter = flagged_[category.category];
      if (!counter) counter = counters_->counter(category.category);
      if (counter) counter->Increment();
    }
    return StageStatus::ok();
  }

  bool wantsLookAhead() const override { return learned_ != nullptr; }

  // The transformer runs once for the upcoming posts the cascade picks, not once per post.
  void lookAhead(const std::vector<const Content*>& upcoming) override {
    ahead_.clear();  // what a previous run left unused (records of a revoked partition)
    std::vector<LearnedTier::AheadRequest> requests;
    for (const Content* content : upcoming) {
      const auto* post = std::get_if<Post>(content);
      if (!post || !ahead_.try_emplace(post->text).second) continue;
      requests.push_back({post->text, textRiskContextOf(post->context)});
    }
    auto ahead = learned_->embedAhead(requests);
    for (size_t i = 0; i < requests.size(); ++i) {
      ahead_[std::string(requests[i].text)] = std::move(ahead[i]);
    }
  }

 private:
  ReloadableView<TextRiskRules> rules_;
  std::shared_ptr<LearnedTier> learned_;  // null when the learned tier is off
  std::shared_ptr<const FlaggedCounters> counters_;
  std::map<std::string, prometheus::Counter*> flagged_;  // this worker's cache of series
  TextRiskAnalyzer analyzer_;
  // By post text: the learned tier's embeddings computed while looking ahead, used once.
  std::unordered_map<std::string, LearnedTier::Ahead> ahead_;
};

class TextRiskFactory final : public StageFactory {
 public:
  TextRiskFactory(std::shared_ptr<Reloadable<TextRiskRules>> rules,
                  std::shared_ptr<LearnedTier> learned,
                  std::shared_ptr<const FlaggedCounters> counters)
      : rules_(std::move(rules)), learned_(std::move(learned)), counters_(std::move(counters)) {}
  std::unique_ptr<Stage> create() const override {
    return std::make_unique<TextRiskStage>(rules_, learned_, counters_);
  }
  bool reload() override {
    const bool lexicons = rules_->reload();
    const bool heads = !learned_ || learned_->reloadHeads();
    return lexicons && heads;
  }

 private:
  std::shared_ptr<Reloadable<TextRiskRules>> rules_;
  std::shared_ptr<LearnedTier> learned_;
  std::shared_ptr<const FlaggedCounters> counters_;
};

}  // namespace

TextRiskSignal scoreText(TextRiskAnalyzer& analyzer,
                         const std::shared_ptr<const TextRiskRules>& rules, LearnedTier* learned,
                         std::string_view text, const TextRiskContext& context,
                         LearnedTier::Mode mode, LearnedTier::Ahead* ahead) {
  TextRiskSignal signal = analyzer.analyze(rules, text, context);
  if (!learned) return signal;
  const auto findings = learned->score(text, context, signal, *rules, mode, ahead);
  fuseModelFindings(findings, *rules, context, learned->config().weight, signal);
  return signal;
}

TextRiskContext textRiskContextOf(const PostContext& context) {
  TextRiskContext out;
  out.direct_message = context.kind == PostKind::kDirectMessage;
  out.reply = context.kind == PostKind::kReply;
  out.recipient_is_minor = context.recipient_is_minor;
  out.account_age_days = context.account_age_days;
  return out;
}

StageFactoryBuilder textRiskStageBuilder() {
  return [](const YAML::Node& node, const std::string& path, const StageEnvironment& env,
            ConfigErrors& errors) -> std::unique_ptr<StageFactory> {
    const size_t errors_before = errors.all().size();
    TextRiskConfig config = parseTextRiskConfig(node, path, errors);
    if (errors.all().size() != errors_before) return nullptr;
    auto initial = TextRiskRules::load(config, env.base_dir, path, errors);
    if (!initial) return nullptr;
    auto load = [config, base_dir = env.base_dir, path](ConfigErrors& load_errors) {
      return TextRiskRules::load(config, base_dir, path, load_errors);
    };
    auto rules = std::make_shared<Reloadable<TextRiskRules>>(
        "lexicons and URL lists", TextRiskRules::watchedFiles(config, env.base_dir),
        std::move(load), std::move(initial), config.reload_check_interval_ms);
    if (env.metrics) rules->attachMetrics(*env.metrics);
    std::shared_ptr<LearnedTier> learned;
    if (config.model.enabled) {
      learned = LearnedTier::create(config.model, env.base_dir, path,
                                    config.reload_check_interval_ms, env.metrics, errors);
      if (!learned) return nullptr;
    }
    return std::make_unique<TextRiskFactory>(std::move(rules), std::move(learned),
                                             std::make_shared<FlaggedCounters>(env.metrics));
  };
}

// Reads the account's trust (a low-trust account's evidence counts for more); adds text scores.
SignalFlow textRiskSignalFlow() {
  return {{SignalKind::kReputation}, {SignalKind::kTextRisk}};
}

}  // namespace modstream
