#pragma once
// The webhook bridge: a consumer group member that delivers every record of the configured topics
// (takedown and escalation events) to an HTTP endpoint, in order per partition, at least once.
// Failed attempts are retried with exponential back-off and jitter; an event that is refused
// (4xx) or still failing after max_attempts goes to the dead-letter topic with the original
// bytes and an `undeliverable` error naming the last answer. An offset is stored only once its
// event is delivered or its dead letter acknowledged, so nothing is lost.
//
// Threading: run() on one thread; stop() from any.

#include <atomic>
#include <cstdint>
#include <functional>

#include "webhook/webhook_config.h"

namespace modstream {

struct WebhookStats {
  uint64_t delivered = 0;
  uint64_t dead_lettered = 0;
  uint64_t attempts = 0;
};

class WebhookBridge {
 public:
  explicit WebhookBridge(WebhookConfig config) : config_(std::move(config)) {}
  // Returns 0 after stop(), non-zero when Kafka or the dead-letter topic failed.
  int run();
  void stop() { stop_ = true; }
  WebhookStats stats() const;

 private:
  // Sleeps up to `ms`, waking early on stop(); false when stopping.
  bool pause(int64_t ms) const;

  WebhookConfig config_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> delivered_{0}, dead_lettered_{0}, attempts_{0};
};

}  // namespace modstream
