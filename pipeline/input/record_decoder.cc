#include "pipeline/input/record_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace modstream {
namespace {

constexpr std::string_view kStage = "decode";

RecordError schemaError(std::string message) {
  return RecordError{ErrorClass::kSchemaViolation, std::string(kStage), std::move(message)};
}

// Input topics are keyed by account: a record whose key is not its account id is rejected.
std::optional<RecordError> wrongKey(const InputRecord& record, const AccountId& account) {
  if (record.key() && *record.key() == account.str()) return std::nullopt;
  return schemaError("record key must equal account_id '" + account.str() +
                     "' (input topics are keyed by account), got " +
                     (record.key() ? "'" + std::string(record.key()->substr(0, 80)) + "'"
                                   : std::string("no key")));
}

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Reads a required non-empty string field.
Result<std::string> requiredString(simdjson::dom::object obj, std::string_view field,
                                   std::string_view path) {
  simdjson::dom::element value;
  if (obj[field].get(value) != simdjson::SUCCESS) {
    return schemaError("missing required field '" + std::string(path) + "'");
  }
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return schemaError("field '" + std::string(path) + "': expected a string");
  }
  if (s.empty()) return schemaError("field '" + std::string(path) + "': must not be empty");
  return std::string(s);
}

// Where an id holds a character that must not reach a person's screen raw (post.schema.json's
// id pattern): a C0 or C1 control, DEL, or a bidirectional control. Checked on the UTF-8 bytes,
// which simdjson has already validated. Returns "U+XXXX at byte N", or nothing when printable.
std::optional<std::string> unprintableIn(std::string_view id) {
  const auto at = [](uint32_t code_point, size_t byte) {
    return fmt::format("U+{:04X} at byte {}", code_point, byte);
  };
  const auto* b = reinterpret_cast<const uint8_t*>(id.data());
  for (size_t i = 0; i < id.size(); ++i) {
    const size_t left = id.size() - i;
    if (b[i] < 0x20 || b[i] == 0x7F) return at(b[i], i);
    if (left >= 2 && b[i] == 0xC2 && b[i + 1] >= 0x80 && b[i + 1] <= 0x9F) return at(b[i + 1], i);
    if (left >= 2 && b[i] == 0xD8 && b[i + 1] == 0x9C) return at(0x061C, i);
    if (left >= 3 && b[i] == 0xE2 && b[i + 1] == 0x80 &&
        (b[i + 2] == 0x8E || b[i + 2] == 0x8F || (b[i + 2] >= 0xAA && b[i + 2] <= 0xAE))) {
      return at(0x2000 + (b[i + 2] - 0x80), i);
    }
    if (left >= 3 && b[i] == 0xE2 && b[i + 1] == 0x81 && b[i + 2] >= 0xA6 && b[i + 2] <= 0xA9) {
      return at(0x2040 + (b[i + 2] - 0x80), i);
    }
  }
  return std::nullopt;
}

// A schema_violation when `id` holds an unprintable character; `what` names where the id was
// ("field 'post_id'", "header 'media_id'").
std::optional<RecordError> unprintableId(std::string_view id, const std::string& what) {
  const auto where = unprintableIn(id);
  if (!where) return std::nullopt;
  return schemaError(what + ": ids must be printable; a control or bidirectional character " +
                     *where);
}

// Reads a required id: a non-empty string with no unprintable character.
Result<std::string> requiredId(simdjson::dom::object obj, std::string_view field,
                               std::string_view path) {
  auto id = requiredString(obj, field, path);
  if (!id.ok()) return id;
  if (auto error = unprintableId(id.value(), "field '" + std::string(path) + "'")) return *error;
  return id;
}

// Reads an optional string field; absent or null yields no value.
Result<std::optional<std::string>> optionalString(simdjson::dom::object obj, std::string_view field,
                                                  const std::string& path) {
  simdjson::dom::element value;
  if (obj[field].get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<std::string>{};
  }
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return schemaError("field '" + path + "': expected a string");
  }
  return std::optional<std::string>(std::string(s));
}

Result<std::optional<std::string>> optionalHash(simdjson::dom::object obj, std::string_view field,
                                                const std::string& path, size_t hex_digits) {
  auto value = optionalString(obj, field, path);
  if (!value.ok() || !value.value()) return value;
  std::string& hex = *value.value();
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (hex.size() != hex_digits || !isLowerHex(hex)) {
    return schemaError("field '" + path + "': expected " + std::to_string(hex_digits) +
                       " hex digits, got '" + hex.substr(0, 80) + "'");
  }
  return value;
}

