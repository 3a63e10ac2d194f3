#pragma once
// Reads a sample firehose file (JSON Lines) into records to produce: used by `modstream demo` and
// by tests. One object per line:
//   {"topic": "posts", "key": "acct-1", "value": {...}}          value serialised as JSON
//   {"topic": "posts", "key": "acct-1", "value_text": "..."}     value sent as-is (e.g. broken
//   JSON)
//   {"topic": "media", "key": "acct-1", "headers": {"media_id": "m1", ...},
//    "value_file": "media/x.png"}                                value read from a file
// "topic" is a logical name (posts or media) mapped to the configured topic. Errors name file:line.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/core/record.h"

namespace modstream {

struct FirehoseRecord {
  std::string topic;  // "posts" or "media"
  std::optional<std::string> key;
  std::string value;
  std::vector<Header> headers;
  std::string note;  // optional "note" field: what the record is meant to show
};

struct FirehoseLoad {
  std::vector<FirehoseRecord> records;
  std::vector<std::string> errors;
};

FirehoseLoad loadSampleFirehose(const std::filesystem::path& file);

}  // namespace modstream
