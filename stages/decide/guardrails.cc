#include "stages/decide/guardrails.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "stages/decide/escalation.h"

namespace modstream {

GuardrailConfig parseGuardrailConfig(ConfigMap map) {
  GuardrailConfig config;
  map.field("takedowns_per_second", config.takedowns_per_second, {0.001, 1e9});
  map.field("takedown_burst", config.takedown_burst, {1.0, 1e9});
  map.field("breaker_threshold", config.breaker_threshold, {1, 1000000000});
  map.field("breaker_window_seconds", config.breaker_window_seconds, {1, 86400});
  map.field("breaker_open_seconds", config.breaker_open_seconds, {1, 7 * 86400});
  std::string diverted = priorityName(config.diverted_priority);
  map.field("diverted_priority", diverted);
  if (auto p = parsePriority(diverted)) {
    config.diverted_priority = *p;
  } else {
    map.errors().add(map.pathOf("diverted_priority"), "must be P0-P3, got '" + diverted + "'");
  }
  map.field("dedup_ttl_seconds", config.dedup_ttl_seconds, {0, 30 * 86400});
  map.field("dedup_max_entries", config.dedup_max_entries, {1, 100000000});
  map.finish();
  return config;
}

const char* takedownVerdictName(TakedownVerdict verdict) {
  switch (verdict) {
    case TakedownVerdict::kAllowed:
      return "allowed";
    case TakedownVerdict::kRateLimited:
      return "rate_limited";
    case TakedownVerdict::kBreakerOpen:
      return "breaker_open";
  }
  return "unknown";
}

TakedownGuard::TakedownGuard(GuardrailConfig config, prometheus::Registry* registry)
    : config_(config), tokens_(config.takedown_burst) {
  if (!registry) return;
  breaker_gauge_ = &prometheus::BuildGauge()
                        .Name("modstream_takedown_breaker_open")
                        .Help("1 while the takedown circuit breaker is open (takedowns escalated)")
                        .Register(*registry)
                        .Add({});
  breaker_opened_ = &prometheus::BuildCounter()
                         .Name("modstream_takedown_breaker_opened_total")
                         .Help("Times the takedown circuit breaker opened")
                         .Register(*registry)
                         .Add({});
  diverted_family_ = &prometheus::BuildCounter()
                          .Name("modstream_takedowns_diverted_total")
                          .Help("Automatic takedowns sent to moderators instead, by reason")
                          .Register(*registry);
  for (auto verdict : {TakedownVerdict::kRateLimited, TakedownVerdict::kBreakerOpen}) {
    diverted_family_->Add({{"reason", takedownVerdictName(verdict)}});
  }
  breaker_gauge_->Set(0);
}

bool TakedownGuard::breakerOpen(int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  return now_ms < open_until_ms_;
}

TakedownVerdict TakedownGuard::request(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (last_refill_ms_ >= 0 && now_ms > last_refill_ms_) {
    tokens_ = std::min(config_.takedown_burst,
                       tokens_ + config_.takedowns_per_second *
                                     static_cast<double>(now_ms - last_refill_ms_) / 1000.0);
  }
  last_refill_ms_ = std::max(last_refill_ms_, now_ms);
  TakedownVerdict verdict = TakedownVerdict::kAllowed;
  if (now_ms < open_until_ms_) {
    verdict = TakedownVerdict::kBreakerOpen;
  } else if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
  } else {
    verdict = TakedownVerdict::kRateLimited;
    diverted_.push_back(now_ms);
    while (!diverted_.empty() &&
           diverted_.front() <= now_ms - config_.breaker_window_seconds * 1000) {
      diverted_.pop_front();
    }
    if (static_cast<int64_t>(diverted_.size()) >= config_.breaker_threshold) {
      open_until_ms_ = now_ms + config_.breaker_open_seconds * 1000;
      diverted_.clear();
      spdlog::error(
          "takedown circuit breaker open for {} s: {} takedowns over {}/s within {} s; automatic "
          "takedowns go to moderators as {} escalations until it closes",
          config_.breaker_open_seconds, config_.breaker_threshold, config_.takedowns_per_second,
          config_.breaker_window_seconds, priorityName(config_.diverted_priority));
      if (breaker_opened_) breaker_opened_->Increment();
    }
  }
  if (breaker_gauge_) breaker_gauge_->Set(now_ms < open_until_ms_ ? 1 : 0);
  if (diverted_family_ && verdict != TakedownVerdict::kAllowed) {
    diverted_family_->Add({{"reason", takedownVerdictName(verdict)}}).Increment();
  }
  return verdict;
}

bool RecentActions::seenBefore(const std::string& key, int64_t now_ms) {
  while (!order_.empty() && (order_.front().at_ms <= now_ms - ttl_ms_ || order_.size() > max_)) {
    index_.erase(order_.front().key);
    order_.pop_front();
  }
  if (index_.count(key)) return true;
  order_.push_back(Entry{key, now_ms});
  index_[key] = std::prev(order_.end());
  return false;
}

}  // namespace modstream
