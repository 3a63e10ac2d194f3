#include "pipeline/core/content_hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace modstream {

std::string_view hashTypeName(HashType type) {
  switch (type) {
    case HashType::kMd5:
      return "md5";
    case HashType::kSha1:
      return "sha1";
    case HashType::kSha256:
      return "sha256";
    case HashType::kPdq:
      return "pdq";
  }
  return "unknown";
}

std::optional<HashType> parseHashType(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "md5") return HashType::kMd5;
  if (lower == "sha1" || lower == "sha-1") return HashType::kSha1;
  if (lower == "sha256" || lower == "sha-256") return HashType::kSha256;
  if (lower == "pdq") return HashType::kPdq;
  return std::nullopt;
}

size_t hashHexLength(HashType type) {
  switch (type) {
    case HashType::kMd5:
      return 32;
    case HashType::kSha1:
      return 40;
    case HashType::kSha256:
    case HashType::kPdq:
      return 64;
  }
  return 64;
}

std::string hexDigest(HashType type, std::string_view bytes) {
  const EVP_MD* md = nullptr;
  switch (type) {
    case HashType::kMd5:
      md = EVP_md5();
      break;
    case HashType::kSha1:
      md = EVP_sha1();
      break;
    case HashType::kSha256:
      md = EVP_sha256();
      break;
    case HashType::kPdq:
      return "";
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace modstream
