#include "stages/decide/decide_stage.h"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/core/content_hash.h"

namespace modstream {
namespace {

// What every worker's decide stage shares: the policy, the guardrail, the metrics.
struct DecideShared {
  DecideConfig config;
  std::shared_ptr<Reloadable<Policy>> policy;
  std::unique_ptr<TakedownGuard> guard;
  std::shared_ptr<CaseStore> cases;
  prometheus::Family<prometheus::Counter>* rule_hits = nullptr;
  prometheus::Family<prometheus::Counter>* actions = nullptr;
  prometheus::Counter* deduplicated = nullptr;

  void countRule(const PolicyRule& rule) const {
    if (rule_hits)
      rule_hits->Add({{"rule", rule.name}, {"mode", rule.shadow ? "shadow" : "live"}}).Increment();
  }
  void countAction(const std::string& action, const std::string& priority) const {
    if (actions) actions->Add({{"action", action}, {"priority", priority}}).Increment();
  }
};

BankMatch urlEvidence(const TextReason& reason, const Post& post) {
  return BankMatch{reason.list,          reason.entry_id,    std::nullopt,          0,
                   reason.list_category, post.post_id.str(), MatchSource::kPostText};
}

std::string contentIdOf(const Content& content) {
  if (const auto* post = std::get_if<Post>(&content)) return post->post_id.str();
  if (const auto* media = std::get_if<MediaRecord>(&content)) return media->media_id.str();
  return accountOf(content).str();
}

class DecideStage final : public Stage {
 public:
  explicit DecideStage(std::shared_ptr<const DecideShared> shared)
      : shared_(std::move(shared)),
        config_(shared_->config),
        policy_(shared_->policy),
        recent_(config_.guardrails.dedup_ttl_seconds * 1000,
                static_cast<size_t>(config_.guardrails.dedup_max_entries)),
        preview_decoder_(ImageLimits{}) {}

  StageStatus process(const Content& content, const StageContext& context,
                      Signals& signals) override {
    const Policy& policy = policy_.refreshed();
    const PolicyOutcome outcome =
        evaluatePolicy(policy, PolicyInputs{content, signals, config_.escalation.low_trust_below,
                                            config_.escalation.low_trust_threshold_factor});
    if (outcome.allowed_by) shared_->countRule(*outcome.allowed_by);
    Outcome live{content, signals, context, /*live=*/true, {}, {}, {}};
    live.taken_down_categories = urlCategoriesTakenDown(outcome.live);
    for (const auto& hit : outcome.live) {
      shared_->countRule(*hit.rule);
      act(hit, live);
    }
    publish(live, signals.outputs);
    for (const auto& hit : outcome.shadow) {
      shared_->countRule(*hit.rule);
      Outcome shadow{content, signals, context, /*live=*/false, {}, {}, {}};
      shadow.taken_down_categories = urlCategoriesTakenDown({hit});
      act(hit, shadow);
      std::vector<OutputRecord> would_publish;
      publish(shadow, would_publish);
      for (const auto& record : would_publish) {
        signals.outputs.push_back(shadowRecord(*hit.rule, policy.version, record));
      }
    }
    return StageStatus::ok();
  }

 private:
  // What the policy made of one record (live, or as shadow rules), before it becomes output
  // records.
  struct Outcome {
    const Content& content;
    const Signals& signals;
    const StageContext& context;
    bool live;
    std::vector<OutputRecord> actions;  // takedowns and labels
    // Text categories a listed URL takes down: not escalated as well.
    std::set<std::string> taken_down_categories;
    std::optional<EscalationRequest> escalation;
    EscalationRequest& escalate() {
      if (!escalation) escalation.emplace();
      return *escalation;
    }
  };

  static std::set<std::string> urlCategoriesTakenDown(const std::vector<RuleHit>& hits) {
    std::set<std::string> categories;
    for (const auto& hit : hits) {
      if (hit.rule->action != PolicyAction::kTakedown) continue;
      for (const auto* url : hit.urls) categories.insert(url->category);
    }
    return categories;
  }

