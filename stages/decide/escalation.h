#pragma once
// Escalations: a record the policy sends to moderators becomes one event with a priority (P0 =
// imminent risk to a person or a child), a deadline from that priority's SLA, the categories with
// their scores, the reasons quoting only the matched spans, the bank evidence (never media bytes),
// the reputation snapshot and the case it belongs to (escalation_cases.h).
//
// Config (under decide's `escalation:`):
//   priorities: {threat_of_violence: P1, harassment: P2, fraud: P3, ...}  # for `by_category`
//   default_priority: P2
//   minor_recipient_priority: P0   # grooming, sextortion or sexual content in a DM to a minor
//   imminent_threat_score: 0.9      # a threat scoring this or more is P0
//   sla_minutes: {P0: 15, P1: 60, P2: 240, P3: 1440}
//   # With the reputation stage: a low-trust account is escalated at a lower score and one level
//   # more urgently, and so is an account messaging many minors in a day.
//   low_trust_below: 0.3
//   low_trust_threshold_factor: 0.8  # thresholds times this for low-trust accounts
//   minor_contacts_per_day: 10

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/core/priority.h"
#include "pipeline/core/stage.h"

namespace modstream {

struct EscalationConfig {
  std::map<std::string, int> priorities = {
      {"threat_of_violence", 1}, {"grooming", 1},   {"sexual_minor", 1}, {"sextortion", 1},
      {"self_harm", 1},          {"harassment", 2}, {"fraud", 3}};
  int default_priority = 2;
  int minor_recipient_priority = 0;
  double imminent_threat_score = 0.9;
  std::array<int64_t, 4> sla_minutes = {15, 60, 240, 1440};
  double low_trust_below = 0.3;
  double low_trust_threshold_factor = 0.8;
  int64_t minor_contacts_per_day = 10;
};

EscalationConfig parseEscalationConfig(ConfigMap map);

// The priority of a flagged text category in this content's context (for `by_category` rules).
int categoryPriority(const CategoryScore& category, const Content& content,
                     const EscalationConfig& config);

// What the policy decided to send to moderators for one record.
struct EscalationRequest {
  int priority = 3;
  std::string category;  // the category that set the priority
  double score = 0;
  std::vector<const CategoryScore*> categories;
  std::vector<const BankMatch*> matches;
  std::vector<std::string> rules;  // the rules that escalated it
  std::string guardrail;           // why an automatic takedown became this escalation, if it did
  // Adds a reason to escalate at `priority` for `category` (keeps the most urgent).
  void add(int priority, const std::string& category, double score);
};

// The one-level bump for a low-trust account or one messaging many minors.
int adjustedPriority(int priority, const std::optional<ReputationSnapshot>& reputation,
                     const EscalationConfig& config);

// Where the escalation sits in its account's case (escalation_cases.h).
struct CaseView {
  std::string case_id;
  int64_t window_start_ms = 0;
  int64_t window_end_ms = 0;
  int64_t opened_at_ms = 0;
  int priority = 3;                // the most urgent priority in the case so far
  int64_t deadline_ms = 0;         // the earliest deadline in the case so far
  int64_t item_count = 0;          // records escalated into the case so far (this one included)
  std::vector<std::string> items;  // their content ids, oldest first (capped)
};

struct EscalationInputs {
  const EscalationRequest& request;
  const Content& content;
  const Signals& signals;
  const SourceCoordinates& source;
  int64_t detected_at_ms;
  int64_t deadline_ms;  // detected_at_ms plus the priority's SLA
  const CaseView& case_view;
  const nlohmann::json* preview;  // a wellness-safe preview of the media, or null
};

// The escalation event (config/schemas/escalation-event.schema.json), keyed by account.
OutputRecord escalationRecord(const EscalationInputs& inputs);

nlohmann::json reputationJson(const ReputationSnapshot& snapshot);

// Deterministic: every delivery of the escalation of the same input record has the same id.
std::string escalationEventId(const SourceCoordinates& source);

}  // namespace modstream
