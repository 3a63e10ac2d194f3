#pragma once
// The dead-letter contract (config/schemas/dead-letter.md): the original key, value and headers,
// untouched, plus headers naming the error and where the record came from. A record too large for
// the dead-letter topic is carried in a truncated form instead (fitDeadLetter), so that no record
// the pipeline can read ever fails to be dead-lettered and stalls its partition.

#include "pipeline/core/error.h"
#include "pipeline/core/record.h"

namespace modstream {

namespace dead_letter_header {
inline constexpr const char* kErrorClass = "modstream.error.class";
inline constexpr const char* kErrorMessage = "modstream.error.message";
inline constexpr const char* kErrorStage = "modstream.error.stage";
inline constexpr const char* kSourceTopic = "modstream.source.topic";
inline constexpr const char* kSourcePartition = "modstream.source.partition";
inline constexpr const char* kSourceOffset = "modstream.source.offset";
inline constexpr const char* kSourceTimestampMs = "modstream.source.timestamp_ms";
inline constexpr const char* kFailedAtMs = "modstream.failed_at_ms";
// Only on a truncated dead letter:
inline constexpr const char* kValueTruncated = "modstream.value.truncated";  // "true"
inline constexpr const char* kValueOriginalBytes = "modstream.value.original_bytes";
inline constexpr const char* kValueSha256 = "modstream.value.sha256";  // of the whole original
inline constexpr const char* kHeadersDropped = "modstream.headers.dropped";  // original headers
}  // namespace dead_letter_header

OutputRecord makeDeadLetter(const InputRecord& record, const RecordError& error, int64_t now_ms);

// An upper bound of the bytes `record` takes in a Kafka record batch of its own (record format
// v2: batch header, per-record framing, varint lengths at their widest), which is what a broker
// compares with a topic's max.message.bytes.
size_t recordBatchBytes(const OutputRecord& record);

// Makes `dead_letter` fit in `max_batch_bytes` (see recordBatchBytes) when it does not: the value
// is cut to its first bytes and marked with kValueTruncated, kValueOriginalBytes and kValueSha256;
// if the original headers alone leave no room, they are dropped too (kHeadersDropped counts them).
// Returns false, changing nothing, when the record already fits.
bool fitDeadLetter(OutputRecord& dead_letter, size_t max_batch_bytes);

}  // namespace modstream
