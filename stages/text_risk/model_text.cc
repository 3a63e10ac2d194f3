#include "stages/text_risk/model_text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace modstream {
namespace {

bool isAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char lowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The letter a leetspeak digit or symbol stands for, 0 for none. "1" reads as "i" first, then
// as "l" (readWord tries both).
char leetspeakLetter(char c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '@':
      return 'a';
    case '$':
      return 's';
    case '!':
      return 'i';
    case '|':
      return 'i';
    default:
      return 0;
  }
}

// Pictographs that carry meaning in threats and sexual requests, read as the word they show: the
// model's vocabulary has no emoji (each would be [UNK]). Fixed here, not configured, because the
// heads are trained on what this class gives the model: training and serving must read alike.
// Other pictographs (decoration) stay as written.
struct PictographWord {
  UChar32 pictograph;
  const char* word;
};
constexpr PictographWord kPictographWords[] = {
    {0x1F52A, "knife"},    {0x1F5E1, "dagger"}, {0x1F52B, "gun"},    {0x1F4A3, "bomb"},
    {0x1F480, "skull"},    {0x2620, "skull"},   {0x26B0, "coffin"},  {0x1FA78, "blood"},
    {0x1F346, "eggplant"}, {0x1F351, "peach"},  {0x1F4A6, "splash"}, {0x1F445, "tongue"},
    {0x1F4F8, "camera"},   {0x1F4F7, "camera"}};

const char* pictographWord(UChar32 c) {
  for (const auto& [pictograph, word] : kPictographWords) {
    if (pictograph == c) return word;
  }
  return nullptr;
}

bool isAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool isSeparator(char c) {
  return c == '.' || c == '-' || c == '_';
}

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Words of `text` split at ASCII whitespace, with the whitespace before each.
struct SpacedWord {
  std::string_view space;
  std::string_view word;
};

std::vector<SpacedWord> spacedWords(std::string_view text) {
  std::vector<SpacedWord> out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t space_begin = i;
    while (i < text.size() && isAsciiSpace(text[i])) ++i;
    const size_t word_begin = i;
    while (i < text.size() && !isAsciiSpace(text[i])) ++i;
    out.push_back({text.substr(space_begin, word_begin - space_begin),
                   text.substr(word_begin, i - word_begin)});
  }
  return out;
}

const icu::Normalizer2& nfkc() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC is unavailable");
  return *n;
}

// Whether ASCII `text` may hold anything read() undoes: a leetspeak character or separator next to
// a letter, three of one letter in a row, or three one-letter words in a row. Most posts hold
// none, and read() then costs one pass and one copy.
bool mayBeObfuscated(std::string_view text) {
  size_t one_letter_words = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool letter = isAsciiLetter(c);
    if (!letter) {
      if ((leetspeakLetter(c) || isSeparator(c)) &&
          ((i > 0 && isAsciiLetter(text[i - 1])) ||
           (i + 1 < text.size() && isAsciiLetter(text[i + 1])))) {
        return true;
      }
      continue;
    }
    if (i >= 2 && lowerAscii(text[i - 1]) == lowerAscii(c) &&
        lowerAscii(text[i - 2]) == lowerAscii(c))
      return true;
    const bool starts = i == 0 || isAsciiSpace(text[i - 1]);
    const bool ends = i + 1 == text.size() || isAsciiSpace(text[i + 1]);
    if (starts && ends) {
      if (++one_letter_words >= 3) return true;
    } else if (starts) {
      one_letter_words = 0;
    }
  }
  return false;
}

}  // namespace

ModelText::ModelText(const BertTokenizer& vocabulary) : vocabulary_(vocabulary) {
  UErrorCode status = U_ZERO_ERROR;
  spoof_ = uspoof_open(&status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU spoof checker is unavailable");
  (void)nfkc();
}

ModelText::~ModelText() {
  uspoof_close(spoof_);
}

std::string ModelText::read(std::string_view text) const {
  if (isAscii(text) && !mayBeObfuscated(text)) return std::string(text);
  return readEveryWord(text);
}

std::string ModelText::readEveryWord(std::string_view text) const {
  std::string plain = isAscii(text) ? std::string(text) : latinLookAlikes(pictographsAsWords(text));
  return rewriteWords(joinSpacedLetters(plain));
}

std::string ModelText::pictographsAsWords(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    const int32_t begin = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    const char* word = c > 0 ? pictographWord(c) : nullptr;
    if (!word) {
      out.append(text.substr(static_cast<size_t>(begin), static_cast<size_t>(i - begin)));
      continue;
    }
    // A word of its own ("ur💀" -> "ur skull"), without the emoji presentation selector after it.
    if (i + 3 <= length && bytes[i] == 0xEF && bytes[i + 1] == 0xB8 && bytes[i + 2] == 0x8F) i += 3;
    if (!out.empty() && !isAsciiSpace(out.back())) out += ' ';
    out += word;
    if (i < length && !isAsciiSpace(text[static_cast<size_t>(i)])) out += ' ';
  }
  return out;
}

