#pragma once
// Escalations: a post whose text crossed a category's threshold goes to moderators as one event
// with a priority (P0 = imminent risk to a person or a child), a deadline from that priority's SLA,
// the flagged categories with their scores, and the reasons quoting only the matched spans (never
// the raw bytes of any media). Rules here are fixed by category and context until the policy
// language arrives (issue #6).
//
// Config (under decide's `escalation:`):
//   priorities: {threat_of_violence: P1, harassment: P2, fraud: P3, ...}
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
#include <set>
#include <string>

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

// The escalation for a post's text-risk findings, or nothing when no category is flagged (or only
// categories in `excluded`, which another action handles). `reputation` is the account's snapshot
// when the reputation stage ran.
std::optional<OutputRecord> escalationFor(const Post& post, const TextRiskSignal& signal,
                                          const std::optional<ReputationSnapshot>& reputation,
                                          const SourceCoordinates& source, int64_t detected_at_ms,
                                          const EscalationConfig& config,
                                          const std::set<std::string>& excluded);

nlohmann::json reputationJson(const ReputationSnapshot& snapshot);

// Deterministic: every delivery of the escalation of the same record has the same id.
std::string escalationEventId(const Post& post, const SourceCoordinates& source);

}  // namespace modstream
