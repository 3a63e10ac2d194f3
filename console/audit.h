#pragma once
// The console's audit trail: one JSON record per login, view, reveal, claim and action on the audit
// topic (one partition, so one order), keyed by the case (or the user for logins). Claims, releases
// and hand-overs to a lead are also how every console learns the state of a case: the follower
// applies them to the CaseQueue in topic order. No post text and no password ever goes into it.
//
//   {"schema_version": 1, "audit_id": "...", "at_ms": 1795000000000, "user": "alice",
//    "action": "claim", "case_id": "case-...", "item": "", "category": "", "expires_ms": ...}

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "console/case_queue.h"

namespace modstream {

namespace audit_action {
inline constexpr const char* kLogin = "login";
inline constexpr const char* kLoginRefused = "login_refused";
inline constexpr const char* kLogout = "logout";
inline constexpr const char* kView = "view";
inline constexpr const char* kReveal = "reveal";
inline constexpr const char* kClaim = "claim";
inline constexpr const char* kRelease = "release";
inline constexpr const char* kToLead = "to_lead";
inline constexpr const char* kConfirm = "confirm";
inline constexpr const char* kDismiss = "dismiss";
}  // namespace audit_action

struct AuditEntry {
  std::string user;
  std::string action;
  std::string case_id = {};
  std::string item = {};      // the escalation event id a reveal was for
  std::string category = {};  // for a confirmation
  int64_t expires_ms = 0;     // for a claim
};

// The record's JSON, stamped with `at_ms` and a fresh id.
std::string auditRecord(const AuditEntry& entry, int64_t at_ms);

// Applies what an audit record changes (claims, releases, hand-overs) to `queue`; other actions
// change nothing. Unreadable records are ignored (returns false).
bool applyAudit(const nlohmann::json& record, CaseQueue& queue);

}  // namespace modstream
