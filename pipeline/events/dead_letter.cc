#include "pipeline/events/dead_letter.h"

#include <string>

namespace modstream {

OutputRecord makeDeadLetter(const InputRecord& record, const RecordError& error, int64_t now_ms) {
  namespace h = dead_letter_header;
  OutputRecord out{OutputTopic::kDeadLetter, std::nullopt, std::string(record.value()),
                   record.headers()};
  if (record.key()) out.key = std::string(*record.key());
  const auto& source = record.source();
  out.headers.push_back({h::kErrorClass, std::string(errorClassName(error.error_class))});
  out.headers.push_back({h::kErrorMessage, error.message});
  out.headers.push_back({h::kErrorStage, error.stage});
  out.headers.push_back({h::kSourceTopic, source.topic});
  out.headers.push_back({h::kSourcePartition, std::to_string(source.partition.value)});
  out.headers.push_back({h::kSourceOffset, std::to_string(source.offset.value)});
  out.headers.push_back({h::kSourceTimestampMs, std::to_string(record.timestampMs())});
  out.headers.push_back({h::kFailedAtMs, std::to_string(now_ms)});
  return out;
}

}  // namespace modstream
