#include "pipeline/core/dead_letter.h"

#include <algorithm>
#include <string>

#include "pipeline/core/content_hash.h"

namespace modstream {

OutputRecord makeDeadLetter(const InputRecord& record, const RecordError& error, int64_t now_ms) {
  namespace h = dead_letter_header;
  OutputRecord out{OutputTopic::kDeadLetter, std::nullopt, std::string(record.value()),
                   record.headers()};
  if (record.key()) out.key = std::string(*record.key());
  const auto& source = record.source();
  out.headers.push_back({h::kErrorClass, std::string(error.error_class.name())});
  out.headers.push_back({h::kErrorMessage, error.message});
  out.headers.push_back({h::kErrorStage, error.stage});
  out.headers.push_back({h::kSourceTopic, source.topic});
  out.headers.push_back({h::kSourcePartition, std::to_string(source.partition.value)});
  out.headers.push_back({h::kSourceOffset, std::to_string(source.offset.value)});
  out.headers.push_back({h::kSourceTimestampMs, std::to_string(record.timestampMs())});
  out.headers.push_back({h::kFailedAtMs, std::to_string(now_ms)});
  return out;
}

namespace {

// Kafka record format v2: the batch header, and per record its length, attributes, timestamp and
// offset deltas, key and value lengths and header count, each varint at its widest.
constexpr size_t kBatchHeaderBytes = 61;
constexpr size_t kRecordFramingBytes = 5 + 1 + 10 + 5 + 5 + 5 + 5;
constexpr size_t kHeaderFramingBytes = 5 + 5;

bool isModstreamHeader(const Header& header) {
  return std::string_view(header.name).starts_with("modstream.");
}

}  // namespace

size_t recordBatchBytes(const OutputRecord& record) {
  size_t bytes = kBatchHeaderBytes + kRecordFramingBytes + record.value.size();
  if (record.key) bytes += record.key->size();
  for (const auto& header : record.headers) {
    bytes += kHeaderFramingBytes + header.name.size() + header.value.size();
  }
  return bytes;
}

bool fitDeadLetter(OutputRecord& dead_letter, size_t max_batch_bytes) {
  namespace h = dead_letter_header;
  if (recordBatchBytes(dead_letter) <= max_batch_bytes) return false;
  const std::string original_bytes = std::to_string(dead_letter.value.size());
  dead_letter.headers.push_back({h::kValueTruncated, "true"});
  dead_letter.headers.push_back({h::kValueOriginalBytes, original_bytes});
  dead_letter.headers.push_back({h::kValueSha256, hexDigest(HashType::kSha256, dead_letter.value)});
  std::string value = std::move(dead_letter.value);
  dead_letter.value.clear();
  if (recordBatchBytes(dead_letter) > max_batch_bytes) {
    const auto dropped = std::erase_if(
        dead_letter.headers, [](const Header& header) { return !isModstreamHeader(header); });
    dead_letter.headers.push_back({h::kHeadersDropped, std::to_string(dropped)});
  }
  const size_t used = recordBatchBytes(dead_letter);
  const size_t room = used < max_batch_bytes ? max_batch_bytes - used : 0;
  value.resize(std::min(value.size(), room));
  dead_letter.value = std::move(value);
  return true;
}

}  // namespace modstream