  void act(const RuleHit& hit, Outcome& d) {
    const PolicyRule& rule = *hit.rule;
    switch (rule.action) {
      case PolicyAction::kTakedown: {
        for (const auto* match : hit.matches) takedown(*match, rule, d);
        if (const auto* post = std::get_if<Post>(&d.content)) {
          for (const auto* url : hit.urls) takedown(urlEvidence(*url, *post), rule, d);
        }
        break;
      }
      case PolicyAction::kEscalate: {
        EscalationRequest& request = d.escalate();
        request.rules.push_back(rule.name);
        for (const auto* category : hit.categories) {
          if (d.taken_down_categories.count(category->category)) continue;
          const int p =
              rule.priority.value_or(categoryPriority(*category, d.content, config_.escalation));
          request.add(p, category->category, category->score);
          request.categories.push_back(category);
        }
        if (!rule.text) {
          request.add(rule.priority.value_or(config_.escalation.default_priority), rule.category,
                      1.0);
        }
        request.matches.insert(request.matches.end(), hit.matches.begin(), hit.matches.end());
        break;
      }
      case PolicyAction::kLabel:
        label(rule, d);
        break;
      case PolicyAction::kAllow:
        break;
    }
  }

  void takedown(const BankMatch& match, const PolicyRule& rule, Outcome& d) {
    const int64_t now = d.context.now_ms;
    if (d.live) {
      const std::string key = "takedown\n" + match.content_id + "\n" + match.bank + "\n" +
                              match.entry_id + "\n" + std::string(matchTypeName(match)) + "\n" +
                              rule.takedown_action;
      if (recent_.seenBefore(key, now)) {
        if (shared_->deduplicated) shared_->deduplicated->Increment();
        return;
      }
      const TakedownVerdict verdict = shared_->guard->request(now);
      if (verdict != TakedownVerdict::kAllowed) {
        // Not dropped: a moderator gets it, without the image.
        EscalationRequest& request = d.escalate();
        request.add(config_.guardrails.diverted_priority, match.category, 1.0);
        request.guardrail = takedownVerdictName(verdict);
        request.rules.push_back(rule.name);
        diverted_.push_back(match);
        request.matches.push_back(&diverted_.back());
        return;
      }
    }
    d.actions.push_back(
        OutputRecord{OutputTopic::kTakedowns,
                     match.content_id,
                     takedownEventJson(TakedownInputs{match, d.content, d.context.record.source(),
                                                      now, rule.takedown_action, rule.name,
                                                      config_.preserve_evidence}),
                     {{"modstream.event_type", "takedown"}}});
  }

  void label(const PolicyRule& rule, Outcome& d) {
    const std::string content_id = contentIdOf(d.content);
    if (d.live &&
        recent_.seenBefore("label\n" + content_id + "\n" + rule.label, d.context.now_ms)) {
      if (shared_->deduplicated) shared_->deduplicated->Increment();
      return;
    }
    const auto& source = d.context.record.source();
    const nlohmann::json event = {{"schema_version", 1},
                                  {"event_id", labelEventId(source, rule.label)},
                                  {"event_type", "label"},
                                  {"content_id", content_id},
                                  {"account_id", accountOf(d.content).str()},
                                  {"label", rule.label},
                                  {"rule", rule.name},
                                  {"detected_at_ms", d.context.now_ms},
                                  {"source",
                                   {{"topic", source.topic},
                                    {"partition", source.partition.value},
                                    {"offset", source.offset.value}}}};
    d.actions.push_back(OutputRecord{
        OutputTopic::kTakedowns, content_id, event.dump(), {{"modstream.event_type", "label"}}});
  }

  // Moves the outcome's actions and its escalation, if any, to `out`.
  void publish(Outcome& d, std::vector<OutputRecord>& out) {
    for (auto& record : d.actions) {
      if (d.live) shared_->countAction(record.headers[0].value, "none");
      out.push_back(std::move(record));
    }
    if (d.escalation && !d.escalation->category.empty()) escalate(*d.escalation, d, out);
    diverted_.clear();
  }

