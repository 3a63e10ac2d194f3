#include "stages/decide/policy.h"

#include <algorithm>

#include "stages/decide/escalation.h"

namespace modstream {
namespace {

std::set<std::string> stringSet(ConfigMap& map, const std::string& key) {
  std::set<std::string> values;
  const auto items = map.sequence(key);
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].IsScalar() || items[i].Scalar().empty()) {
      map.errors().add(map.pathOf(key) + "[" + std::to_string(i) + "]",
                       "must be a non-empty string");
      continue;
    }
    values.insert(items[i].Scalar());
  }
  return values;
}

template <typename T>
std::optional<T> optionalField(ConfigMap& map, const std::string& key, Bounds<T> bounds) {
  if (!map.has(key)) return std::nullopt;
  T value{};
  map.field(key, value, bounds);
  return value;
}

std::optional<PostKind> postKindFromName(const std::string& name) {
  if (name == "public") return PostKind::kPublic;
  if (name == "reply") return PostKind::kReply;
  if (name == "direct_message") return PostKind::kDirectMessage;
  return std::nullopt;
}

void parseConditions(ConfigMap when, PolicyRule& rule) {
  std::string content = "any";
  when.choice("content", content, {"any", "post", "media"});
  rule.content = content == "post"    ? ContentKind::kPost
                 : content == "media" ? ContentKind::kMedia
                                      : ContentKind::kAny;
  if (when.has("bank_match")) {
    ConfigMap m = when.child("bank_match");
    BankMatchCondition c;
    c.banks = stringSet(m, "banks");
    c.categories = stringSet(m, "categories");
    for (const auto& name : stringSet(m, "hash_types")) {
      if (auto type = parseHashType(name)) {
        c.hash_types.insert(*type);
      } else {
        m.errors().add(m.pathOf("hash_types"),
                       "unknown hash type '" + name + "' (known: md5, sha1, sha256, pdq)");
      }
    }
    c.max_distance = optionalField<int64_t>(m, "max_distance", {0, 256});
    m.finish();
    rule.bank_match = c;
  }
  if (when.has("listed_url")) {
    ConfigMap m = when.child("listed_url");
    rule.listed_url = ListedUrlCondition{stringSet(m, "lists"), stringSet(m, "categories")};
    m.finish();
  }
  if (when.has("text")) {
    ConfigMap m = when.child("text");
    rule.text = TextCondition{stringSet(m, "categories"),
                              optionalField<double>(m, "min_score", {0.0, 1.0})};
    m.finish();
  }
  if (when.has("context")) {
    ConfigMap m = when.child("context");
    ContextCondition c;
    for (const auto& name : stringSet(m, "kinds")) {
      if (auto kind = postKindFromName(name)) {
        c.kinds.insert(*kind);
      } else {
        m.errors().add(m.pathOf("kinds"),
                       "unknown kind '" + name + "' (public, reply, direct_message)");
      }
    }
    if (m.has("recipient_is_minor")) {
      bool minor = false;
      m.field("recipient_is_minor", minor);
      c.recipient_is_minor = minor;
    }
    c.max_account_age_days = optionalField<int64_t>(m, "max_account_age_days", {0, 1000000});
    m.finish();
    rule.context = c;
  }
  if (when.has("account")) {
    ConfigMap m = when.child("account");
    AccountCondition c;
    c.max_trust = optionalField<double>(m, "max_trust", {0.0, 1.0});
    c.min_trust = optionalField<double>(m, "min_trust", {0.0, 1.0});
    c.min_messages_to_minors_per_day =
        optionalField<int64_t>(m, "min_messages_to_minors_per_day", {0, 1000000});
    m.finish();
    rule.account = c;
  }
  when.finish();
}