Result<PostContext> decodeContext(simdjson::dom::object obj) {
  PostContext context;
  std::string_view kind = "public";
  simdjson::dom::element kind_el;
  if (obj["kind"].get(kind_el) == simdjson::SUCCESS &&
      kind_el.get_string().get(kind) != simdjson::SUCCESS) {
    return schemaError("field 'context.kind': expected a string");
  }
  if (kind == "public") {
    context.kind = PostKind::kPublic;
  } else if (kind == "reply") {
    context.kind = PostKind::kReply;
  } else if (kind == "direct_message") {
    context.kind = PostKind::kDirectMessage;
  } else {
    return schemaError("field 'context.kind': expected public, reply or direct_message, got '" +
                       std::string(kind.substr(0, 40)) + "'");
  }
  auto recipient = optionalString(obj, "recipient_account_id", "context.recipient_account_id");
  if (!recipient.ok()) return recipient.error();
  if (recipient.value()) {
    if (auto error = unprintableId(*recipient.value(), "field 'context.recipient_account_id'")) {
      return *error;
    }
  }
  if (recipient.value()) context.recipient_account_id = AccountId(*recipient.value());
  auto reply_to = optionalString(obj, "in_reply_to", "context.in_reply_to");
  if (!reply_to.ok()) return reply_to.error();
  if (reply_to.value()) {
    if (auto error = unprintableId(*reply_to.value(), "field 'context.in_reply_to'")) {
      return *error;
    }
  }
  if (reply_to.value()) context.in_reply_to = PostId(*reply_to.value());

  simdjson::dom::element el;
  if (obj["recipient_is_minor"].get(el) == simdjson::SUCCESS && !el.is_null() &&
      el.get_bool().get(context.recipient_is_minor) != simdjson::SUCCESS) {
    return schemaError("field 'context.recipient_is_minor': expected true or false");
  }
  if (obj["account_age_days"].get(el) == simdjson::SUCCESS && !el.is_null()) {
    int64_t days = 0;
    if (el.get_int64().get(days) != simdjson::SUCCESS || days < 0) {
      return schemaError("field 'context.account_age_days': expected a non-negative integer");
    }
    context.account_age_days = days;
  }
  if (context.kind == PostKind::kDirectMessage && !context.recipient_account_id) {
    return schemaError(
        "field 'context.recipient_account_id': required when kind is direct_message");
  }
  return context;
}

}  // namespace

Result<PostContext> decodePostContext(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get_object().get(obj) != simdjson::SUCCESS) {
    return schemaError("field 'context': expected an object");
  }
  return decodeContext(obj);
}

namespace {

Result<MediaRef> decodeMediaRef(simdjson::dom::element el, size_t index) {
  const std::string prefix = "media[" + std::to_string(index) + "]";
  simdjson::dom::object obj;
  if (el.get_object().get(obj) != simdjson::SUCCESS) {
    return schemaError("field '" + prefix + "': expected an object");
  }
  MediaRef ref;
  auto id = requiredId(obj, "media_id", prefix + ".media_id");
  if (!id.ok()) return id.error();
  ref.media_id = MediaId(std::move(id).value());
  for (const HashType type : kHashTypes) {
    const std::string_view name = hashTypeName(type);
    auto hash = optionalHash(obj, name, prefix + "." + std::string(name), hashHexLength(type));
    if (!hash.ok()) return hash.error();
    if (hash.value()) ref.hashes.push_back({type, std::move(*hash.value())});
  }
  return ref;
}

}  // namespace

RecordDecoder::RecordDecoder(InputTopics topics, DecoderLimits limits)
    : topics_(std::move(topics)), limits_(limits) {
  // Depth is bounded so that hostile nesting costs a fixed amount of memory. simdjson counts the
  // document root as a level of its own, so a post nesting exactly max_json_depth objects and
  // arrays (the post object being the first) needs one more (found by the hostile-input sweep).
  if (parser_.allocate(limits_.max_record_bytes, limits_.max_json_depth + 1) != simdjson::SUCCESS) {
    throw std::bad_alloc();
  }
}