  // The escalation, and the change to its case for the case changelog.
  void escalate(EscalationRequest& request, Outcome& d, std::vector<OutputRecord>& out) {
    request.priority = adjustedPriority(request.priority, d.signals.reputation, config_.escalation);
    const int64_t now = d.context.now_ms;
    const int64_t deadline = now + config_.escalation.sla_minutes[request.priority] * 60 * 1000;
    const auto* post = std::get_if<Post>(&d.content);
    const int64_t event_ms = post && post->created_at_ms > 0      ? post->created_at_ms
                             : d.context.record.timestampMs() > 0 ? d.context.record.timestampMs()
                                                                  : now;
    const int32_t partition = d.context.record.source().partition.value;
    const CaseView view =
        shared_->cases->book(partition)->add(accountOf(d.content).str(), contentIdOf(d.content),
                                             event_ms, now, request.priority, deadline, d.live);
    std::optional<nlohmann::json> preview;
    if (const auto* media = std::get_if<MediaRecord>(&d.content);
        media && request.guardrail.empty() &&
        previewAllowed(config_.previews, d.signals.bank_matches)) {
      preview = makePreview(media->bytes, config_.previews, preview_decoder_);
    }
    if (d.live) shared_->countAction("escalation", priorityName(request.priority));
    out.push_back(
        escalationRecord(EscalationInputs{request, d.content, d.signals, d.context.record.source(),
                                          now, deadline, view, preview ? &*preview : nullptr}));
    if (!d.live) return;  // shadow outcomes leave cases alone
    if (auto changed = shared_->cases->changelogRecord(view, partition)) {
      out.push_back(std::move(*changed));
    }
  }

  static OutputRecord shadowRecord(const PolicyRule& rule, const std::string& version,
                                   const OutputRecord& would_publish) {
    const nlohmann::json event = {{"schema_version", 1},
                                  {"event_type", "shadow"},
                                  {"rule", rule.name},
                                  {"policy_version", version},
                                  {"action", policyActionName(rule.action)},
                                  {"would_publish", nlohmann::json::parse(would_publish.value)}};
    return OutputRecord{OutputTopic::kShadow,
                        would_publish.key,
                        event.dump(),
                        {{"modstream.event_type", "shadow"}, {"modstream.rule", rule.name}}};
  }

  std::shared_ptr<const DecideShared> shared_;
  const DecideConfig& config_;
  ReloadableView<Policy> policy_;
  RecentActions recent_;
  ImageDecoder preview_decoder_;
  std::deque<BankMatch> diverted_;  // evidence of diverted URL takedowns, for this record only
};

class DecideFactory final : public StageFactory {
 public:
  explicit DecideFactory(std::shared_ptr<const DecideShared> shared) : shared_(std::move(shared)) {}
  std::unique_ptr<Stage> create() const override { return std::make_unique<DecideStage>(shared_); }
  bool reload() override { return shared_->policy->reload(); }
  PartitionObserver* partitionObserver() override {
    return shared_->cases->persistent() ? shared_->cases.get() : nullptr;
  }

