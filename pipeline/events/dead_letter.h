#pragma once
// The dead-letter contract (config/schemas/dead-letter.md): the original key, value and headers,
// untouched, plus headers naming the error and where the record came from.

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
}  // namespace dead_letter_header

OutputRecord makeDeadLetter(const InputRecord& record, const RecordError& error, int64_t now_ms);

}  // namespace modstream