Result<Content> RecordDecoder::decode(const InputRecord& record) {
  if (record.value().size() > limits_.max_record_bytes) {
    return RecordError{ErrorClass::kRecordTooLarge, std::string(kStage),
                       "record value is " + std::to_string(record.value().size()) +
                           " bytes; limits.max_record_bytes is " +
                           std::to_string(limits_.max_record_bytes)};
  }
  const std::string& topic = record.source().topic;
  if (topic == topics_.posts) {
    auto post = decodePost(record.value());
    if (!post.ok()) return post.error();
    if (auto wrong = wrongKey(record, post.value().account_id)) return *wrong;
    return Content(std::move(post).value());
  }
  if (topic == topics_.media) {
    auto media = decodeMedia(record);
    if (!media.ok()) return media.error();
    return Content(std::move(media).value());
  }
  if (!topics_.decisions.empty() && topic == topics_.decisions) {
    auto decision = decodeDecision(record.value());
    if (!decision.ok()) return decision.error();
    if (auto wrong = wrongKey(record, decision.value().account_id)) return *wrong;
    return Content(std::move(decision).value());
  }
  return RecordError{ErrorClass::kUnknownTopic, std::string(kStage),
                     "topic '" + topic + "' is not an input topic"};
}

Result<simdjson::dom::object> RecordDecoder::parseObject(std::string_view json) {
  simdjson::dom::element doc;
  if (auto error = parser_.parse(json.data(), json.size()).get(doc); error) {
    if (error == simdjson::DEPTH_ERROR) {  // a limit, like the sizes: named so it can be tuned
      return RecordError{ErrorClass::kRecordTooLarge, std::string(kStage),
                         "value nests objects and arrays deeper than limits.max_json_depth (" +
                             std::to_string(limits_.max_json_depth) + ")"};
    }
    return RecordError{ErrorClass::kMalformedJson, std::string(kStage),
                       std::string("value is not valid JSON: ") + simdjson::error_message(error)};
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return schemaError("value must be a JSON object");
  }
  return obj;
}

Result<ModeratorDecision> RecordDecoder::decodeDecision(std::string_view json) {
  auto parsed = parseObject(json);
  if (!parsed.ok()) return parsed.error();
  const simdjson::dom::object obj = parsed.value();
  ModeratorDecision decision;
  auto case_id = requiredString(obj, "case_id", "case_id");
  if (!case_id.ok()) return case_id.error();
  decision.case_id = std::move(case_id).value();
  auto account_id = requiredId(obj, "account_id", "account_id");
  if (!account_id.ok()) return account_id.error();
  decision.account_id = AccountId(std::move(account_id).value());
  auto verdict = requiredString(obj, "decision", "decision");
  if (!verdict.ok()) return verdict.error();
  if (verdict.value() == "confirmed") {
    decision.verdict = Verdict::kConfirmed;
  } else if (verdict.value() == "dismissed") {
    decision.verdict = Verdict::kDismissed;
  } else {
    return schemaError("field 'decision': must be confirmed or dismissed, got '" +
                       verdict.value().substr(0, 80) + "'");
  }
  auto category = requiredString(obj, "category", "category");
  if (!category.ok()) return category.error();
  decision.category = std::move(category).value();
  simdjson::dom::element el;
  if (obj["decided_at_ms"].get(el) != simdjson::SUCCESS ||
      el.get_int64().get(decision.decided_at_ms) != simdjson::SUCCESS ||
      decision.decided_at_ms < 0) {
    return schemaError("field 'decided_at_ms': expected a non-negative integer (ms since epoch)");
  }
  simdjson::dom::array hashes;
  if (obj["media_hashes"].get(el) == simdjson::SUCCESS && !el.is_null()) {
    if (el.get_array().get(hashes) != simdjson::SUCCESS) {
      return schemaError("field 'media_hashes': expected an array");
    }
    size_t i = 0;
    for (auto item : hashes) {
      const std::string path = "media_hashes[" + std::to_string(i++) + "]";
      simdjson::dom::object hash;
      if (item.get_object().get(hash) != simdjson::SUCCESS) {
        return schemaError("field '" + path + "': expected an object");
      }
      auto name = requiredString(hash, "type", path + ".type");
      if (!name.ok()) return name.error();
      // The schema's names exactly (parseHashType would also take "SHA-1").
      const std::optional<HashType> type = parseHashType(name.value());
      if (!type || hashTypeName(*type) != name.value()) {
        return schemaError("field '" + path + ".type': must be md5, sha1, sha256 or pdq");
      }
      auto value = optionalHash(hash, "value", path + ".value", hashHexLength(*type));
      if (!value.ok()) return value.error();
      if (!value.value()) return schemaError("missing required field '" + path + ".value'");
      decision.media_hashes.push_back({*type, *value.value()});
    }
  }
  return decision;
}