 private:
  std::shared_ptr<const DecideShared> shared_;
};

}  // namespace

DecideConfig parseDecideConfig(const YAML::Node& node, const std::string& path,
                               const std::filesystem::path& base_dir, ConfigErrors& errors) {
  DecideConfig config;
  ConfigMap map(node, path, errors);
  map.field("policy_file", config.policy_file);
  if (const YAML::Node inline_policy = map.raw("policy");
      inline_policy && !inline_policy.IsNull()) {
    config.inline_policy = parsePolicy(inline_policy, map.pathOf("policy"), errors);
    if (!config.policy_file.empty()) {
      errors.add(map.pathOf("policy"), "give either policy or policy_file, not both");
    }
  }
  if (!config.policy_file.empty()) {
    config.policy_file = (base_dir / config.policy_file).lexically_normal().string();
  }
  map.field("reload_check_interval_ms", config.reload_check_interval_ms, {0, 3600000});
  map.field("preserve_evidence", config.preserve_evidence);
  config.escalation = parseEscalationConfig(map.child("escalation"));
  config.cases = parseCaseConfig(map.child("cases"));
  config.guardrails = parseGuardrailConfig(map.child("guardrails"));
  config.previews = parsePreviewConfig(map.child("previews"));
  map.finish();
  return config;
}

std::string takedownEventId(const BankMatch& match, const SourceCoordinates& source,
                            const std::string& rule, const std::string& action) {
  const std::string identity =
      "takedown\n" + source.topic + "\n" + std::to_string(source.partition.value) + "\n" +
      std::to_string(source.offset.value) + "\n" + match.content_id + "\n" + match.bank + "\n" +
      match.entry_id + "\n" + std::string(matchTypeName(match)) + "\n" + rule + "\n" + action;
  return "td-" + hexDigest(HashType::kSha256, identity).substr(0, 32);
}

std::string labelEventId(const SourceCoordinates& source, const std::string& label) {
  return "lb-" +
         hexDigest(HashType::kSha256, "label\n" + source.topic + "\n" +
                                          std::to_string(source.partition.value) + "\n" +
                                          std::to_string(source.offset.value) + "\n" + label)
             .substr(0, 32);
}

std::string takedownEventJson(const TakedownInputs& in) {
  const BankMatch& match = in.match;
  nlohmann::json content_ids = {{"account_id", accountOf(in.content).str()}};
  if (const auto* post = std::get_if<Post>(&in.content)) {
    content_ids["post_id"] = post->post_id.str();
    if (match.match_source != MatchSource::kPostText) content_ids["media_id"] = match.content_id;
  } else if (const auto* media = std::get_if<MediaRecord>(&in.content)) {
    content_ids["media_id"] = media->media_id.str();
    if (media->post_id) content_ids["post_id"] = media->post_id->str();
  }
  const nlohmann::json event = {
      {"schema_version", 1},
      {"event_id", takedownEventId(match, in.source, in.rule, in.action)},
      {"event_type", "takedown"},
      {"content_ids", content_ids},
      {"match",
       {{"bank", match.bank},
        {"entry_id", match.entry_id},
        {"hash_type", matchTypeName(match)},
        {"distance", match.distance},
        {"category", match.category},
        {"match_source", matchSourceName(match.match_source)},
        {"transform", match.transform}}},
      {"action", in.action},
      {"rule", in.rule},
      {"preserve_evidence", in.preserve_evidence},
      {"detected_at_ms", in.detected_at_ms},
      {"source",
       {{"topic", in.source.topic},
        {"partition", in.source.partition.value},
        {"offset", in.source.offset.value}}},
  };
  return event.dump();
}

StageFactoryBuilder decideStageBuilder() {
  return [](const YAML::Node& node, const std::string& path, const StageEnvironment& env,
            ConfigErrors& errors) -> std::unique_ptr<StageFactory> {
    const size_t errors_before = errors.all().size();
    auto shared = std::make_shared<DecideShared>();
    shared->config = parseDecideConfig(node, path, env.base_dir, errors);
    const DecideConfig& config = shared->config;
    std::shared_ptr<const Policy> initial;
    std::vector<std::filesystem::path> watched;
    Reloadable<Policy>::Loader load;
    if (!config.policy_file.empty()) {
      const std::string file = config.policy_file;
      load = [file](ConfigErrors& e) -> std::shared_ptr<const Policy> {
        auto policy = loadPolicyFile(file, e);
        if (!policy) return nullptr;
        spdlog::info("policy {} loaded from {}: {} rules", policy->version, file,
                     policy->rules.size());
        return std::make_shared<const Policy>(std::move(*policy));
      };
      initial = load(errors);
      watched.emplace_back(file);
    } else {
      initial = std::make_shared<const Policy>(config.inline_policy.value_or(defaultPolicy()));
      load = [initial](ConfigErrors&) { return initial; };
    }
    if (errors.all().size() != errors_before || !initial) return nullptr;
    shared->policy = std::make_shared<Reloadable<Policy>>(
        "policy", std::move(watched), std::move(load), initial,
        config.policy_file.empty() ? 0 : config.reload_check_interval_ms);
    if (env.metrics && !config.policy_file.empty()) shared->policy->attachMetrics(*env.metrics);
    shared->guard = std::make_unique<TakedownGuard>(config.guardrails, env.metrics);
    std::optional<CaseChangelog> changelog;
    if (env.kafka && env.topics) {
      changelog = CaseChangelog{*env.kafka, env.topics->cases_changelog, env.topics->posts};
    }
    shared->cases = std::make_shared<CaseStore>(config.cases, std::move(changelog));
    if (env.metrics) {
      shared->rule_hits = &prometheus::BuildCounter()
                               .Name("modstream_policy_rule_hits_total")
                               .Help("Records a policy rule matched, by rule and mode")
                               .Register(*env.metrics);
      shared->actions = &prometheus::BuildCounter()
                             .Name("modstream_actions_total")
                             .Help("Live actions published, by action and priority")
                             .Register(*env.metrics);
      shared->deduplicated = &prometheus::BuildCounter()
                                  .Name("modstream_actions_deduplicated_total")
                                  .Help("Repeat actions on the same content not published again")
                                  .Register(*env.metrics)
                                  .Add({});
    }
    return std::make_unique<DecideFactory>(std::move(shared));
  };
}

// Reads every signal; adds only output records.
SignalFlow decideSignalFlow() {
  return {{SignalKind::kBankMatches, SignalKind::kTextRisk, SignalKind::kReputation}, {}};
}

}  // namespace modstream
