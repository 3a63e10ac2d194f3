#pragma once
// The hashes content is known by, one vocabulary for the whole tree: the client's hashes in a
// post's media, bank entries, bank matches, moderator decisions' confirmed hashes, the CLI. MD5,
// SHA-1 and SHA-256 are digests of the bytes (OpenSSL's EVP interface); PDQ is Meta's perceptual
// hash of an image (stages/hash_match/pdq.h). Values are lower-case hex.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace modstream {

enum class HashType { kMd5, kSha1, kSha256, kPdq };
// Every type, and the digests among them, in this order wherever hashes are listed.
inline constexpr HashType kHashTypes[] = {HashType::kMd5, HashType::kSha1, HashType::kSha256,
                                          HashType::kPdq};
inline constexpr HashType kDigestTypes[] = {HashType::kMd5, HashType::kSha1, HashType::kSha256};

// "md5", "sha1", "sha256", "pdq": the names in every file format, event and metric.
std::string_view hashTypeName(HashType type);
// One of those names, any case; "sha-1" and "sha-256" too. None for anything else.
std::optional<HashType> parseHashType(std::string_view name);
// Hex digits in a value of this type (32, 40, 64, 64).
size_t hashHexLength(HashType type);
// True for the digests of the bytes (md5, sha1, sha256); false for PDQ.
constexpr bool isDigest(HashType type) {
  return type != HashType::kPdq;
}

// The lower-case hex digest of `bytes`; `type` must be a digest (isDigest), else it is empty.
std::string hexDigest(HashType type, std::string_view bytes);

struct ContentHash {
  HashType type = HashType::kSha256;
  std::string value;  // lower-case hex
  auto operator<=>(const ContentHash&) const = default;
};

}  // namespace modstream
