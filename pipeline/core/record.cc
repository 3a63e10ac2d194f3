#include "pipeline/core/record.h"

namespace modstream {

InputRecord::InputRecord(SourceCoordinates source, std::optional<std::string_view> key,
                         std::string_view value, std::vector<Header> headers, int64_t timestamp_ms,
                         Owner owner)
    : source_(std::move(source)),
      key_(key),
      value_(value),
      headers_(std::move(headers)),
      timestamp_ms_(timestamp_ms),
      owner_(std::move(owner)) {}

namespace {
struct OwnedBytes {
  std::optional<std::string> key;
  std::string value;
};
}  // namespace

InputRecord InputRecord::owning(SourceCoordinates source, std::optional<std::string> key,
                                std::string value, std::vector<Header> headers,
                                int64_t timestamp_ms) {
  auto* bytes = new OwnedBytes{std::move(key), std::move(value)};
  Owner owner(bytes, [](void* p) { delete static_cast<OwnedBytes*>(p); });
  std::optional<std::string_view> key_view;
  if (bytes->key) key_view = *bytes->key;
  return InputRecord(std::move(source), key_view, bytes->value, std::move(headers), timestamp_ms,
                     std::move(owner));
}

std::optional<std::string_view> findHeader(const std::vector<Header>& headers,
                                           std::string_view name) {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return std::nullopt;
}

std::optional<std::string_view> InputRecord::header(std::string_view name) const {
  return findHeader(headers_, name);
}

size_t InputRecord::sizeBytes() const {
  size_t total = value_.size() + (key_ ? key_->size() : 0);
  for (const auto& h : headers_) total += h.name.size() + h.value.size();
  return total;
}

}  // namespace modstream
