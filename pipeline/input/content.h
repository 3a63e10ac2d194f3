#pragma once
// The decoded input contract (config/schemas/post.schema.json, config/schemas/media-record.md).
// Decoded once per record by RecordDecoder, then read by every stage.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pipeline/core/content_hash.h"
#include "pipeline/core/ids.h"

namespace modstream {

enum class PostKind { kPublic, kReply, kDirectMessage };

struct PostContext {
  PostKind kind = PostKind::kPublic;
  std::optional<AccountId> recipient_account_id;
  bool recipient_is_minor = false;
  std::optional<int64_t> account_age_days;
  std::optional<PostId> in_reply_to;
};

// A media item referenced from a post, with hashes the client computed, at most one per type.
struct MediaRef {
  MediaId media_id;
  std::vector<ContentHash> hashes;
  // The value of the hash of `type`, if the client sent one.
  std::optional<std::string_view> hash(HashType type) const {
    for (const auto& h : hashes) {
      if (h.type == type) return h.value;
    }
    return std::nullopt;
  }
};

struct Post {
  PostId post_id;
  AccountId account_id;
  int64_t created_at_ms = 0;
  std::string text;
  PostContext context;
  std::vector<MediaRef> media;
};

// Raw image bytes from the media topic; bytes view the InputRecord that carried them.
struct MediaRecord {
  MediaId media_id;
  AccountId account_id;
  std::optional<PostId> post_id;
  std::string content_type;
  std::string_view bytes;
};

// A moderator's decision on an escalation (config/schemas/moderator-decision.schema.json), from
// the decisions topic; the reputation stage counts it, and confirmed media hashes may feed a bank.
enum class Verdict { kConfirmed, kDismissed };

struct ModeratorDecision {
  std::string case_id;
  AccountId account_id;
  Verdict verdict = Verdict::kConfirmed;
  std::string category;
  int64_t decided_at_ms = 0;
  std::vector<ContentHash> media_hashes;  // of the confirmed media, for the confirmed-hash bank
};

using Content = std::variant<Post, MediaRecord, ModeratorDecision>;

const AccountId& accountOf(const Content& content);
std::string_view postKindName(PostKind kind);

}  // namespace modstream
