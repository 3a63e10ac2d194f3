#include "stages/text_risk/learned_tier.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace modstream {

struct LearnedTier::Metrics {
  prometheus::Counter* messages[2] = {nullptr, nullptr};
  prometheus::Histogram* seconds[2] = {nullptr, nullptr};
  prometheus::Counter* budget_exhausted = nullptr;
  prometheus::Counter* failures = nullptr;
  prometheus::Histogram* batch_size = nullptr;

  explicit Metrics(prometheus::Registry* registry) {
    if (!registry) return;
    auto& messages_family = prometheus::BuildCounter()
                                .Name("modstream_text_model_messages_total")
                                .Help("Posts scored by the learned tier, by tier (static, full)")
                                .Register(*registry);
    auto& seconds_family = prometheus::BuildHistogram()
                               .Name("modstream_text_model_seconds")
                               .Help("Time to embed and score one post, by tier")
                               .Register(*registry);
    const prometheus::Histogram::BucketBoundaries buckets = {
        0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1};
    for (ModelTier tier : {ModelTier::kStatic, ModelTier::kFull}) {
      const std::string name(modelTierName(tier));
      messages[static_cast<size_t>(tier)] = &messages_family.Add({{"tier", name}});
      seconds[static_cast<size_t>(tier)] = &seconds_family.Add({{"tier", name}}, buckets);
    }
    budget_exhausted = &prometheus::BuildCounter()
                            .Name("modstream_text_model_budget_exhausted_total")
                            .Help(
                                "Posts the cascade would have sent to the transformer but the "
                                "per-second budget was spent (scored by the static tier)")
                            .Register(*registry)
                            .Add({});
    batch_size = &prometheus::BuildHistogram()
                      .Name("modstream_text_model_batch_size")
                      .Help("Posts per transformer call")
                      .Register(*registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64});
    failures = &prometheus::BuildCounter()
                    .Name("modstream_text_model_failures_total")
                    .Help("Posts the learned tier failed on (they keep their lexicon scores)")
                    .Register(*registry)
                    .Add({});
  }
  // `posts` scored in `took` (one transformer call may score several).
  void scored(ModelTier tier, std::chrono::steady_clock::duration took, size_t posts = 1) const {
    const auto i = static_cast<size_t>(tier);
    const double each = std::chrono::duration<double>(took).count() / static_cast<double>(posts);
    for (size_t p = 0; p < posts; ++p) {
      if (messages[i]) messages[i]->Increment();
      if (seconds[i]) seconds[i]->Observe(each);
    }
    if (tier == ModelTier::kFull && batch_size) batch_size->Observe(static_cast<double>(posts));
  }
};

std::shared_ptr<LearnedTier> LearnedTier::create(
    const LearnedTierConfig& config, const std::filesystem::path& base_dir, const std::string& path,
    int reload_check_interval_ms, prometheus::Registry* metrics, ConfigErrors& errors) {
  const auto heads_file = base_dir / config.heads;
  const std::string heads_path = path + ".model.heads";
  auto initial = CategoryHeads::load(heads_file, heads_path, errors);
  if (!initial) return nullptr;
  const std::filesystem::path directory = config.directory.empty()
                                              ? defaultModelDirectory(initial->modelName())
                                              : base_dir / config.directory;
  std::shared_ptr<const LanguageModel> model;
  try {
    model = std::make_shared<const LanguageModel>(directory, initial->modelFiles());
  } catch (const std::exception& e) {
    errors.add(path + ".model.directory", e.what());
    return nullptr;
  }
  auto load = [heads_file, heads_path](ConfigErrors& load_errors) {
    return CategoryHeads::load(heads_file, heads_path, load_errors);
  };
  std::vector<std::filesystem::path> watched = {heads_file};
  auto heads = std::make_shared<Reloadable<CategoryHeads>>(
      "text model heads", watched, std::move(load), std::move(initial), reload_check_interval_ms);
  if (metrics) heads->attachMetrics(*metrics);
  return std::make_shared<LearnedTier>(config, std::move(model), std::move(heads), metrics);
}

LearnedTier::LearnedTier(const LearnedTierConfig& config, std::shared_ptr<const TextEmbedder> model,
                         std::shared_ptr<Reloadable<CategoryHeads>> heads,
                         prometheus::Registry* metrics)
    : config_(config),
      model_(std::move(model)),
      heads_(std::move(heads)),
      metrics_(std::make_unique<Metrics>(metrics)),
      budget_tokens_(std::max(1.0, config.full_per_second)),
      budget_refilled_(std::chrono::steady_clock::now()) {}

LearnedTier::~LearnedTier() = default;

namespace {

bool weakLexiconHit(const TextRiskSignal& lexicons) {
  for (const auto& category : lexicons.categories) {
    if (category.score > 0 && !category.flagged) return true;
  }
  return false;
}

}  // namespace

bool LearnedTier::highRisk(const TextRiskContext& context, const TextRiskSignal* lexicons) const {
  if (context.direct_message && context.recipient_is_minor) return true;
  if (context.account_trust && *context.account_trust < kLowTrust) return true;
  return lexicons && weakLexiconHit(*lexicons);
}