std::string ModelText::latinLookAlikes(std::string_view text) const {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString composed =
      nfkc().normalize(icu::UnicodeString::fromUTF8(
                           icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))),
                       status);
  if (U_FAILURE(status)) return std::string(text);
  std::string normalized;
  composed.toUTF8String(normalized);
  std::string out;
  out.reserve(normalized.size());
  for (const auto& [space, word] : spacedWords(normalized)) {
    out.append(space);
    const bool has_latin = std::any_of(word.begin(), word.end(), isAsciiLetter);
    const bool has_other = std::any_of(
        word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (!has_latin || !has_other) {
      out.append(word);
      continue;
    }
    // A word mixing Latin with other letters: each other letter whose confusable prototype is
    // one Latin letter or digit becomes it.
    const auto* bytes = reinterpret_cast<const uint8_t*>(word.data());
    const auto length = static_cast<int32_t>(word.size());
    for (int32_t i = 0; i < length;) {
      const int32_t begin = i;
      UChar32 c;
      U8_NEXT(bytes, i, length, c);
      const std::string_view original =
          word.substr(static_cast<size_t>(begin), static_cast<size_t>(i - begin));
      if (c < 0x80 || !u_isalpha(c)) {
        out.append(original);
        continue;
      }
      icu::UnicodeString skeleton;
      UErrorCode skeleton_status = U_ZERO_ERROR;
      uspoof_getSkeletonUnicodeString(spoof_, 0, icu::UnicodeString(c), skeleton, &skeleton_status);
      if (U_SUCCESS(skeleton_status) && skeleton.length() == 1 && skeleton.charAt(0) < 0x80 &&
          u_isalnum(skeleton.charAt(0))) {
        out.push_back(lowerAscii(static_cast<char>(skeleton.charAt(0))));
      } else {
        out.append(original);
      }
    }
  }
  return out;
}

std::string ModelText::joinSpacedLetters(std::string_view text) const {
  const auto words = spacedWords(text);
  auto single = [&](size_t k) {
    return words[k].word.size() == 1 && isAsciiLetter(words[k].word[0]);
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < words.size();) {
    // A run of three or more one-letter words, evenly spaced: one spaced-out word.
    size_t last = i;
    if (single(i)) {
      while (last + 1 < words.size() && single(last + 1) &&
             (last == i || words[last + 1].space == words[last].space)) {
        ++last;
      }
    }
    if (last - i + 1 < 3) {
      out.append(words[i].space).append(words[i].word);
      ++i;
      continue;
    }
    std::string joined;
    for (size_t k = i; k <= last; ++k) joined.push_back(lowerAscii(words[k].word[0]));
    out.append(words[i].space);
    // "i k i l l": a one-letter word ("i", "a", "u") may stand before the spaced-out one.
    if (!vocabulary_.isWord(joined) && vocabulary_.isWord(joined.substr(1))) {
      out.push_back(joined[0]);
      out.push_back(' ');
      joined.erase(0, 1);
    }
    out.append(joined);
    i = last + 1;
  }
  return out;
}

std::string ModelText::rewriteWords(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  for (const auto& [space, token] : spacedWords(text)) {
    out.append(space);
    // The word inside surrounding punctuation (a leading "$" or "@" may be a letter).
    size_t begin = 0;
    while (begin < token.size() && !std::isalnum(static_cast<unsigned char>(token[begin])) &&
           token[begin] != '$' && token[begin] != '@' &&
           static_cast<unsigned char>(token[begin]) < 0x80) {
      ++begin;
    }
    size_t end = token.size();
    while (end > begin && !std::isalnum(static_cast<unsigned char>(token[end - 1])) &&
           static_cast<unsigned char>(token[end - 1]) < 0x80) {
      --end;
    }
    out.append(token.substr(0, begin));
    out.append(readWord(token.substr(begin, end - begin)));
    out.append(token.substr(end));
  }
  return out;
}

std::string ModelText::readWord(std::string_view word) const {
  std::string lowered(word);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), lowerAscii);
  const std::string as_written = lowered;
  // Letters joined by dots, hyphens or underscores: "k.i.l.l".
  if (lowered.size() >= 5 && lowered.size() % 2 == 1) {
    bool dotted = true;
    for (size_t k = 0; k < lowered.size() && dotted; ++k) {
      dotted = k % 2 == 0 ? isAsciiLetter(lowered[k]) : isSeparator(lowered[k]);
    }
    if (dotted) {
      std::string joined;
      for (size_t k = 0; k < lowered.size(); k += 2) joined.push_back(lowered[k]);
      lowered = joined;
    }
  }
  std::string result = lowered;
  // Leetspeak: only where the letters it gives spell a word the original does not.
  const bool has_letter = std::any_of(lowered.begin(), lowered.end(), isAsciiLetter);
  const bool has_leet = std::any_of(lowered.begin(), lowered.end(), leetspeakLetter);
  if (has_letter && has_leet && !vocabulary_.isWord(lowered)) {
    for (const char one : {'i', 'l'}) {
      std::string candidate = lowered;
      for (char& c : candidate) {
        if (const char letter = leetspeakLetter(c)) c = c == '1' ? one : letter;
      }
      if (vocabulary_.isWord(candidate)) {
        result = candidate;
        break;
      }
    }
  }
  // Stretched letters: runs of three or more shrink to two or one.
  bool stretched = false;
  for (size_t k = 2; k < result.size() && !stretched; ++k) {
    stretched =
        isAsciiLetter(result[k]) && result[k] == result[k - 1] && result[k] == result[k - 2];
  }
  if (stretched) {
    // Each run of three or more of one letter becomes `keep` letters; shorter runs stay.
    auto shrink = [&](size_t keep) {
      std::string shrunk;
      for (size_t k = 0; k < result.size();) {
        size_t run = 1;
        while (k + run < result.size() && result[k + run] == result[k]) ++run;
        shrunk.append(isAsciiLetter(result[k]) && run >= 3 ? keep : run, result[k]);
        k += run;
      }
      return shrunk;
    };
    const std::string two = shrink(2);
    const std::string one = shrink(1);
    if (vocabulary_.isWord(two)) {
      result = two;
    } else if (vocabulary_.isWord(one)) {
      result = one;
    }
  }
  if (result == as_written) return std::string(word);  // unchanged: keep the writer's case
  return result;
}

}  // namespace modstream
