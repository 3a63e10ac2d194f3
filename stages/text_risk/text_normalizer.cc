#include "stages/text_risk/text_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <stdexcept>

namespace modstream {

// One output character (an ASCII byte or a whole UTF-8 code point) with its original span.
struct TextNormalizer::Piece {
  std::string chars;
  uint32_t begin;
  uint32_t end;
  bool isSpace() const { return chars == " "; }
  bool isLetter() const {
    return chars.size() > 1 || (chars[0] >= 'a' && chars[0] <= 'z');  // other scripts count
  }
};

namespace {

const icu::Normalizer2& nfkcCasefold() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold is unavailable");
  return *n;
}

const icu::Normalizer2& nfd() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFD is unavailable");
  return *n;
}

bool ignorable(int32_t c) {
  return u_charType(c) == U_FORMAT_CHAR ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

// Leetspeak: a digit or symbol standing for a letter.
char leetLetter(char c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
    case '!':
    case '|':
      return 'i';
    case '3':
      return 'e';
    case '4':
    case '@':
      return 'a';
    case '5':
    case '$':
      return 's';
    case '7':
    case '+':
      return 't';
    default:
      return 0;
  }
}

bool asciiLetter(const std::string& s) {
  return s.size() == 1 && s[0] >= 'a' && s[0] <= 'z';
}

}  // namespace

std::pair<uint32_t, uint32_t> NormalizedText::sourceSpan(size_t from, size_t to) const {
  if (from >= to || to > text.size()) return {0, 0};
  return {source_begin[from], source_end[to - 1]};
}

TextNormalizer::TextNormalizer() {
  UErrorCode status = U_ZERO_ERROR;
  spoof_ = uspoof_open(&status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU spoof checker is unavailable");
  (void)nfkcCasefold();
  (void)nfd();
}

TextNormalizer::~TextNormalizer() {
  uspoof_close(spoof_);
}

void TextNormalizer::appendCodePoint(int32_t c, uint32_t begin, uint32_t end,
                                     std::vector<Piece>& out) const {
  auto emitAscii = [&](char ch) { out.push_back(Piece{std::string(1, ch), begin, end}); };
  if (c < 0x80) {  // fast path: no ICU for ASCII
    const char ch = static_cast<char>(c);
    if (ch >= 'A' && ch <= 'Z') {
      emitAscii(static_cast<char>(ch - 'A' + 'a'));
    } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || leetLetter(ch)) {
      emitAscii(ch);
    } else {
      emitAscii(' ');
    }
    return;
  }
  if (ignorable(c)) return;
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString folded = nfkcCasefold().normalize(icu::UnicodeString(c), status);
  const icu::UnicodeString decomposed = nfd().normalize(folded, status);
  if (U_FAILURE(status)) return;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 d = decomposed.char32At(i);
    i += U16_LENGTH(d);
    if (u_charType(d) == U_NON_SPACING_MARK || ignorable(d)) continue;
    if (d < 0x80) {
      appendCodePoint(d, begin, end, out);
      continue;
    }
    if (u_isspace(d) || u_ispunct(d)) {
      emitAscii(' ');
      continue;
    }
    // A look-alike from another script: its confusable prototype, if that is Latin.
    icu::UnicodeString skeleton;
    uspoof_getSkeletonUnicodeString(spoof_, 0, icu::UnicodeString(d), skeleton, &status);
    const icu::UnicodeString prototype = nfkcCasefold().normalize(skeleton, status);
    bool all_ascii = U_SUCCESS(status) && prototype.length() > 0;
    for (int32_t k = 0; all_ascii && k < prototype.length(); ++k) {
      all_ascii = prototype.charAt(k) < 0x80 && u_isalnum(prototype.charAt(k));
    }
    if (all_ascii) {
      for (int32_t k = 0; k < prototype.length(); ++k) {
        emitAscii(static_cast<char>(u_tolower(prototype.charAt(k))));
      }
    } else {
      std::string utf8;
      icu::UnicodeString(d).toUTF8String(utf8);
      out.push_back(Piece{utf8, begin, end});
    }
    status = U_ZERO_ERROR;
  }
}

NormalizedText TextNormalizer::normalize(std::string_view utf8) const {
  std::vector<Piece> pieces;
  pieces.reserve(utf8.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    const auto begin = static_cast<uint32_t>(i);
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) c = ' ';  // invalid UTF-8 separates words
    appendCodePoint(c, begin, static_cast<uint32_t>(i), pieces);
  }

  // Leetspeak inside words: a digit or symbol next to a letter is that letter; a number alone
  // ("2024", "5 pm") stays a number, and lone symbols become spaces.
  for (size_t i = 0; i < pieces.size(); ++i) {
    auto& p = pieces[i];
    if (p.chars.size() != 1) continue;
    const char leet = leetLetter(p.chars[0]);
    if (!leet) continue;
    const bool left = i > 0 && pieces[i - 1].isLetter();
    const bool right =
        i + 1 < pieces.size() &&
        (pieces[i + 1].isLetter() ||
         (leetLetter(pieces[i + 1].chars[0]) && i + 2 < pieces.size() && pieces[i + 2].isLetter()));
    // A digit next to a letter stands for one ("k1ll", "h4te"); a symbol only when a letter
    // follows ("$hoot", "h@te"), so that "you!!!" keeps no stray letters.
    const bool digit = p.chars[0] >= '0' && p.chars[0] <= '9';
    if (digit ? (left || right) : right) {
      p.chars[0] = leet;
    } else if (!digit) {
      p.chars[0] = ' ';
    }
  }

  // Spaced-out words: three or more single letters separated by spacing become one word.
  std::vector<Piece> joined;
  joined.reserve(pieces.size());
  for (size_t i = 0; i < pieces.size();) {
    // A run: letter (space+ letter)+, each letter standing alone.
    auto isolated = [&](size_t k) {
      return pieces[k].isLetter() && (k == 0 || pieces[k - 1].isSpace()) &&
             (k + 1 == pieces.size() || pieces[k + 1].isSpace());
    };
    if (isolated(i)) {
      std::vector<size_t> letters{i};
      size_t k = i + 1;
      while (k < pieces.size()) {
        size_t next = k;
        while (next < pieces.size() && pieces[next].isSpace()) ++next;
        if (next == k || next >= pieces.size() || !isolated(next)) break;
        letters.push_back(next);
        k = next + 1;
      }
      if (letters.size() >= 3) {
        for (size_t l : letters) joined.push_back(pieces[l]);
        i = letters.back() + 1;
        continue;
      }
    }
    joined.push_back(pieces[i]);
    ++i;
  }

  // Collapse runs: repeated letters to one, spacing to a single space, no leading space.
  NormalizedText result;
  const Piece* previous = nullptr;
  for (const auto& p : joined) {
    if (previous && p.chars == previous->chars &&
        (p.isSpace() || asciiLetter(p.chars) || p.chars.size() > 1)) {
      result.source_end.back() = p.end;
      if (p.chars.size() > 1) {
        for (size_t b = 0; b < p.chars.size(); ++b) {
          result.source_end[result.source_end.size() - 1 - b] = p.end;
        }
      }
      continue;
    }
    if (p.isSpace() && result.text.empty()) continue;
    for (char ch : p.chars) {
      result.text.push_back(ch);
      result.source_begin.push_back(p.begin);
      result.source_end.push_back(p.end);
    }
    previous = &p;
  }
  while (!result.text.empty() && result.text.back() == ' ') {
    result.text.pop_back();
    result.source_begin.pop_back();
    result.source_end.pop_back();
  }
  return result;
}

}  // namespace modstream
