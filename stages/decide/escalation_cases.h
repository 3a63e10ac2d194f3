#pragma once
// Cases: escalations of one account within one time window (by event time) form one case, so a
// moderator reviews an account's burst of posts once rather than post by post. Every escalation
// carries its case: a deterministic id (the same on every process and after a restart), the
// window, the case's most urgent priority and earliest deadline so far, and the content ids in it.
// The escalations topic is keyed by account, so a moderation queue keeps the latest event per
// case_id and sees one growing case.
//
// Memory: a bounded number of open cases per input partition; the least recently touched is
// forgotten first, and a forgotten case starts its item list again under the same case id. Open
// cases outlive restarts and rebalances through a changelog topic (CaseStore, case_store.h).
//
// Config (under decide's `cases:`):
//   window_minutes: 60
//   max_items: 20          # content ids listed per case; item_count keeps counting past it
//   max_open_cases: 100000
//
// Thread-safety: none; one CaseBook per input partition, used by the worker that owns it.

#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pipeline/config/config_reader.h"
#include "stages/decide/escalation.h"

namespace modstream {

struct CaseConfig {
  int64_t window_minutes = 60;
  int64_t max_items = 20;
  int64_t max_open_cases = 100000;
};

CaseConfig parseCaseConfig(ConfigMap map);

// The case id of `account`'s window containing `event_ms`.
std::string caseIdFor(const std::string& account, int64_t window_start_ms);

// A case as its changelog record carries it (JSON), and back; nullopt for a value that is not one.
std::string encodeCase(const CaseView& view);
std::optional<CaseView> decodeCase(std::string_view value);

class CaseBook {
 public:
  explicit CaseBook(CaseConfig config) : config_(config) {}
  // Adds an escalation of `content_id` to its account's case and returns the case as it now is.
  // Without `remember`, the case is only looked up (shadow outcomes do not change cases).
  CaseView add(const std::string& account, const std::string& content_id, int64_t event_ms,
               int64_t detected_ms, int priority, int64_t deadline_ms, bool remember = true);
  // Takes a case back as its changelog recorded it (restore), as the most recently touched.
  void restore(CaseView view);
  size_t openCases() const { return index_.size(); }

 private:
  void remember(CaseView view);

  CaseConfig config_;
  std::list<CaseView> recent_;  // most recently touched first
  std::unordered_map<std::string, std::list<CaseView>::iterator> index_;
};

}  // namespace modstream
