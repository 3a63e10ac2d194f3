#pragma once
// The console's picture of the escalation cases: decide's escalation events grouped by case id
// (one case per account per window, as decide publishes them), closed by moderator decisions,
// claimed, released and sent to a lead through the audit topic. Everything here is rebuilt by
// reading those topics from the beginning (ConsoleFollower), so a restarted console loses nothing.
//
// Open cases are kept ordered by priority, then deadline, so a page of the queue costs its own
// size plus what the filter skips, not a sort of every case.
//
// Thread-safety: one writer (the follower) and many readers (request threads); a shared mutex.

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/core/priority.h"

namespace modstream {

struct CaseSummary {
  std::string case_id;
  std::string account_id;
  int priority = 3;  // 0 (P0, most urgent) .. 3
  int64_t deadline_ms = 0;
  int64_t opened_ms = 0;
  std::set<std::string> categories;
  bool minor_recipient = false;  // an item is a direct message to an account flagged as a minor
  size_t items = 0;
  std::string claimed_by;  // empty: not claimed (or the claim lapsed)
  int64_t claim_expires_ms = 0;
  bool with_lead = false;  // a moderator sent it to a lead
  std::string decision;    // "confirmed" or "dismissed" once decided
};

struct QueueFilter {
  std::optional<int> priority;
  std::string category;          // empty: any
  bool minor_recipient = false;  // only cases with a direct message to a minor
  bool lead_queue = false;       // only cases sent to a lead (else: only those not sent)
};

struct QueuePage {
  std::vector<CaseSummary> cases;
  size_t matching = 0;                  // open cases that pass the filter
  std::array<size_t, 4> by_priority{};  // open cases per priority (same queue, no other filter)
  size_t overdue = 0;                   // open cases past their deadline
};

struct CaseDetail {
  CaseSummary summary;
  std::vector<nlohmann::json> items;      // escalation events, oldest first
  std::vector<nlohmann::json> decisions;  // the account's decisions, on any case, oldest first
};

class CaseQueue {
 public:
  // An escalation event as decide publishes it (escalation-event.schema.json). Events without a
  // case, or repeated (same event id: at-least-once delivery), change nothing. Returns false then.
  bool addEscalation(const nlohmann::json& event);
  // A moderator decision (moderator-decision.schema.json) closes its case; items that arrive for
  // the case later than the decision open it again.
  bool addDecision(const nlohmann::json& decision);
  // Claims as the audit topic orders them: a claim holds until it expires or is released; a
  // claim on a case another user holds is ignored. Returns whether `user` holds it now.
  bool claim(const std::string& case_id, const std::string& user, int64_t expires_ms,
             int64_t now_ms);
  void release(const std::string& case_id, const std::string& user);
  void sendToLead(const std::string& case_id);

  QueuePage page(const QueueFilter& filter, size_t offset, size_t limit, int64_t now_ms) const;
  std::optional<CaseDetail> detail(const std::string& case_id, int64_t now_ms) const;
  // Who holds the case's claim at `now_ms` (empty: nobody); nullopt for an unknown case.
  std::optional<std::string> holder(const std::string& case_id, int64_t now_ms) const;
  // Bumped by every change: a reader that saw version v knows there is news when it moves.
  uint64_t version() const;

 private:
  struct Case {
    CaseSummary summary;
    std::vector<nlohmann::json> items;
    int64_t decided_ms = -1;  // -1: not decided
  };
  using OrderKey = std::tuple<int, int64_t, std::string>;  // priority, deadline, case id
  static OrderKey orderOf(const CaseSummary& summary) {
    return {summary.priority, summary.deadline_ms, summary.case_id};
  }
  bool isOpen(const Case& c) const { return c.decided_ms < 0; }
  void reorder(Case& c, const CaseSummary& before);
  CaseSummary withLiveClaim(const CaseSummary& summary, int64_t now_ms) const;

  mutable std::shared_mutex mutex_;
  std::map<std::string, Case> cases_;
  std::set<OrderKey> open_;  // open cases in queue order
  std::set<std::string> event_ids_;
  std::map<std::string, std::vector<nlohmann::json>> decisions_by_account_;
  uint64_t version_ = 0;
};

}  // namespace modstream
