#pragma once
// Errors on the hot path are values, never exceptions. An error class is a short, stable,
// low-cardinality name (it becomes a metric label and a dead-letter header); the message says what
// and where in words a person can act on.

#include <string>
#include <string_view>

namespace modstream {

// Core defines the classes of decoding and of the stage chain; a stage or program that raises
// classes of its own defines them beside the code that raises them (hash_match's image classes in
// stages/hash_match/image_decoder.h, the webhook bridge's `undeliverable`).
class ErrorClass {
 public:
  // `name` must outlive every use (a string literal).
  constexpr explicit ErrorClass(std::string_view name) : name_(name) {}
  constexpr std::string_view name() const { return name_; }
  constexpr bool operator==(const ErrorClass& other) const { return name_ == other.name_; }

  static const ErrorClass kMalformedJson;    // value is not valid JSON
  static const ErrorClass kSchemaViolation;  // valid JSON, but a required field is missing or bad
  static const ErrorClass kMissingHeader;    // a media record lacks a required header
  static const ErrorClass kRecordTooLarge;   // the record exceeds limits.max_record_bytes
  static const ErrorClass kUnknownTopic;     // a record from a topic the pipeline does not read
  static const ErrorClass kStageFailure;     // a stage could not process the record

 private:
  std::string_view name_;
};

inline constexpr ErrorClass ErrorClass::kMalformedJson{"malformed_json"};
inline constexpr ErrorClass ErrorClass::kSchemaViolation{"schema_violation"};
inline constexpr ErrorClass ErrorClass::kMissingHeader{"missing_header"};
inline constexpr ErrorClass ErrorClass::kRecordTooLarge{"record_too_large"};
inline constexpr ErrorClass ErrorClass::kUnknownTopic{"unknown_topic"};
inline constexpr ErrorClass ErrorClass::kStageFailure{"stage_failure"};

// A failure to process one record: it is dead-lettered, never thrown.
struct RecordError {
  ErrorClass error_class;
  std::string stage;    // which stage or step found it ("decode", "exact_hash", ...)
  std::string message;  // what and where, e.g. "field 'account_id': expected a string"
};

}  // namespace modstream
