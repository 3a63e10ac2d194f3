#include "console/case_queue.h"

#include <mutex>

namespace modstream {
namespace {

std::string text(const nlohmann::json& value, const char* key) {
  const auto it = value.find(key);
  return it != value.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t integer(const nlohmann::json& value, const char* key, int64_t fallback = 0) {
  const auto it = value.find(key);
  return it != value.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

bool minorRecipient(const nlohmann::json& event) {
  const auto context = event.find("context");
  if (context == event.end() || !context->is_object()) return false;
  const auto minor = context->find("recipient_is_minor");
  return text(*context, "kind") == "direct_message" && minor != context->end() &&
         minor->is_boolean() && minor->get<bool>();
}

}  // namespace

bool CaseQueue::addEscalation(const nlohmann::json& event) {
  if (!event.is_object()) return false;
  const auto case_it = event.find("case");
  if (case_it == event.end() || !case_it->is_object()) return false;
  const std::string case_id = text(*case_it, "case_id");
  const std::string event_id = text(event, "event_id");
  const auto priority = parsePriority(text(event, "priority"));
  if (case_id.empty() || event_id.empty() || !priority) return false;
  std::unique_lock lock(mutex_);
  if (!event_ids_.insert(event_id).second) return false;
  auto [it, fresh] = cases_.try_emplace(case_id);
  Case& c = it->second;
  const CaseSummary before = c.summary;
  const int64_t detected_ms = integer(event, "detected_at_ms");
  if (!fresh && !isOpen(c)) {
    if (detected_ms <= c.decided_ms) {
      c.items.push_back(event);  // decided with the case: kept for the record, no reopening
      ++version_;
      return true;
    }
    // Something new happened after the decision: the case is open again with the new items.
    c.decided_ms = -1;
    c.summary = CaseSummary{};
    c.items.clear();
    fresh = true;
  }
  CaseSummary& s = c.summary;
  const int64_t deadline = integer(event, "deadline_ms");
  if (fresh) {
    s.case_id = case_id;
    s.account_id = text(event, "account_id");
    s.priority = *priority;
    s.deadline_ms = deadline;
    s.opened_ms = detected_ms;
  } else {
    s.priority = std::min(s.priority, *priority);
    s.deadline_ms = std::min(s.deadline_ms, deadline);
    s.opened_ms = std::min(s.opened_ms, detected_ms);
  }
  const std::string category = text(event, "category");
  if (!category.empty()) s.categories.insert(category);
  if (const auto categories = event.find("categories");
      categories != event.end() && categories->is_array()) {
    for (const auto& entry : *categories) {
      if (entry.is_object() && !text(entry, "category").empty()) {
        s.categories.insert(text(entry, "category"));
      }
    }
  }
  s.minor_recipient = s.minor_recipient || minorRecipient(event);
  c.items.push_back(event);
  s.items = c.items.size();
  if (fresh) {
    open_.insert(orderOf(s));
  } else {
    reorder(c, before);
  }
  ++version_;
  return true;
}

void CaseQueue::reorder(Case& c, const CaseSummary& before) {
  if (!isOpen(c)) return;
  open_.erase(orderOf(before));
  open_.insert(orderOf(c.summary));
}

bool CaseQueue::addDecision(const nlohmann::json& decision) {
  if (!decision.is_object()) return false;
  const std::string case_id = text(decision, "case_id");
  const std::string account = text(decision, "account_id");
  if (case_id.empty() || account.empty()) return false;
  std::unique_lock lock(mutex_);
  decisions_by_account_[account].push_back(decision);
  auto [it, fresh] = cases_.try_emplace(case_id);
  Case& c = it->second;
  if (fresh) {
    // The decision came first (topics are read side by side): the case stays closed for the
    // items it covers when they arrive.
    c.summary.case_id = case_id;
    c.summary.account_id = account;
  } else if (isOpen(c)) {
    open_.erase(orderOf(c.summary));
  }
  c.decided_ms = std::max<int64_t>(0, integer(decision, "decided_at_ms"));
  c.summary.decision = text(decision, "decision");
  c.summary.claimed_by.clear();
  ++version_;
  return true;
}

bool CaseQueue::claim(const std::string& case_id, const std::string& user, int64_t expires_ms,
                      int64_t now_ms) {
  std::unique_lock lock(mutex_);
  auto it = cases_.find(case_id);
  if (it == cases_.end() || !isOpen(it->second)) return false;
  CaseSummary& s = it->second.summary;
  const bool held_by_other =
      !s.claimed_by.empty() && s.claimed_by != user && s.claim_expires_ms > now_ms;
  if (held_by_other) return false;
  s.claimed_by = user;
  s.claim_expires_ms = expires_ms;
  ++version_;
  return true;
}

void CaseQueue::release(const std::string& case_id, const std::string& user) {
  std::unique_lock lock(mutex_);
  auto it = cases_.find(case_id);
  if (it == cases_.end() || it->second.summary.claimed_by != user) return;
  it->second.summary.claimed_by.clear();
  ++version_;
}

void CaseQueue::sendToLead(const std::string& case_id) {
  std::unique_lock lock(mutex_);
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return;
  it->second.summary.with_lead = true;
  it->second.summary.claimed_by.clear();
  ++version_;
}

CaseSummary CaseQueue::withLiveClaim(const CaseSummary& summary, int64_t now_ms) const {
  CaseSummary out = summary;
  if (out.claim_expires_ms <= now_ms) out.claimed_by.clear();
  return out;
}

QueuePage CaseQueue::page(const QueueFilter& filter, size_t offset, size_t limit,
                          int64_t now_ms) const {
  std::shared_lock lock(mutex_);
  QueuePage page;
  for (const auto& key : open_) {
    const CaseSummary& s = cases_.at(std::get<2>(key)).summary;
    if (s.with_lead != filter.lead_queue) continue;
    page.by_priority[static_cast<size_t>(s.priority)] += 1;
    if (s.deadline_ms < now_ms) page.overdue += 1;
    if (filter.priority && s.priority != *filter.priority) continue;
    if (!filter.category.empty() && !s.categories.count(filter.category)) continue;
    if (filter.minor_recipient && !s.minor_recipient) continue;
    if (page.matching >= offset && page.cases.size() < limit) {
      page.cases.push_back(withLiveClaim(s, now_ms));
    }
    page.matching += 1;
  }
  return page;
}

std::optional<CaseDetail> CaseQueue::detail(const std::string& case_id, int64_t now_ms) const {
  std::shared_lock lock(mutex_);
  auto it = cases_.find(case_id);
  if (it == cases_.end() || it->second.items.empty()) return std::nullopt;
  CaseDetail detail{withLiveClaim(it->second.summary, now_ms), it->second.items, {}};
  if (auto decisions = decisions_by_account_.find(detail.summary.account_id);
      decisions != decisions_by_account_.end()) {
    detail.decisions = decisions->second;
  }
  return detail;
}

std::optional<std::string> CaseQueue::holder(const std::string& case_id, int64_t now_ms) const {
  std::shared_lock lock(mutex_);
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return std::nullopt;
  return withLiveClaim(it->second.summary, now_ms).claimed_by;
}

uint64_t CaseQueue::version() const {
  std::shared_lock lock(mutex_);
  return version_;
}

}  // namespace modstream
