#pragma once
// Errors on the hot path are values, never exceptions. An error class is a short, stable,
// low-cardinality name (it becomes a metric label and a dead-letter header); the message says what
// and where in words a person can act on.

#include <string>
#include <string_view>

namespace modstream {

enum class ErrorClass {
  kMalformedJson,     // value is not valid JSON
  kSchemaViolation,   // valid JSON, but a required field is missing or has the wrong type
  kMissingHeader,     // a media record lacks a required header
  kRecordTooLarge,    // the record exceeds limits.max_record_bytes
  kUnknownTopic,      // a record arrived from a topic the pipeline does not read
  kStageFailure,      // a stage reported that it could not process the record
  kUnsupportedImage,  // media bytes are not an image format modstream decodes
  kImageTooLarge,     // declared dimensions or pixel count exceed the configured limits
  kCorruptImage,      // the image is truncated or corrupt, or decoding failed
  kUndeliverable,     // an event the webhook bridge could not deliver to its endpoint
  // (kUndeliverable stays last: metrics enumerate the classes up to it.)
};

std::string_view errorClassName(ErrorClass error_class);

// A failure to process one record: it is dead-lettered, never thrown.
struct RecordError {
  ErrorClass error_class;
  std::string stage;    // which stage or step found it ("decode", "exact_hash", ...)
  std::string message;  // what and where, e.g. "field 'account_id': expected a string"
};

}  // namespace modstream
