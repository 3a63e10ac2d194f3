#include "stages/decide/escalation.h"

#include <nlohmann/json.hpp>

#include "pipeline/core/digest.h"

namespace modstream {
namespace {

std::optional<int> parsePriority(const std::string& text) {
  if (text.size() == 2 && text[0] == 'P' && text[1] >= '0' && text[1] <= '3') return text[1] - '0';
  return std::nullopt;
}

std::string priorityName(int priority) {
  return "P" + std::to_string(priority);
}

int priorityOf(const CategoryScore& category, const Post& post, const EscalationConfig& config) {
  auto it = config.priorities.find(category.category);
  int priority = it == config.priorities.end() ? config.default_priority : it->second;
  if (harmsMinors(category.category) && post.context.kind == PostKind::kDirectMessage &&
      post.context.recipient_is_minor) {
    priority = std::min(priority, config.minor_recipient_priority);
  }
  if (category.category == "threat_of_violence" && category.score >= config.imminent_threat_score) {
    priority = 0;
  }
  return priority;
}

}  // namespace

EscalationConfig parseEscalationConfig(ConfigMap map) {
  EscalationConfig config;
  auto priorityField = [&](const std::string& key, int& out) {
    std::string text = priorityName(out);
    map.field(key, text);
    if (auto p = parsePriority(text)) {
      out = *p;
    } else {
      map.errors().add(map.pathOf(key), "must be one of P0, P1, P2, P3, got '" + text + "'");
    }
  };
  std::map<std::string, std::string> priorities;
  map.field("priorities", priorities);
  for (const auto& [category, text] : priorities) {
    if (auto p = parsePriority(text)) {
      config.priorities[category] = *p;
    } else {
      map.errors().add(map.pathOf("priorities") + "." + category,
                       "must be one of P0, P1, P2, P3, got '" + text + "'");
    }
  }
  priorityField("default_priority", config.default_priority);
  priorityField("minor_recipient_priority", config.minor_recipient_priority);
  map.field("imminent_threat_score", config.imminent_threat_score, {0.0, 1.0});
  map.field("low_trust_below", config.low_trust_below, {0.0, 1.0});
  map.field("low_trust_threshold_factor", config.low_trust_threshold_factor, {0.0, 1.0});
  map.field("minor_contacts_per_day", config.minor_contacts_per_day, {1, 1000000});
  ConfigMap sla = map.child("sla_minutes");
  for (int p = 0; p < 4; ++p) {
    int minutes = static_cast<int>(config.sla_minutes[p]);
    sla.field(priorityName(p), minutes, {1, 100000});
    config.sla_minutes[p] = minutes;
  }
  sla.finish();
  map.finish();
  return config;
}

std::string escalationEventId(const Post& post, const SourceCoordinates& source) {
  const std::string identity = "escalation\n" + source.topic + "\n" +
                               std::to_string(source.partition.value) + "\n" +
                               std::to_string(source.offset.value) + "\n" + post.post_id.str();
  return "es-" + hexDigest(DigestType::kSha256, identity).substr(0, 32);
}

nlohmann::json reputationJson(const ReputationSnapshot& r) {
  return {{"trust", r.trust},
          {"account_age_days", r.account_age_days},
          {"strikes", r.strikes},
          {"confirmed_violations", r.confirmed_violations},
          {"dismissed_escalations", r.dismissed_escalations},
          {"posts_last_hour", r.posts_last_hour},
          {"posts_last_day", r.posts_last_day},
          {"direct_messages_last_day", r.direct_messages_last_day},
          {"messages_to_minors_last_hour", r.messages_to_minors_last_hour},
          {"messages_to_minors_last_day", r.messages_to_minors_last_day},
          {"distinct_recipients_last_hour", r.distinct_recipients_last_hour},
          {"distinct_recipients_last_day", r.distinct_recipients_last_day}};
}

std::optional<OutputRecord> escalationFor(const Post& post, const TextRiskSignal& signal,
                                          const std::optional<ReputationSnapshot>& reputation,
                                          const SourceCoordinates& source, int64_t detected_at_ms,
                                          const EscalationConfig& config,
                                          const std::set<std::string>& excluded) {
  const bool low_trust = reputation && reputation->trust < config.low_trust_below;
  const bool contacts_minors =
      reputation && reputation->messages_to_minors_last_day >= config.minor_contacts_per_day;
  const CategoryScore* primary = nullptr;
  int priority = 4;
  nlohmann::json categories = nlohmann::json::array();
  std::set<std::string> flagged;
  for (const auto& category : signal.categories) {
    const bool crosses =
        category.flagged ||
        (low_trust && category.score >= category.threshold * config.low_trust_threshold_factor);
    if (!crosses || excluded.count(category.category)) continue;
    flagged.insert(category.category);
    categories.push_back({{"category", category.category},
                          {"score", category.score},
                          {"threshold", category.threshold}});
    const int p = priorityOf(category, post, config);
    if (p < priority || (p == priority && category.score > primary->score)) {
      priority = p;
      primary = &category;
    }
  }
  if (!primary) return std::nullopt;
  if ((low_trust || contacts_minors) && priority > 0) --priority;  // repeat risk moves up
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& reason : signal.reasons) {
    if (!flagged.count(reason.category)) continue;
    reasons.push_back({{"source", reason.source},
                       {"entry_id", reason.entry_id},
                       {"category", reason.category},
                       {"weight", reason.weight},
                       {"quoted", reason.quoted},
                       {"span", {reason.begin, reason.end}},
                       {"quote", reason.quote}});
  }
  nlohmann::json context = {{"kind", std::string(postKindName(post.context.kind))},
                            {"recipient_is_minor", post.context.recipient_is_minor}};
  if (post.context.account_age_days) context["account_age_days"] = *post.context.account_age_days;
  const nlohmann::json event = {
      {"schema_version", 1},
      {"event_id", escalationEventId(post, source)},
      {"event_type", "escalation"},
      {"account_id", post.account_id.str()},
      {"content_ids", {{"account_id", post.account_id.str()}, {"post_id", post.post_id.str()}}},
      {"priority", priorityName(priority)},
      {"deadline_ms", detected_at_ms + config.sla_minutes[priority] * 60 * 1000},
      {"category", primary->category},
      {"score", primary->score},
      {"categories", categories},
      {"reasons", reasons},
      {"context", context},
      {"reporting", signal.reporting},
      {"reputation", reputation ? reputationJson(*reputation) : nlohmann::json(nullptr)},
      {"detected_at_ms", detected_at_ms},
      {"source",
       {{"topic", source.topic},
        {"partition", source.partition.value},
        {"offset", source.offset.value}}},
  };
  return OutputRecord{
      OutputTopic::kEscalations,
      post.account_id.str(),
      event.dump(),
      {{"modstream.event_type", "escalation"}, {"modstream.priority", priorityName(priority)}}};
}

}  // namespace modstream
