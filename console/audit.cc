#include "console/audit.h"

#include "console/sessions.h"

namespace modstream {

std::string auditRecord(const AuditEntry& entry, int64_t at_ms) {
  nlohmann::json record = {{"schema_version", 1},    {"audit_id", randomToken().substr(0, 32)},
                           {"at_ms", at_ms},         {"user", entry.user},
                           {"action", entry.action}, {"case_id", entry.case_id}};
  if (!entry.item.empty()) record["item"] = entry.item;
  if (!entry.category.empty()) record["category"] = entry.category;
  if (entry.expires_ms > 0) record["expires_ms"] = entry.expires_ms;
  return record.dump();
}

bool applyAudit(const nlohmann::json& record, CaseQueue& queue) {
  if (!record.is_object() || !record.contains("action") || !record["action"].is_string() ||
      !record.contains("user") || !record["user"].is_string()) {
    return false;
  }
  const std::string action = record["action"].get<std::string>();
  const std::string user = record["user"].get<std::string>();
  const std::string case_id = record.value("case_id", "");
  const int64_t at_ms = record.value("at_ms", int64_t{0});
  if (action == audit_action::kClaim) {
    queue.claim(case_id, user, record.value("expires_ms", int64_t{0}), at_ms);
  } else if (action == audit_action::kRelease) {
    queue.release(case_id, user);
  } else if (action == audit_action::kToLead) {
    queue.sendToLead(case_id);
  }
  return true;
}

}  // namespace modstream