Result<Post> RecordDecoder::decodePost(std::string_view json) {
  auto parsed = parseObject(json);
  if (!parsed.ok()) return parsed.error();
  const simdjson::dom::object obj = parsed.value();
  Post post;
  auto post_id = requiredId(obj, "post_id", "post_id");
  if (!post_id.ok()) return post_id.error();
  post.post_id = PostId(std::move(post_id).value());
  auto account_id = requiredId(obj, "account_id", "account_id");
  if (!account_id.ok()) return account_id.error();
  post.account_id = AccountId(std::move(account_id).value());

  simdjson::dom::element el;
  if (obj["created_at_ms"].get(el) != simdjson::SUCCESS) {
    return schemaError("missing required field 'created_at_ms'");
  }
  if (el.get_int64().get(post.created_at_ms) != simdjson::SUCCESS || post.created_at_ms < 0) {
    return schemaError("field 'created_at_ms': expected a non-negative integer (ms since epoch)");
  }
  std::string_view text;
  if (obj["text"].get(el) != simdjson::SUCCESS) return schemaError("missing required field 'text'");
  if (el.get_string().get(text) != simdjson::SUCCESS) {
    return schemaError("field 'text': expected a string");
  }
  if (text.size() > limits_.max_text_bytes) {
    return RecordError{ErrorClass::kRecordTooLarge, std::string(kStage),
                       "field 'text' is " + std::to_string(text.size()) +
                           " bytes; limits.max_text_bytes is " +
                           std::to_string(limits_.max_text_bytes)};
  }
  post.text = std::string(text);

  if (obj["context"].get(el) == simdjson::SUCCESS && !el.is_null()) {
    simdjson::dom::object context_obj;
    if (el.get_object().get(context_obj) != simdjson::SUCCESS) {
      return schemaError("field 'context': expected an object");
    }
    auto context = decodeContext(context_obj);
    if (!context.ok()) return context.error();
    post.context = std::move(context).value();
  }

  if (obj["media"].get(el) == simdjson::SUCCESS && !el.is_null()) {
    simdjson::dom::array media;
    if (el.get_array().get(media) != simdjson::SUCCESS) {
      return schemaError("field 'media': expected an array");
    }
    if (media.size() > limits_.max_media_per_post) {
      return RecordError{ErrorClass::kRecordTooLarge, std::string(kStage),
                         "field 'media' has " + std::to_string(media.size()) +
                             " items; limits.max_media_per_post is " +
                             std::to_string(limits_.max_media_per_post)};
    }
    size_t index = 0;
    for (simdjson::dom::element item : media) {
      auto ref = decodeMediaRef(item, index++);
      if (!ref.ok()) return ref.error();
      post.media.push_back(std::move(ref).value());
    }
  }
  return post;
}

Result<MediaRecord> RecordDecoder::decodeMedia(const InputRecord& record) const {
  MediaRecord media;
  auto required = [&](std::string_view name) -> Result<std::string> {
    auto value = record.header(name);
    if (!value || value->empty()) {
      return RecordError{ErrorClass::kMissingHeader, std::string(kStage),
                         "media record lacks required header '" + std::string(name) + "'"};
    }
    if (auto error = unprintableId(*value, "header '" + std::string(name) + "'")) return *error;
    return std::string(*value);
  };
  auto media_id = required("media_id");
  if (!media_id.ok()) return media_id.error();
  auto account_id = required("account_id");
  if (!account_id.ok()) return account_id.error();
  auto content_type = required("content_type");
  if (!content_type.ok()) return content_type.error();
  media.media_id = MediaId(std::move(media_id).value());
  media.account_id = AccountId(std::move(account_id).value());
  media.content_type = std::move(content_type).value();
  if (auto post_id = record.header("post_id"); post_id && !post_id->empty()) {
    if (auto error = unprintableId(*post_id, "header 'post_id'")) return *error;
    media.post_id = PostId(std::string(*post_id));
  }
  if (!record.key() || *record.key() != media.account_id.str()) {
    return schemaError("record key must equal header account_id '" + media.account_id.str() + "'");
  }
  if (record.value().empty()) return schemaError("media record has an empty value");
  media.bytes = record.value();
  return media;
}

}  // namespace modstream
