#pragma once
// RecordDecoder turns an InputRecord from the posts or media topic into typed Content, or a
// RecordError that names the field at fault. One instance per worker thread: it reuses its simdjson
// parser's buffers, so it is not thread-safe.

#include <simdjson.h>

#include <cstddef>
#include <string>

#include "pipeline/core/record.h"
#include "pipeline/core/result.h"
#include "pipeline/input/content.h"

namespace modstream {

struct DecoderLimits {
  size_t max_record_bytes = 1 << 20;
  size_t max_text_bytes = 64 << 10;
  size_t max_media_per_post = 16;
  size_t max_json_depth = 32;
};

struct InputTopics {
  std::string posts = "posts";
  std::string media = "media";
  std::string decisions;  // empty: no decisions topic
};

// The "context" object of a post, given as JSON text, judged exactly as in a post on the posts
// topic (post.schema.json): unknown enum values and wrong types are schema_violation errors naming
// the field. For tools that read contexts outside the pipeline (`modstream text-risk`, corpora).
Result<PostContext> decodePostContext(std::string_view json);

class RecordDecoder {
 public:
  RecordDecoder(InputTopics topics, DecoderLimits limits);

  Result<Content> decode(const InputRecord& record);
  Result<Post> decodePost(std::string_view json);
  Result<MediaRecord> decodeMedia(const InputRecord& record) const;
  Result<ModeratorDecision> decodeDecision(std::string_view json);

 private:
  // The value as a JSON object, or malformed_json / schema_violation.
  Result<simdjson::dom::object> parseObject(std::string_view json);

  InputTopics topics_;
  DecoderLimits limits_;
  simdjson::dom::parser parser_;
};

}  // namespace modstream
