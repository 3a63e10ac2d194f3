#pragma once
// Cryptographic digests as lower-case hex, via OpenSSL's EVP interface.

#include <string>
#include <string_view>

namespace modstream {

enum class DigestType { kMd5, kSha1, kSha256 };

std::string hexDigest(DigestType type, std::string_view bytes);
std::string_view digestName(DigestType type);
// Hex digits in a digest of this type (32, 40, 64).
size_t digestHexLength(DigestType type);

}  // namespace modstream