PolicyRule parseRule(ConfigMap map) {
  PolicyRule rule;
  map.field("name", rule.name, /*required=*/true);
  std::string action = "escalate";
  map.choice("action", action, {"takedown", "escalate", "label", "allow"});
  rule.action = action == "takedown"   ? PolicyAction::kTakedown
                : action == "escalate" ? PolicyAction::kEscalate
                : action == "label"    ? PolicyAction::kLabel
                                       : PolicyAction::kAllow;
  map.field("shadow", rule.shadow);
  if (map.has("priority")) {
    std::string priority;
    map.field("priority", priority);
    if (priority != "by_category") {
      rule.priority = parsePriority(priority);
      if (!rule.priority) {
        map.errors().add(map.pathOf("priority"),
                         "must be P0, P1, P2, P3 or by_category, got '" + priority + "'");
      }
    }
    if (rule.action != PolicyAction::kEscalate) {
      map.errors().add(map.pathOf("priority"), "only an escalate rule has a priority");
    }
  }
  map.choice("takedown_action", rule.takedown_action, {"remove", "restrict"});
  map.field("label", rule.label, rule.action == PolicyAction::kLabel);
  map.field("category", rule.category);
  parseConditions(map.child("when"), rule);
  if (rule.action == PolicyAction::kTakedown && !rule.bank_match && !rule.listed_url) {
    map.errors().add(map.pathOf("when"),
                     "a takedown rule needs evidence: a bank_match or listed_url condition");
  }
  if (rule.category.empty()) rule.category = rule.name;
  map.finish();
  return rule;
}

bool anyOrContains(const std::set<std::string>& allowed, const std::string& value) {
  return allowed.empty() || allowed.count(value) > 0;
}

bool countsAsFlagged(const CategoryScore& category, const TextCondition& condition,
                     const PolicyInputs& inputs) {
  if (!anyOrContains(condition.categories, category.category)) return false;
  if (condition.min_score) return category.score >= *condition.min_score;
  const auto& reputation = inputs.signals.reputation;
  const bool low_trust = reputation && reputation->trust < inputs.low_trust_below;
  return category.flagged ||
         (low_trust && category.score >= category.threshold * inputs.low_trust_threshold_factor);
}

bool contextHolds(const ContextCondition& condition, const Content& content) {
  const auto* post = std::get_if<Post>(&content);
  if (!post) return false;  // context is a post's
  if (!condition.kinds.empty() && !condition.kinds.count(post->context.kind)) return false;
  if (condition.recipient_is_minor &&
      *condition.recipient_is_minor != post->context.recipient_is_minor) {
    return false;
  }
  if (condition.max_account_age_days &&
      (!post->context.account_age_days ||
       *post->context.account_age_days > *condition.max_account_age_days)) {
    return false;
  }
  return true;
}

bool accountHolds(const AccountCondition& condition, const std::optional<ReputationSnapshot>& r) {
  if (!r) return false;  // without the reputation stage nothing is known about the account
  if (condition.max_trust && r->trust > *condition.max_trust) return false;
  if (condition.min_trust && r->trust < *condition.min_trust) return false;
  if (condition.min_messages_to_minors_per_day &&
      r->messages_to_minors_last_day < *condition.min_messages_to_minors_per_day) {
    return false;
  }
  return true;
}

std::optional<RuleHit> evaluateRule(const PolicyRule& rule, const PolicyInputs& inputs) {
  const Content& content = inputs.content;
  const Signals& signals = inputs.signals;
  if (rule.content == ContentKind::kPost && !std::holds_alternative<Post>(content)) return {};
  if (rule.content == ContentKind::kMedia && !std::holds_alternative<MediaRecord>(content)) {
    return {};
  }
  if (std::holds_alternative<ModeratorDecision>(content)) return {};
  RuleHit hit{&rule, {}, {}, {}};
  if (rule.bank_match) {
    for (const auto& match : signals.bank_matches) {
      if (!match.allowlist && rule.bank_match->holds(match)) hit.matches.push_back(&match);
    }
    if (hit.matches.empty()) return {};
  }
  if (rule.listed_url) {
    if (!signals.text_risk) return {};
    std::set<std::string> flagged;
    for (const auto& category : signals.text_risk->categories) {
      if (countsAsFlagged(category, TextCondition{}, inputs)) flagged.insert(category.category);
    }
    for (const auto& reason : signals.text_risk->reasons) {
      if (reason.source == "url_list" && flagged.count(reason.category) &&
          rule.listed_url->holds(reason)) {
        hit.urls.push_back(&reason);
      }
    }
    if (hit.urls.empty()) return {};
  }
  if (rule.text) {
    if (!signals.text_risk) return {};
    for (const auto& category : signals.text_risk->categories) {
      if (countsAsFlagged(category, *rule.text, inputs)) hit.categories.push_back(&category);
    }
    if (hit.categories.empty()) return {};
  }
  if (rule.context && !contextHolds(*rule.context, content)) return {};
  if (rule.account && !accountHolds(*rule.account, signals.reputation)) return {};
  return hit;
}

}  // namespace

