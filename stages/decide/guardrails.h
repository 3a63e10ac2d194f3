#pragma once
// Guardrails on automatic actions.
//
// TakedownGuard: a token bucket limits automatic takedowns per second; takedowns over the limit
// go to moderators as escalations instead. When too many are diverted within a window (a burst,
// e.g. after a bad bank update), the circuit breaker opens: for `breaker_open_seconds` every
// automatic takedown becomes an escalation, the breaker gauge reads 1 and the alert fires. No
// takedown is ever dropped: it is either published or escalated.
//
// RecentActions: an action already taken on the same content (same content, evidence and
// action) within `dedup_ttl_seconds` is not published again; a re-sent record or a replay does
// not take the same content down twice.
//
// Config (under decide's `guardrails:`):
//   takedowns_per_second: 200
//   takedown_burst: 2000
//   breaker_threshold: 500        # diverted takedowns within the window that open the breaker
//   breaker_window_seconds: 60
//   breaker_open_seconds: 600
//   diverted_priority: P1         # the escalation a diverted takedown becomes
//   dedup_ttl_seconds: 3600
//   dedup_max_entries: 100000     # per worker; the oldest are forgotten first
//
// Thread-safety: one TakedownGuard per process, shared by every worker (locks a mutex);
// RecentActions belongs to one worker.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "pipeline/config/config_reader.h"

namespace modstream {

struct GuardrailConfig {
  double takedowns_per_second = 200;
  double takedown_burst = 2000;
  int64_t breaker_threshold = 500;
  int64_t breaker_window_seconds = 60;
  int64_t breaker_open_seconds = 600;
  int diverted_priority = 1;
  int64_t dedup_ttl_seconds = 3600;
  int64_t dedup_max_entries = 100000;
};

GuardrailConfig parseGuardrailConfig(ConfigMap map);

enum class TakedownVerdict { kAllowed, kRateLimited, kBreakerOpen };
const char* takedownVerdictName(TakedownVerdict verdict);

class TakedownGuard {
 public:
  // `registry` may be null (tools and tests without metrics).
  TakedownGuard(GuardrailConfig config, prometheus::Registry* registry);
  // Asks to take one piece of content down automatically at `now_ms`.
  TakedownVerdict request(int64_t now_ms);
  bool breakerOpen(int64_t now_ms) const;

 private:
  GuardrailConfig config_;
  mutable std::mutex mutex_;
  double tokens_;
  int64_t last_refill_ms_ = -1;
  std::deque<int64_t> diverted_;  // times of recent rate-limited takedowns
  int64_t open_until_ms_ = 0;
  prometheus::Gauge* breaker_gauge_ = nullptr;
  prometheus::Counter* breaker_opened_ = nullptr;
  prometheus::Family<prometheus::Counter>* diverted_family_ = nullptr;
};

class RecentActions {
 public:
  RecentActions(int64_t ttl_ms, size_t max_entries) : ttl_ms_(ttl_ms), max_(max_entries) {}
  // True when `key` was acted on within the TTL (the caller skips it); otherwise remembers it.
  bool seenBefore(const std::string& key, int64_t now_ms);

 private:
  struct Entry {
    std::string key;
    int64_t at_ms;
  };
  int64_t ttl_ms_;
  size_t max_;
  std::list<Entry> order_;  // oldest first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace modstream
