#include "app/cli/terminal_text.h"

#include <fmt/format.h>
#include <unicode/utf8.h>

namespace modstream::cli {
namespace {

bool isBidiControl(UChar32 c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

std::string terminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {  // invalid UTF-8: each byte of the bad sequence shown as \xNN
      for (int32_t b = start; b < i; ++b) out += fmt::format("\\x{:02x}", bytes[b]);
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if ((c >= 0x80 && c <= 0x9F) || isBidiControl(c)) {
      out += fmt::format("\\u{:04x}", c);
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.append(text.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
    }
  }
  return out;
}

}  // namespace modstream::cli
