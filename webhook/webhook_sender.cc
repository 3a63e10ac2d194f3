#include "webhook/webhook_sender.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace modstream {
namespace {

size_t discardBody(char* /*data*/, size_t size, size_t count, void* /*user*/) {
  return size * count;
}

struct HeaderList {
  curl_slist* list = nullptr;
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  void add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
  ~HeaderList() { curl_slist_free_all(list); }
};

}  // namespace

std::string webhookSignature(const std::string& secret, int64_t unix_seconds,
                             const std::string& body) {
  const std::string signed_text = std::to_string(unix_seconds) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac,
       &mac_length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < mac_length; ++i) {
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 0xf];
  }
  return "t=" + std::to_string(unix_seconds) + ",v1=" + hex;
}

WebhookSender::WebhookSender(std::string endpoint, std::string secret, int timeout_ms)
    : endpoint_(std::move(endpoint)),
      secret_(std::move(secret)),
      timeout_ms_(timeout_ms),
      curl_(curl_easy_init()) {
  if (!curl_) throw std::runtime_error("cannot initialise libcurl");
}

WebhookSender::~WebhookSender() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

DeliveryAttempt WebhookSender::post(const std::string& body, const std::string& event_id,
                                    const std::string& event_type, int64_t unix_seconds) {
  CURL* curl = static_cast<CURL*>(curl_);
  HeaderList headers;
  headers.add("Content-Type: application/json");
  headers.add("X-Modstream-Signature: " + webhookSignature(secret_, unix_seconds, body));
  if (!event_id.empty()) headers.add("X-Modstream-Event-Id: " + event_id);
  if (!event_type.empty()) headers.add("X-Modstream-Event-Type: " + event_type);
  headers.add("Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, endpoint_.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discardBody);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "modstream-webhook");
  DeliveryAttempt attempt;
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    attempt.retryable = true;  // no answer: the endpoint may be down or slow
    attempt.error = curl_easy_strerror(code);
    return attempt;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &attempt.status);
  attempt.delivered = attempt.status >= 200 && attempt.status < 300;
  if (!attempt.delivered) {
    // A 4xx says the request itself is refused, and it will be refused again; these are not.
    attempt.retryable = attempt.status >= 500 || attempt.status == 408 || attempt.status == 425 ||
                        attempt.status == 429;
    attempt.error = "HTTP " + std::to_string(attempt.status);
  }
  return attempt;
}

}  // namespace modstream