bool LearnedTier::uncertain(const std::vector<ModelFinding>& findings) const {
  for (const auto& finding : findings) {
    if (finding.probability >= config_.uncertain_low &&
        finding.probability <= config_.uncertain_high) {
      return true;
    }
  }
  return false;
}

bool LearnedTier::takeBudget() {
  if (config_.full_per_second <= 0) return false;
  const std::lock_guard lock(budget_mutex_);
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - budget_refilled_).count();
  budget_refilled_ = now;
  budget_tokens_ = std::min(std::max(1.0, config_.full_per_second),
                            budget_tokens_ + elapsed * config_.full_per_second);
  if (budget_tokens_ < 1) return false;
  budget_tokens_ -= 1;
  return true;
}

bool LearnedTier::picksFull(const std::vector<ModelFinding>& static_findings,
                            const TextRiskContext& context, const TextRiskSignal* lexicons) {
  if (!uncertain(static_findings) && !highRisk(context, lexicons)) return false;
  return budgetAllows();
}

bool LearnedTier::budgetAllows() {
  if (takeBudget()) return true;
  if (metrics_->budget_exhausted) metrics_->budget_exhausted->Increment();
  return false;
}

std::vector<LearnedTier::Ahead> LearnedTier::embedAhead(const std::vector<AheadRequest>& requests) {
  std::vector<Ahead> ahead(requests.size());
  try {
    const auto heads = heads_->current();
    std::vector<size_t> picked;
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      ahead[i].static_embedding = model_->staticEmbedding(requests[i].text);
      ahead[i].static_findings =
          heads->score(ModelTier::kStatic, {ahead[i].static_embedding, {}}, requests[i].context);
      metrics_->scored(ModelTier::kStatic, std::chrono::steady_clock::now() - start);
      if (picksFull(ahead[i].static_findings, requests[i].context, nullptr)) {
        picked.push_back(i);
      }
    }
    const auto batch = static_cast<size_t>(config_.batch_size);
    for (size_t first = 0; first < picked.size(); first += batch) {
      const size_t last = std::min(picked.size(), first + batch);
      std::vector<std::string> texts;
      for (size_t k = first; k < last; ++k) texts.emplace_back(requests[picked[k]].text);
      const auto start = std::chrono::steady_clock::now();
      auto embeddings = model_->fullEmbeddings(texts);
      metrics_->scored(ModelTier::kFull, std::chrono::steady_clock::now() - start, texts.size());
      for (size_t k = first; k < last; ++k) {
        ahead[picked[k]].full_embedding = std::move(embeddings[k - first]);
      }
    }
  } catch (const std::exception&) {
    // score() computes what is missing, post by post, and counts its own failures.
    return std::vector<Ahead>(requests.size());
  }
  return ahead;
}

std::vector<ModelFinding> LearnedTier::score(std::string_view text, const TextRiskContext& context,
                                             const TextRiskSignal& lexicons,
                                             const TextRiskRules& rules, Mode mode, Ahead* ahead) {
  const auto heads = heads_->current();
  try {
    std::vector<ModelFinding> findings;
    const bool have_static = ahead && !ahead->static_embedding.empty();
    const bool have_full = ahead && !ahead->full_embedding.empty();
    // Both tiers read the static embedding (the full tier beside the transformer's).
    const auto start = std::chrono::steady_clock::now();
    const std::vector<float> static_embedding =
        have_static ? std::move(ahead->static_embedding) : model_->staticEmbedding(text);
    std::vector<float> full_embedding;
    if (have_static) {
      findings = std::move(ahead->static_findings);
    } else if (mode != Mode::kFullOnly) {
      findings = heads->score(ModelTier::kStatic, {static_embedding, {}}, context);
      if (!have_static) {
        metrics_->scored(ModelTier::kStatic, std::chrono::steady_clock::now() - start);
      }
    }
    // Looked ahead, the cascade already chose on the static tier and the context (and drew
    // budget); a post it did not pick is reconsidered here only for what it did not know: the
    // sender's trust (from reputation) and weak lexicon hits (not scanned ahead: a second scan of
    // every post cost more than the rare transformer run it finds).
    const bool late_risk =
        (context.account_trust && *context.account_trust < kLowTrust) || weakLexiconHit(lexicons);
    const bool full =
        mode == Mode::kFullOnly || have_full ||
        (mode == Mode::kCascade &&
         (have_static ? late_risk && budgetAllows() : picksFull(findings, context, &lexicons)));
    if (full) {
      if (have_full) {
        full_embedding = std::move(ahead->full_embedding);
      } else {
        const auto full_start = std::chrono::steady_clock::now();
        full_embedding = std::move(model_->fullEmbeddings({std::string(text)}).front());
        metrics_->scored(ModelTier::kFull, std::chrono::steady_clock::now() - full_start);
      }
      findings = heads->score(ModelTier::kFull, {static_embedding, full_embedding}, context);
    }
    for (auto& finding : findings) {
      if (modelEvidence(finding, rules, context, config_.weight) >=
          rules.threshold(finding.category)) {
        heads->explain({static_embedding, full_embedding}, finding);
      }
    }
    return findings;
  } catch (const std::exception&) {
    if (metrics_->failures) metrics_->failures->Increment();
    return {};
  }
}

}  // namespace modstream