const char* policyActionName(PolicyAction action) {
  switch (action) {
    case PolicyAction::kTakedown:
      return "takedown";
    case PolicyAction::kEscalate:
      return "escalate";
    case PolicyAction::kLabel:
      return "label";
    case PolicyAction::kAllow:
      return "allow";
  }
  return "unknown";
}

bool BankMatchCondition::holds(const BankMatch& match) const {
  return anyOrContains(banks, match.bank) && anyOrContains(categories, match.category) &&
         (hash_types.empty() || (match.hash_type && hash_types.count(*match.hash_type) > 0)) &&
         (!max_distance || match.distance <= *max_distance);
}

bool ListedUrlCondition::holds(const TextReason& reason) const {
  return anyOrContains(lists, reason.list) && anyOrContains(categories, reason.list_category);
}

bool Policy::hasShadowRules() const {
  return std::any_of(rules.begin(), rules.end(), [](const auto& r) { return r.shadow; });
}

Policy defaultPolicy() {
  Policy policy;
  policy.version = "built-in";
  PolicyRule banks;
  banks.name = banks.category = "known-content";
  banks.action = PolicyAction::kTakedown;
  banks.bank_match = BankMatchCondition{};
  PolicyRule urls;
  urls.name = urls.category = "listed-url";
  urls.action = PolicyAction::kTakedown;
  urls.listed_url = ListedUrlCondition{};
  PolicyRule text;
  text.name = text.category = "flagged-text";
  text.action = PolicyAction::kEscalate;
  text.text = TextCondition{};
  policy.rules = {banks, urls, text};
  return policy;
}

Policy parsePolicy(const YAML::Node& node, const std::string& path, ConfigErrors& errors) {
  Policy policy;
  ConfigMap map(node, path, errors);
  map.field("version", policy.version, /*required=*/true);
  const auto rules = map.sequence("rules");
  std::set<std::string> names;
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string rule_path = map.pathOf("rules") + "[" + std::to_string(i) + "]";
    PolicyRule rule = parseRule(ConfigMap(rules[i], rule_path, errors));
    if (!rule.name.empty() && !names.insert(rule.name).second) {
      errors.add(rule_path + ".name", "duplicate rule name '" + rule.name + "'");
    }
    policy.rules.push_back(std::move(rule));
  }
  if (rules.empty()) errors.add(map.pathOf("rules"), "a policy needs at least one rule");
  map.finish();
  return policy;
}

std::optional<Policy> loadPolicyFile(const std::string& file, ConfigErrors& errors) {
  const size_t before = errors.all().size();
  auto node = parseYamlFile(file, errors);
  if (!node) return std::nullopt;
  Policy policy = parsePolicy(*node, file, errors);
  if (errors.all().size() != before) return std::nullopt;
  return policy;
}

PolicyOutcome evaluatePolicy(const Policy& policy, const PolicyInputs& inputs) {
  PolicyOutcome outcome;
  for (const auto& rule : policy.rules) {
    if (outcome.allowed_by && !rule.shadow) continue;
    auto hit = evaluateRule(rule, inputs);
    if (!hit) continue;
    if (rule.shadow) {
      outcome.shadow.push_back(std::move(*hit));
      continue;
    }
    if (rule.action == PolicyAction::kAllow) {
      outcome.allowed_by = &rule;
      continue;
    }
    outcome.live.push_back(std::move(*hit));
  }
  return outcome;
}

}  // namespace modstream
