#pragma once
// InputRecord: one record read from an input topic, with views into bytes it owns. Records made by
// the Kafka consumer own the librdkafka message (no copy of key or value); records made in tests
// own std::strings. Movable, not copyable; used by one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/core/ids.h"

namespace modstream {

struct Header {
  std::string name;
  std::string value;
};

// The value of the first header called `name` in `headers`, if any.
std::optional<std::string_view> findHeader(const std::vector<Header>& headers,
                                           std::string_view name);

class InputRecord {
 public:
  // Takes ownership of bytes that the views point into (for example an rd_kafka_message_t).
  using Owner = std::unique_ptr<void, void (*)(void*)>;

  InputRecord(SourceCoordinates source, std::optional<std::string_view> key, std::string_view value,
              std::vector<Header> headers, int64_t timestamp_ms, Owner owner);

  // A record that owns copies of its key and value: for tests, demos and generators.
  static InputRecord owning(SourceCoordinates source, std::optional<std::string> key,
                            std::string value, std::vector<Header> headers = {},
                            int64_t timestamp_ms = 0);

  const SourceCoordinates& source() const { return source_; }
  std::optional<std::string_view> key() const { return key_; }
  std::string_view value() const { return value_; }
  const std::vector<Header>& headers() const { return headers_; }
  int64_t timestampMs() const { return timestamp_ms_; }
  // The first header with this name, if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // Bytes counted against processing.max_in_flight_bytes.
  size_t sizeBytes() const;

 private:
  SourceCoordinates source_;
  std::optional<std::string_view> key_;
  std::string_view value_;
  std::vector<Header> headers_;
  int64_t timestamp_ms_;
  Owner owner_;
};

// A record to publish: the topic is a logical name resolved by the runtime from `topics` in the
// config, except a stage's own changelog, which the stage names (OutputRecord::changelog_topic).
enum class OutputTopic {
  kTakedowns,
  kEscalations,
  kDeadLetter,
  kShadow,
  kStateChangelog,
};

struct OutputRecord {
  OutputTopic topic;
  std::optional<std::string> key;
  std::string value;
  std::vector<Header> headers;
  // The partition to write to; unset lets the producer's partitioner choose. State changelogs
  // write to the partition of the input partition they mirror.
  std::optional<int32_t> partition = std::nullopt;
  // A null value: deletes the key from a compacted topic (`value` is ignored).
  bool tombstone = false;
  // For kStateChangelog: the topic, as the stage's config names it.
  std::string changelog_topic = {};

  // The first header with this name, if any.
  std::optional<std::string_view> header(std::string_view name) const {
    return findHeader(headers, name);
  }
};

}  // namespace modstream
