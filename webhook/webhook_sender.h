#pragma once
// Delivers one event to the webhook endpoint with libcurl: POST, JSON body, signed.
//
// Signature (verify it before trusting a request):
//   X-Modstream-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>
// The timestamp lets a receiver reject replays of old requests. X-Modstream-Event-Id carries the
// event's id for idempotent receivers (delivery is at least once).
//
// Thread-safety: one sender per thread (it keeps one connection alive).

#include <cstdint>
#include <string>

namespace modstream {

// "t=...,v1=..." for `body` signed at `unix_seconds`.
std::string webhookSignature(const std::string& secret, int64_t unix_seconds,
                             const std::string& body);

struct DeliveryAttempt {
  bool delivered = false;  // a 2xx answer
  bool retryable = false;  // worth another attempt (timeouts, 5xx, 408, 425, 429)
  long status = 0;         // HTTP status, 0 when no answer arrived
  std::string error;       // what went wrong, for logs and the dead letter
};

class WebhookSender {
 public:
  WebhookSender(std::string endpoint, std::string secret, int timeout_ms);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  DeliveryAttempt post(const std::string& body, const std::string& event_id,
                       const std::string& event_type, int64_t unix_seconds);

 private:
  std::string endpoint_;
  std::string secret_;
  int timeout_ms_;
  void* curl_;  // CURL*
};

}  // namespace modstream
