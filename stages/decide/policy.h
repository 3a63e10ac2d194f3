#pragma once
// Policy: the operator's rules that turn the stages' signals into actions. A rule is a set of
// conditions (all must hold) and an action:
//
//   version: "2026-11-24.1"            # shown in logs and metrics; bump it with every change
//   rules:
//     - name: exempt-trusted-partners  # names are unique; they label metrics and events
//       when: {account: {min_trust: 0.99}, content: post}
//       action: allow                  # later rules are not evaluated for this record
//     - name: known-abuse-imagery
//       when: {bank_match: {categories: [A, B, C], max_distance: 31}}
//       action: takedown               # one takedown event per matching bank entry
//       takedown_action: remove        # remove | restrict (what the integration should do)
//     - name: near-miss-review
//       when: {bank_match: {categories: [A, B, C]}}
//       action: escalate
//       priority: P1
//     - name: threats
//       when: {text: {categories: [threat_of_violence]}}   # flagged (score >= threshold)
//       action: escalate
//       priority: by_category          # P0-P3, or from decide's escalation.priorities
//     - name: scam-label
//       when: {text: {categories: [fraud], min_score: 0.3}}
//       action: label
//       label: possible-scam
//       shadow: true                   # evaluated and counted, published to the shadow topic only
//
// Conditions under `when` (absent = any):
//   content: post | media
//   bank_match: {banks: [...], categories: [...], hash_types: [...], max_distance: N}
//   listed_url: {lists: [...], categories: [...]}      # a URL list hit whose category is flagged
//   text: {categories: [...], min_score: X}             # without min_score: flagged categories
//   context: {kinds: [public, reply, direct_message], recipient_is_minor: bool,
//             max_account_age_days: N}
//   account: {max_trust: X, min_trust: X, min_messages_to_minors_per_day: N}  # needs reputation
//
// Rules run in order; every matching rule acts, except that a live `allow` stops the rules after
// it. Shadow rules never stop anything and never publish to the live topics.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pipeline/core/stage.h"

namespace modstream {

enum class PolicyAction { kTakedown, kEscalate, kLabel, kAllow };
const char* policyActionName(PolicyAction action);

struct BankMatchCondition {
  std::set<std::string> banks, categories;  // empty = any
  std::set<HashType> hash_types;            // empty = any
  std::optional<int> max_distance;
  bool holds(const BankMatch& match) const;
};

struct ListedUrlCondition {
  std::set<std::string> lists, categories;  // categories: the URL list's own (e.g. A, B, C)
  bool holds(const TextReason& reason) const;
};

struct TextCondition {
  std::set<std::string> categories;  // empty = any
  std::optional<double> min_score;   // absent: the category is flagged
};

struct ContextCondition {
  std::set<PostKind> kinds;
  std::optional<bool> recipient_is_minor;
  std::optional<int64_t> max_account_age_days;
};

struct AccountCondition {
  std::optional<double> max_trust, min_trust;
  std::optional<int64_t> min_messages_to_minors_per_day;
};

enum class ContentKind { kAny, kPost, kMedia };

struct PolicyRule {
  std::string name;
  PolicyAction action = PolicyAction::kEscalate;
  bool shadow = false;
  std::optional<int> priority;  // escalate: P0-P3; absent means by category
  std::string takedown_action = "remove";
  std::string label;     // label: the label to apply
  std::string category;  // escalate without text: the category moderators see (default: name)
  ContentKind content = ContentKind::kAny;
  std::optional<BankMatchCondition> bank_match;
  std::optional<ListedUrlCondition> listed_url;
  std::optional<TextCondition> text;
  std::optional<ContextCondition> context;
  std::optional<AccountCondition> account;
};

struct Policy {
  std::string version;
  std::vector<PolicyRule> rules;
  bool hasShadowRules() const;
};

// The rules a config without a policy gets: every bank match and every listed URL is taken down,
// every flagged text category is escalated with its category's priority.
Policy defaultPolicy();

// Parses `rules` and `version` from `node`, with errors naming `path` (e.g. "policy.yaml:
// rules[2].when.text.min_score").
Policy parsePolicy(const YAML::Node& node, const std::string& path, ConfigErrors& errors);
// Reads and parses a policy file; errors name the file (and line, for YAML syntax).
std::optional<Policy> loadPolicyFile(const std::string& file, ConfigErrors& errors);

// What one rule found in one record: the evidence that satisfied its conditions.
struct RuleHit {
  const PolicyRule* rule = nullptr;
  std::vector<const BankMatch*> matches;
  std::vector<const TextReason*> urls;
  std::vector<const CategoryScore*> categories;
};

struct PolicyOutcome {
  std::vector<RuleHit> live;
  std::vector<RuleHit> shadow;
  const PolicyRule* allowed_by = nullptr;  // a live allow rule that stopped evaluation
};

struct PolicyInputs {
  const Content& content;
  const Signals& signals;
  // A category counts as flagged for low-trust accounts at threshold times this factor.
  double low_trust_below = 0.3;
  double low_trust_threshold_factor = 0.8;
};

PolicyOutcome evaluatePolicy(const Policy& policy, const PolicyInputs& inputs);

}  // namespace modstream
