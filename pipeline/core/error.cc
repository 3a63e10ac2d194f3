#include "pipeline/core/error.h"

namespace modstream {

std::string_view errorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kMalformedJson:
      return "malformed_json";
    case ErrorClass::kSchemaViolation:
      return "schema_violation";
    case ErrorClass::kMissingHeader:
      return "missing_header";
    case ErrorClass::kRecordTooLarge:
      return "record_too_large";
    case ErrorClass::kUnknownTopic:
      return "unknown_topic";
    case ErrorClass::kStageFailure:
      return "stage_failure";
    case ErrorClass::kUnsupportedImage:
      return "unsupported_image";
    case ErrorClass::kImageTooLarge:
      return "image_too_large";
    case ErrorClass::kCorruptImage:
      return "corrupt_image";
    case ErrorClass::kUndeliverable:
      return "undeliverable";
  }
  return "unknown";
}

}  // namespace modstream
