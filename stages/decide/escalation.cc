#include "stages/decide/escalation.h"

#include <algorithm>
#include <set>

#include "pipeline/core/content_hash.h"

namespace modstream {
namespace {

nlohmann::json contentIds(const Content& content) {
  nlohmann::json ids = {{"account_id", accountOf(content).str()}};
  if (const auto* post = std::get_if<Post>(&content)) {
    ids["post_id"] = post->post_id.str();
  } else if (const auto* media = std::get_if<MediaRecord>(&content)) {
    ids["media_id"] = media->media_id.str();
    if (media->post_id) ids["post_id"] = media->post_id->str();
  }
  return ids;
}

nlohmann::json contextJson(const Content& content) {
  const auto* post = std::get_if<Post>(&content);
  if (!post) return {{"kind", "media"}, {"recipient_is_minor", false}};
  nlohmann::json context = {{"kind", std::string(postKindName(post->context.kind))},
                            {"recipient_is_minor", post->context.recipient_is_minor}};
  if (post->context.account_age_days) context["account_age_days"] = *post->context.account_age_days;
  return context;
}

nlohmann::json reasonsJson(const TextRiskSignal* text, const std::set<std::string>& categories) {
  nlohmann::json reasons = nlohmann::json::array();
  if (!text) return reasons;
  for (const auto& reason : text->reasons) {
    if (!categories.count(reason.category)) continue;
    reasons.push_back({{"source", reason.source},
                       {"entry_id", reason.entry_id},
                       {"category", reason.category},
                       {"weight", reason.weight},
                       {"quoted", reason.quoted},
                       {"span", {reason.begin, reason.end}},
                       {"quote", reason.quote}});
    if (!reason.model_tier.empty()) {
      reasons.back()["model_tier"] = reason.model_tier;
      reasons.back()["similarity"] = reason.similarity;
    }
  }
  return reasons;
}

}  // namespace

int categoryPriority(const CategoryScore& category, const Content& content,
                     const EscalationConfig& config) {
  auto it = config.priorities.find(category.category);
  int priority = it == config.priorities.end() ? config.default_priority : it->second;
  const auto* post = std::get_if<Post>(&content);
  if (post && harmsMinors(category.category) && post->context.kind == PostKind::kDirectMessage &&
      post->context.recipient_is_minor) {
    priority = std::min(priority, config.minor_recipient_priority);
  }
  if (category.category == "threat_of_violence" && category.score >= config.imminent_threat_score) {
    priority = 0;
  }
  return priority;
}

void EscalationRequest::add(int p, const std::string& c, double s) {
  if (category.empty() || p < priority || (p == priority && s > score)) {
    priority = p;
    category = c;
    score = s;
  }
}

int adjustedPriority(int priority, const std::optional<ReputationSnapshot>& reputation,
                     const EscalationConfig& config) {
  const bool low_trust = reputation && reputation->trust < config.low_trust_below;
  const bool contacts_minors =
      reputation && reputation->messages_to_minors_last_day >= config.minor_contacts_per_day;
  return (low_trust || contacts_minors) && priority > 0 ? priority - 1 : priority;
}

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

std::string escalationEventId(const SourceCoordinates& source) {
  const std::string identity = "escalation\n" + source.topic + "\n" +
                               std::to_string(source.partition.value) + "\n" +
                               std::to_string(source.offset.value);
  return "es-" + hexDigest(HashType::kSha256, identity).substr(0, 32);
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

OutputRecord escalationRecord(const EscalationInputs& in) {
  const EscalationRequest& request = in.request;
  nlohmann::json categories = nlohmann::json::array();
  std::set<std::string> category_names;
  for (const auto* category : request.categories) {
    if (!category_names.insert(category->category).second) continue;
    categories.push_back({{"category", category->category},
                          {"score", category->score},
                          {"threshold", category->threshold}});
  }
  nlohmann::json matches = nlohmann::json::array();
  for (const auto* match : request.matches) {
    matches.push_back({{"bank", match->bank},
                       {"entry_id", match->entry_id},
                       {"hash_type", matchTypeName(*match)},
                       {"distance", match->distance},
                       {"category", match->category},
                       {"content_id", match->content_id}});
  }
  const TextRiskSignal* text = in.signals.text_risk ? &*in.signals.text_risk : nullptr;
  const auto& reputation = in.signals.reputation;
  const CaseView& view = in.case_view;
  nlohmann::json event = {
      {"schema_version", 2},
      {"event_id", escalationEventId(in.source)},
      {"event_type", "escalation"},
      {"account_id", accountOf(in.content).str()},
      {"content_ids", contentIds(in.content)},
      {"priority", priorityName(request.priority)},
      {"deadline_ms", in.deadline_ms},
      {"category", request.category},
      {"score", request.score},
      {"categories", categories},
      {"reasons", reasonsJson(text, category_names)},
      {"matches", matches},
      {"rules", request.rules},
      {"context", contextJson(in.content)},
      {"reporting", text && text->reporting},
      {"reputation", reputation ? reputationJson(*reputation) : nlohmann::json(nullptr)},
      {"case",
       {{"case_id", view.case_id},
        {"window_start_ms", view.window_start_ms},
        {"window_end_ms", view.window_end_ms},
        {"opened_at_ms", view.opened_at_ms},
        {"priority", priorityName(view.priority)},
        {"deadline_ms", view.deadline_ms},
        {"item_count", view.item_count},
        {"items", view.items}}},
      {"detected_at_ms", in.detected_at_ms},
      {"source",
       {{"topic", in.source.topic},
        {"partition", in.source.partition.value},
        {"offset", in.source.offset.value}}},
  };
  if (!request.guardrail.empty()) event["guardrail"] = request.guardrail;
  if (in.preview) event["preview"] = *in.preview;
  return OutputRecord{OutputTopic::kEscalations,
                      accountOf(in.content).str(),
                      event.dump(),
                      {{"modstream.event_type", "escalation"},
                       {"modstream.priority", priorityName(request.priority)},
                       {"modstream.case_id", view.case_id}}};
}

}  // namespace modstream
