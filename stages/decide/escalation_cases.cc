#include "stages/decide/escalation_cases.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "pipeline/core/content_hash.h"

namespace modstream {

CaseConfig parseCaseConfig(ConfigMap map) {
  CaseConfig config;
  map.field("window_minutes", config.window_minutes, {1, 7 * 24 * 60});
  map.field("max_items", config.max_items, {1, 10000});
  map.field("max_open_cases", config.max_open_cases, {1, 100000000});
  map.finish();
  return config;
}

std::string caseIdFor(const std::string& account, int64_t window_start_ms) {
  return "case-" + hexDigest(HashType::kSha256, account + "\n" + std::to_string(window_start_ms))
                       .substr(0, 32);
}

CaseView CaseBook::add(const std::string& account, const std::string& content_id, int64_t event_ms,
                       int64_t detected_ms, int priority, int64_t deadline_ms, bool remember) {
  const int64_t window_ms = config_.window_minutes * 60 * 1000;
  // Floor division, so event times before 1970 (bad clocks) still land in one window.
  const int64_t window_start =
      (event_ms >= 0 ? event_ms : event_ms - window_ms + 1) / window_ms * window_ms;
  const std::string case_id = caseIdFor(account, window_start);
  CaseView fresh{
      case_id, window_start, window_start + window_ms, detected_ms, priority, deadline_ms, 0, {}};
  auto found = index_.find(case_id);
  CaseView view = found == index_.end() ? fresh : *found->second;
  view.priority = std::min(view.priority, priority);
  view.deadline_ms = std::min(view.deadline_ms, deadline_ms);
  view.item_count += 1;
  if (static_cast<int64_t>(view.items.size()) < config_.max_items) view.items.push_back(content_id);
  if (remember) this->remember(view);
  return view;
}

void CaseBook::restore(CaseView view) {
  remember(std::move(view));
}

void CaseBook::remember(CaseView view) {
  if (auto found = index_.find(view.case_id); found != index_.end()) {
    recent_.erase(found->second);
  }
  recent_.push_front(std::move(view));
  index_[recent_.front().case_id] = recent_.begin();
  while (static_cast<int64_t>(recent_.size()) > config_.max_open_cases) {
    index_.erase(recent_.back().case_id);
    recent_.pop_back();
  }
}

std::string encodeCase(const CaseView& view) {
  return nlohmann::json{{"case_id", view.case_id},
                        {"window_start_ms", view.window_start_ms},
                        {"window_end_ms", view.window_end_ms},
                        {"opened_at_ms", view.opened_at_ms},
                        {"priority", view.priority},
                        {"deadline_ms", view.deadline_ms},
                        {"item_count", view.item_count},
                        {"items", view.items}}
      .dump();
}

std::optional<CaseView> decodeCase(std::string_view value) {
  const auto json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  try {
    CaseView view;
    view.case_id = json.at("case_id").get<std::string>();
    view.window_start_ms = json.at("window_start_ms").get<int64_t>();
    view.window_end_ms = json.at("window_end_ms").get<int64_t>();
    view.opened_at_ms = json.at("opened_at_ms").get<int64_t>();
    view.priority = json.at("priority").get<int>();
    view.deadline_ms = json.at("deadline_ms").get<int64_t>();
    view.item_count = json.at("item_count").get<int64_t>();
    view.items = json.at("items").get<std::vector<std::string>>();
    if (view.case_id.empty()) return std::nullopt;
    return view;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace modstream
