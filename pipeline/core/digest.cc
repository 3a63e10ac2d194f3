#include "pipeline/core/digest.h"

#include <openssl/evp.h>

#include <array>

namespace modstream {

std::string hexDigest(DigestType type, std::string_view bytes) {
  const EVP_MD* md = type == DigestType::kMd5    ? EVP_md5()
                     : type == DigestType::kSha1 ? EVP_sha1()
                                                 : EVP_sha256();
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

std::string_view digestName(DigestType type) {
  switch (type) {
    case DigestType::kMd5:
      return "md5";
    case DigestType::kSha1:
      return "sha1";
    case DigestType::kSha256:
      return "sha256";
  }
  return "sha256";
}

size_t digestHexLength(DigestType type) {
  switch (type) {
    case DigestType::kMd5:
      return 32;
    case DigestType::kSha1:
      return 40;
    case DigestType::kSha256:
      return 64;
  }
  return 64;
}

}  // namespace modstream
