#include "stages/text_risk/text_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace modstream {

// One output character (an ASCII byte or one UTF-8 code point) with its original span. Trivially
// copyable and 16 bytes, so the passes below move memory, not strings.
struct TextNormalizer::Piece {
  uint32_t begin;
  uint32_t end;
  uint8_t size;  // bytes used in `chars`
  char chars[4];
  bool emoji = false;       // a pictograph: a word of its own, never a letter
  bool decoration = false;  // a space read from a decorative pictograph

  static Piece ascii(char c, uint32_t begin, uint32_t end) {
    return {begin, end, 1, {c, 0, 0, 0}, false, false};
  }
  bool isSpace() const { return size == 1 && chars[0] == ' '; }
  bool isLetter() const {
    return !emoji && (size > 1 || (chars[0] >= 'a' && chars[0] <= 'z'));  // other scripts count
  }
  // Unused bytes of `chars` are always zero, so the four bytes compare as one word.
  bool sameChars(const Piece& other) const {
    uint32_t mine, theirs;
    std::memcpy(&mine, chars, sizeof mine);
    std::memcpy(&theirs, other.chars, sizeof theirs);
    return mine == theirs;
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

// Leetspeak: a digit or symbol standing for a letter (0 where a byte stands for none).
constexpr std::array<char, 256> kLeetLetters = [] {
  std::array<char, 256> table{};
  for (const auto& [symbol, letter] : {std::pair{'0', 'o'},
                                       {'1', 'i'},
                                       {'!', 'i'},
                                       {'|', 'i'},
                                       {'3', 'e'},
                                       {'4', 'a'},
                                       {'@', 'a'},
                                       {'5', 's'},
                                       {'$', 's'},
                                       {'7', 't'},
                                       {'+', 't'}}) {
    table[static_cast<unsigned char>(symbol)] = letter;
  }
  return table;
}();

char leetLetter(char c) {
  return kLeetLetters[static_cast<unsigned char>(c)];
}

bool isLeetDigit(char c) {
  return c >= '0' && c <= '9' && kLeetLetters[static_cast<unsigned char>(c)];
}

// Characters dropped when they sit inside a word ("don't" -> "dont", "mur.der" -> "murder",
// "k_i_l_l" -> "kill"); elsewhere they separate words.
constexpr bool joinsWord(char c) {
  return c == '\'' || c == '.' || c == '_';
}

// The leetspeak rules, shared by both normalisation paths, whose units are pieces and bytes.
// Read at unit `at` with the units before it settled and those after it as folded: space(k),
// letter(k), leetDigit(k) (a digit that stands for a letter), leetChar(k) (a digit or symbol
// that does), joiner(k) (joinsWord) and dropped(k) say what unit k is.
template <class Space, class Letter, class LeetDigit, class LeetChar, class Joiner, class Dropped>
struct LeetspeakContext {
  size_t at, n;
  Space space;
  Letter letter;
  LeetDigit leetDigit;
  LeetChar leetChar;
  Joiner joiner;
  Dropped dropped;

  // The nearest unit before `at` that was not dropped is a letter ("n'7": the 7 follows n).
  bool letterBefore() const {
    size_t k = at;
    while (k > 0 && dropped(k - 1)) --k;
    return k > 0 && letter(k - 1);
  }
  // Past leetspeak characters and single word-joining ones, a letter follows ("574b", "1'll",
  // "k.1.l.l"; not "so...what").
  bool letterAfter() const {
    size_t k = at + 1;
    for (; k < n && (leetChar(k) || joiner(k)); ++k) {
      if (joiner(k) && joiner(k - 1)) return false;
    }
    return k < n && letter(k);
  }
  bool alone(size_t k) const { return (k == 0 || space(k - 1)) && (k + 1 == n || space(k + 1)); }
  // A single letter or leetspeak digit, spaced out.
  bool spacedUnit(size_t k) const { return (letter(k) || leetDigit(k)) && alone(k); }
  // The digit is one of a run of single characters with single spaces between them, at least one
  // a letter, that is a spaced-out word ("y 0 u", "5 3 c r 3 7"): inside a run of three or more,
  // or at the edge of one of four or more, since three could be chat ("r u 4 real").
  bool inSpacedWord() const {
    if (!alone(at)) return false;
    size_t before = 0, after = 0;
    bool any_letter = false;
    for (size_t k = at; k >= 2 && space(k - 1) && spacedUnit(k - 2); k -= 2, ++before) {
      any_letter = any_letter || letter(k - 2);
    }
    for (size_t k = at; k + 2 < n && space(k + 1) && spacedUnit(k + 2); k += 2, ++after) {
      any_letter = any_letter || letter(k + 2);
    }
    const size_t units = before + 1 + after;
    return any_letter && (units >= 4 || (units == 3 && before == 1 && after == 1));
  }
  // A digit stands for a letter in a word ("k1ll", "h4te", "574b") or in a spaced-out word; a
  // symbol only when a letter follows ("$hoot", "h@te"), so that "you!!!" keeps no stray letters.
  bool standsForLetter(char c) const {
    if (!isLeetDigit(c)) return letterAfter();
    return letterBefore() || letterAfter() || inSpacedWord();
  }
  // An apostrophe, dot or underscore between letters is dropped ("don't", "k.1.l.l"), and an
  // apostrophe before a digit that ends a word in leetspeak ("don'7").
  bool insideWord(char c) const {
    return letterBefore() && (letterAfter() || (c == '\'' && at + 1 < n && leetDigit(at + 1)));
  }
};
template <class... Rules>
LeetspeakContext(size_t, size_t, Rules...) -> LeetspeakContext<Rules...>;

// ASCII as the normaliser sees it: lower-case letters, digits, leetspeak symbols and characters
// that may join a word are kept (the leetspeak pass decides later), everything else separates
// words. "l" becomes "i": "1", "|" and "!" stand for either letter and "I" and "l" look alike, so
// one letter stands for both (as in Unicode's confusable skeletons); the few real words this
// merges ("kill" and "kii") do not matter next to "k1ll", "kiII" and "k|ll" all meeting "kill".
constexpr std::array<char, 256> kFoldedAscii = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 256; ++c) {
    char folded = ' ';
    if (c >= 'A' && c <= 'Z') {
      folded = static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               kLeetLetters[static_cast<size_t>(c)] || joinsWord(static_cast<char>(c))) {
      folded = static_cast<char>(c);
    }
    table[static_cast<size_t>(c)] = folded == 'l' ? 'i' : folded;
  }
  return table;
}();

char foldAscii(char c) {
  return kFoldedAscii[static_cast<unsigned char>(c)];
}

// Marks a character dropped from the output (see joinsWord).
constexpr char kDropped = '\x01';

// Where a spaced-out word that is no vocabulary word splits into vocabulary words, all of it
// ("iwiiikiiiyou" -> i|wiii|kiii|you; least cost): the indices
// of the letters after which a word ends. Empty when the whole is a word, when some of it is no
// word (a split that left letters over could make a term out of part of a longer word), or when
// it is too long to try (the search is cubic in its length).
std::vector<size_t> vocabularySplits(std::string_view letters,
                                     const TextNormalizer::WordCosts& vocabulary) {
  constexpr size_t kMaxLetters = 64;
  auto collapsed = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      if (out.empty() || out.back() != c) out += c;
    }
    return out;
  };
  const size_t n = letters.size();
  if (n < 2 || n > kMaxLetters || vocabulary.collapsed.count(collapsed(letters))) return {};
  constexpr size_t kUnreachable = SIZE_MAX;
  std::vector<size_t> cost(n + 1, kUnreachable), from(n + 1, 0);
  cost[0] = 0;
  // A word as spelled costs what the vocabulary says; one found only once repeated letters
  // collapse costs one more, so "wiiikiii" reads "will kill" ("wiii kiii") rather than "wiki".
  auto wordCost = [&](std::string_view part) {
    const auto& spelled = vocabulary.spelled;
    if (const auto word = spelled.find(std::string(part)); word != spelled.end()) {
      return size_t{word->second};
    }
    const auto word = vocabulary.collapsed.find(collapsed(part));
    return word == vocabulary.collapsed.end() ? kUnreachable : word->second + size_t{1};
  };
  for (size_t end = 1; end <= n; ++end) {
    for (size_t start = 0; start < end; ++start) {
      if (cost[start] == kUnreachable) continue;
      const size_t word = wordCost(letters.substr(start, end - start));
      if (word != kUnreachable && cost[start] + word < cost[end]) {
        cost[end] = cost[start] + word;
        from[end] = start;
      }
    }
  }
  if (cost[n] == kUnreachable) return {};
  std::vector<size_t> splits;
  for (size_t end = n; from[end] > 0; end = from[end]) splits.push_back(from[end] - 1);
  std::reverse(splits.begin(), splits.end());
  return splits;
}

// Spaced-out words in the chain of isolated letters (single letters with only spacing between
// them) that starts at `first`. The chain's narrowest gap is the spacing inside a word; wider gaps
// (or punctuation, read as spacing) end one ("y o u  w i l l" is two words). A word of three or
// more letters is joined, and so is a two-letter word in a chain that has one ("o r  I  p o s t"
// -> "or I post"); two letters alone stay apart ("a b"). Calls join(a, b) for each word to join,
// in order, with the positions of its first and last letters, and returns the chain's last
// letter. Shared by both normalisation paths, whose units are pieces and bytes.
template <class Isolated, class Space, class Dropped, class Join>
size_t forEachSpacedWord(size_t first, size_t n, Isolated isolated, Space space, Dropped dropped,
                         Join join) {
  // The next letter of the chain after the one at `k`, or n; `gap` is the spacing before it
  // (dropped characters, such as a spaced-out apostrophe, do not count).
  auto nextLetter = [&](size_t k, size_t& gap) {
    size_t next = k + 1;
    gap = 0;
    for (; next < n && (space(next) || dropped(next)); ++next) gap += space(next) ? 1 : 0;
    return gap == 0 || next >= n || !isolated(next) ? n : next;
  };
  size_t inner = SIZE_MAX, last = first, gap = 0;
  for (size_t k = first, next; (next = nextLetter(k, gap)) != n; k = next) {
    inner = std::min(inner, gap);
    last = next;
  }
  if (last == first) return last;
  bool long_word = false;
  size_t length = 1;
  for (size_t k = first, next; k != last; k = next) {
    next = nextLetter(k, gap);
    length = gap == inner ? length + 1 : 1;
    long_word = long_word || length >= 3;
  }
  size_t word_start = first;
  length = 1;
  for (size_t k = first;;) {
    const size_t next = k == last ? n : nextLetter(k, gap);
    if (next != n && gap == inner) {
      ++length;
    } else {
      if (length >= 3 || (length == 2 && long_word)) join(word_start, k);
      word_start = next;
      length = 1;
    }
    if (next == n) break;
    k = next;
  }
  return last;
}

// Bounds the per-instance cache of non-ASCII mappings against text crafted to fill it.
constexpr size_t kMaxCachedCodePoints = 1 << 16;

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

std::string TextNormalizer::spelling(std::string_view word) {
  std::string letters;
  for (const char c : word) {
    const char folded = foldAscii(c);
    if (folded >= 'a' && folded <= 'z') {
      letters += folded;
    } else if (!joinsWord(folded)) {
      return {};
    }
  }
  return letters;
}

void TextNormalizer::splitSpacedWordsInto(const WordCosts* vocabulary) {
  vocabulary_ = vocabulary;
}

void TextNormalizer::keepOnlyPictographs(const std::vector<int32_t>* kept) {
  if (kept == kept_pictographs_) return;
  kept_pictographs_ = kept;
  cache_.clear();  // it holds what each pictograph became under the previous set
}

void TextNormalizer::mapCodePoint(int32_t c, std::vector<Piece>& out) const {
  auto emitAscii = [&](char ch) { out.push_back(Piece::ascii(ch, 0, 0)); };
  if (c < 0x80) {
    emitAscii(foldAscii(static_cast<char>(c)));
    return;
  }
  if (ignorable(c)) return;
  // Skin tones only decorate the emoji before them.
  if (u_hasBinaryProperty(c, UCHAR_EMOJI_MODIFIER)) return;
  // A pictograph is a word of its own, so "dead💀" still ends in the word "dead" and a lexicon
  // term or chat spelling can name the pictograph (config/spellings/chat-spellings.yaml).
  if (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)) {
    if (kept_pictographs_ &&
        !std::binary_search(kept_pictographs_->begin(), kept_pictographs_->end(), c)) {
      out.push_back(Piece{0, 0, 1, {' ', 0, 0, 0}, false, true});
      return;
    }
    Piece piece{0, 0, 0, {}, true, false};
    U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(piece.chars), piece.size, c);
    emitAscii(' ');
    out.push_back(piece);
    emitAscii(' ');
    return;
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString folded = nfkcCasefold().normalize(icu::UnicodeString(c), status);
  const icu::UnicodeString decomposed = nfd().normalize(folded, status);
  if (U_FAILURE(status)) return;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 d = decomposed.char32At(i);
    i += U16_LENGTH(d);
    if (u_charType(d) == U_NON_SPACING_MARK || ignorable(d)) continue;
    if (d < 0x80) {
      emitAscii(foldAscii(static_cast<char>(d)));
      continue;
    }
    if (d == 0x2019) {  // the typographic apostrophe: "don’t"
      emitAscii('\'');
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
        emitAscii(foldAscii(static_cast<char>(prototype.charAt(k))));
      }
    } else {
      Piece piece{0, 0, 0, {}, false, false};
      U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(piece.chars), piece.size, d);
      out.push_back(piece);
    }
    status = U_ZERO_ERROR;
  }
}

void TextNormalizer::appendNonAscii(int32_t c, uint32_t begin, uint32_t end,
                                    std::vector<Piece>& out) const {
  auto cached = cache_.find(c);
  if (cached == cache_.end()) {
    if (cache_.size() >= kMaxCachedCodePoints) cache_.clear();
    std::vector<Piece> mapped;
    mapCodePoint(c, mapped);
    cached = cache_.emplace(c, std::move(mapped)).first;
  }
  for (Piece piece : cached->second) {
    piece.begin = begin;
    piece.end = end;
    out.push_back(piece);
  }
}

NormalizedText TextNormalizer::normalize(std::string_view utf8) const {
  NormalizedText result;
  normalize(utf8, result);
  return result;
}

void TextNormalizer::normalize(std::string_view utf8, NormalizedText& out) const {
  // Eight bytes at a time: chat-sized posts are mostly ASCII, and this runs on every one.
  uint64_t high_bits = 0;
  size_t i = 0;
  for (; i + 8 <= utf8.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, utf8.data() + i, sizeof word);
    high_bits |= word;
  }
  for (; i < utf8.size(); ++i) high_bits |= static_cast<unsigned char>(utf8[i]);
  if ((high_bits & 0x8080808080808080ULL) == 0) {
    normalizeAscii(utf8, out);
  } else {
    normalizeGeneral(utf8, out);
  }
}

NormalizedText TextNormalizer::normalizeGeneral(std::string_view utf8) const {
  NormalizedText result;
  normalizeGeneral(utf8, result);
  return result;
}

void TextNormalizer::normalizeGeneral(std::string_view utf8, NormalizedText& out) const {
  std::vector<Piece>& pieces = pieces_;
  pieces.clear();
  pieces.reserve(utf8.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    const auto begin = static_cast<uint32_t>(i);
    if (bytes[i] < 0x80) {
      pieces.push_back(Piece::ascii(foldAscii(static_cast<char>(bytes[i])), begin, begin + 1));
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      pieces.push_back(Piece::ascii(' ', begin, static_cast<uint32_t>(i)));  // invalid UTF-8
    } else {
      appendNonAscii(c, begin, static_cast<uint32_t>(i), pieces);
    }
  }
  dropDecorationBesideSpaces(pieces);
  resolveLeetspeak(pieces);
  joinSpacedLetters(pieces);
  collapse(pieces, out);
}

// The same steps as normalizeGeneral on one byte per character, with no ICU and no piece
// records: an input byte's position is its own index until the final pass, which joins spaced
// letters and collapses runs while it writes the output.
void TextNormalizer::normalizeAscii(std::string_view ascii, NormalizedText& result) const {
  const size_t n = ascii.size();
  // A space on either side, so that folded[-1] and folded[n] can be read without a bounds check.
  folded_.resize(n + 2);
  folded_[0] = ' ';
  folded_[n + 1] = ' ';
  // Raw pointers here and below: a store through a char pointer may alias any object, so the
  // compiler would reload a string's or vector's data pointer after every byte written.
  char* const folded = folded_.data() + 1;
  auto letter = [folded](size_t k) { return folded[k] >= 'a' && folded[k] <= 'z'; };
  // Folding and leetspeak in one pass: a character is settled once its left neighbour is; the
  // right neighbours are read as folded but not yet resolved, as the general path reads them.
  size_t at = 0;
  auto current = [&](size_t k) { return k < at ? folded[k] : foldAscii(ascii[k]); };
  auto foldedAt = [&](size_t k) { return k < n ? foldAscii(ascii[k]) : '\0'; };
  auto isLetter = [](char c) { return c >= 'a' && c <= 'z'; };
  const LeetspeakContext context{0,
                                 n,
                                 [&](size_t k) { return current(k) == ' '; },
                                 [&](size_t k) { return isLetter(current(k)); },
                                 [&](size_t k) { return isLeetDigit(current(k)); },
                                 [&](size_t k) { return leetLetter(current(k)) != 0; },
                                 [&](size_t k) { return joinsWord(current(k)); },
                                 [&](size_t k) { return current(k) == kDropped; }};
  for (; at < n; ++at) {
    char c = foldAscii(ascii[at]);
    if (joinsWord(c) || leetLetter(c)) {
      auto here = context;
      here.at = at;
      if (joinsWord(c)) {
        // A spaced-out apostrophe ("d o n ' t") is dropped with the space before it, so the
        // letters around it keep the word's spacing.
        const bool spaced_apostrophe = ascii[at] == '\'' && at >= 2 && folded[at - 1] == ' ' &&
                                       letter(at - 2) && (at == 2 || folded[at - 3] == ' ') &&
                                       foldedAt(at + 1) == ' ' && isLetter(foldedAt(at + 2)) &&
                                       (at + 3 >= n || foldedAt(at + 3) == ' ');
        if (spaced_apostrophe) folded[at - 1] = kDropped;
        c = spaced_apostrophe || here.insideWord(c) ? kDropped : ' ';
      } else if (here.standsForLetter(c)) {
        c = leetLetter(c);
      } else if (!isLeetDigit(c)) {
        c = ' ';
      }
    }
    folded[at] = c;
  }

  result.text.resize(n);
  result.source_begin.resize(n);
  result.source_end.resize(n);
  char* const text = result.text.data();
  uint32_t* const begins = result.source_begin.data();
  uint32_t* const ends = result.source_end.data();
  size_t size = 0;
  char previous =
      ' ';  // the last character written; a space before the first skips leading spacing
  auto emit = [&size, &previous, folded, text, begins, ends](size_t i) {
    const char c = folded[i];
    if (c == kDropped) return;
    if (c == previous && (c == ' ' || (c >= 'a' && c <= 'z'))) {
      if (size > 0) ends[size - 1] = static_cast<uint32_t>(i + 1);
      return;
    }
    text[size] = c;
    begins[size] = static_cast<uint32_t>(i);
    ends[size] = static_cast<uint32_t>(i + 1);
    ++size;
    previous = c;
  };
  auto isolated = [&](size_t k) {
    if (!letter(k)) return false;
    // Most letters have a letter beside them: settle those without the loops below.
    auto inWord = [](char c) { return c != ' ' && c != kDropped; };
    if (inWord(folded[k - 1]) || inWord(folded[k + 1])) return false;
    size_t left = k, right = k + 1;
    while (left > 0 && folded[left - 1] == kDropped) --left;
    while (right < n && folded[right] == kDropped) ++right;
    return (left == 0 || folded[left - 1] == ' ') && (right == n || folded[right] == ' ');
  };
  auto space = [&](size_t k) { return folded[k] == ' '; };
  auto dropped = [&](size_t k) { return folded[k] == kDropped; };
  for (size_t i = 0; i < n;) {
    if (!isolated(i)) {
      emit(i++);
      continue;
    }
    size_t cursor = i;
    const size_t last = forEachSpacedWord(i, n, isolated, space, dropped, [&](size_t a, size_t b) {
      while (cursor < a) emit(cursor++);
      std::vector<size_t> splits;
      if (vocabulary_) {
        std::string letters;
        for (size_t k = a; k <= b; ++k) {
          if (letter(k)) letters += folded[k];
        }
        splits = vocabularySplits(letters, *vocabulary_);
      }
      size_t letter_index = 0, split = 0;
      bool keep_gap = false;  // the spacing after a letter that ends a word
      for (; cursor <= b; ++cursor) {
        if (letter(cursor)) {
          emit(cursor);
          keep_gap = split < splits.size() && splits[split] == letter_index;
          split += keep_gap ? 1 : 0;
          ++letter_index;
        } else if (folded[cursor] != ' ' || keep_gap) {
          emit(cursor);
        }
      }
    });
    while (cursor <= last) emit(cursor++);
    i = last + 1;
  }
  while (size > 0 && text[size - 1] == ' ') --size;
  result.text.resize(size);
  result.source_begin.resize(size);
  result.source_end.resize(size);
}

// Decoration that has spacing beside it is read as nothing, so that emoji dropped into spaced-out
// letters ("y o👍 u", "d✨ e a t h") leave their spacing as it was; between letters it stays a
// space ("hurt😂ur family").
void TextNormalizer::dropDecorationBesideSpaces(std::vector<Piece>& pieces) {
  const size_t n = pieces.size();
  const auto first =
      std::find_if(pieces.begin(), pieces.end(), [](const Piece& p) { return p.decoration; });
  size_t write = static_cast<size_t>(first - pieces.begin());
  for (size_t i = write; i < n;) {
    if (!pieces[i].decoration) {
      pieces[write++] = pieces[i++];
      continue;
    }
    size_t end = i;
    while (end < n && pieces[end].decoration) ++end;
    const bool beside_space =
        (write > 0 && pieces[write - 1].isSpace()) || (end < n && pieces[end].isSpace());
    while (i < end) {
      if (!beside_space) pieces[write++] = pieces[i];
      ++i;
    }
  }
  pieces.resize(write);
}

// Leetspeak: a digit or symbol in a word is a letter, a number alone ("2024", "5 pm") stays a
// number, and lone symbols become spaces (leetspeakRules). Apostrophes, dots and underscores
// inside a word are dropped (joinsWord).
void TextNormalizer::resolveLeetspeak(std::vector<Piece>& pieces) {
  const size_t n = pieces.size();
  auto space = [&](size_t k) { return pieces[k].isSpace(); };
  auto letter = [&](size_t k) { return pieces[k].isLetter(); };
  auto leetDigit = [&](size_t k) { return pieces[k].size == 1 && isLeetDigit(pieces[k].chars[0]); };
  auto leetChar = [&](size_t k) { return pieces[k].size == 1 && leetLetter(pieces[k].chars[0]); };
  auto joiner = [&](size_t k) { return pieces[k].size == 1 && joinsWord(pieces[k].chars[0]); };
  auto dropped = [&](size_t k) { return pieces[k].size == 0; };
  for (size_t i = 0; i < n; ++i) {
    auto& p = pieces[i];
    if (p.size != 1 || !(joinsWord(p.chars[0]) || leetLetter(p.chars[0]))) continue;
    const LeetspeakContext context{i, n, space, letter, leetDigit, leetChar, joiner, dropped};
    if (joinsWord(p.chars[0])) {
      // As in normalizeAscii: a spaced-out apostrophe goes with the space before it.
      const bool spaced_apostrophe =
          p.chars[0] == '\'' && i >= 2 && pieces[i - 1].isSpace() && pieces[i - 2].isLetter() &&
          (i == 2 || pieces[i - 3].isSpace()) && i + 1 < n && pieces[i + 1].isSpace() &&
          i + 2 < n && pieces[i + 2].isLetter() && (i + 3 >= n || pieces[i + 3].isSpace());
      if (spaced_apostrophe) pieces[i - 1] = Piece{pieces[i - 1].begin, pieces[i - 1].end, 0, {}};
      const bool drop = spaced_apostrophe || context.insideWord(p.chars[0]);
      p.chars[0] = drop ? 0 : ' ';
      p.size = drop ? 0 : 1;
      continue;
    }
    if (context.standsForLetter(p.chars[0])) {
      p.chars[0] = leetLetter(p.chars[0]);
    } else if (!isLeetDigit(p.chars[0])) {
      p.chars[0] = ' ';
    }
  }
}

// Spaced-out words (forEachSpacedWord) become one word each. Works
// in place: the write position never passes the read position.
void TextNormalizer::joinSpacedLetters(std::vector<Piece>& all) const {
  const size_t n = all.size();
  // Through a raw pointer: a Piece's chars are chars, and a store through them may alias the
  // vector's own pointer, which the compiler would otherwise reload for every piece copied.
  Piece* const pieces = all.data();
  auto dropped = [&](size_t k) { return pieces[k].size == 0; };
  auto isolated = [&](size_t k) __attribute__((always_inline)) {
    if (!pieces[k].isLetter()) return false;
    // As in normalizeAscii: most letters have a letter beside them.
    auto inWord = [&](size_t j) { return !pieces[j].isSpace() && !dropped(j); };
    if ((k > 0 && inWord(k - 1)) || (k + 1 < n && inWord(k + 1))) return false;
    size_t left = k, right = k + 1;
    while (left > 0 && dropped(left - 1)) --left;
    while (right < n && dropped(right)) ++right;
    return (left == 0 || pieces[left - 1].isSpace()) && (right == n || pieces[right].isSpace());
  };
  auto space = [&](size_t k) { return pieces[k].isSpace(); };
  size_t write = 0;
  for (size_t i = 0; i < n;) {
    if (!isolated(i)) {
      // Until a word is joined nothing moves; copying a piece onto itself would also stall the
      // next read of it (an overlapping store that the load cannot be forwarded from).
      if (write != i) pieces[write] = pieces[i];
      ++write;
      ++i;
      continue;
    }
    size_t cursor = i;
    const size_t last = forEachSpacedWord(i, n, isolated, space, dropped, [&](size_t a, size_t b) {
      while (cursor < a) pieces[write++] = pieces[cursor++];
      std::vector<size_t> splits;
      if (vocabulary_) {
        std::string letters;
        bool ascii = true;
        for (size_t k = a; k <= b; ++k) {
          if (!pieces[k].isLetter()) continue;
          ascii = ascii && pieces[k].size == 1;
          letters += pieces[k].chars[0];
        }
        if (ascii) splits = vocabularySplits(letters, *vocabulary_);
      }
      size_t letter_index = 0, split = 0;
      bool keep_gap = false;  // as in normalizeAscii
      for (; cursor <= b; ++cursor) {
        if (pieces[cursor].isLetter()) {
          pieces[write++] = pieces[cursor];
          keep_gap = split < splits.size() && splits[split] == letter_index;
          split += keep_gap ? 1 : 0;
          ++letter_index;
        } else if (!pieces[cursor].isSpace() || keep_gap) {
          pieces[write++] = pieces[cursor];
        }
      }
    });
    while (cursor <= last) pieces[write++] = pieces[cursor++];
    i = last + 1;
  }
  all.resize(write);
}

// Collapse runs: repeated letters to one, spacing to a single space, no space at either end.
// Writes through raw pointers into buffers sized for the worst case, then trims them.
void TextNormalizer::collapse(const std::vector<Piece>& pieces, NormalizedText& result) {
  size_t capacity = 0;
  for (const auto& p : pieces) capacity += p.size;
  result.text.resize(capacity);
  result.source_begin.resize(capacity);
  result.source_end.resize(capacity);
  char* text = result.text.data();
  uint32_t* begins = result.source_begin.data();
  uint32_t* ends = result.source_end.data();
  size_t size = 0;
  const Piece* previous = nullptr;
  for (const auto& p : pieces) {
    if (p.size == 0) continue;  // dropped
    if (previous && p.sameChars(*previous) &&
        (p.isSpace() || p.size > 1 || (p.chars[0] >= 'a' && p.chars[0] <= 'z'))) {
      for (size_t b = 1; b <= p.size; ++b) ends[size - b] = p.end;
      continue;
    }
    if (p.isSpace() && size == 0) continue;
    for (size_t b = 0; b < p.size; ++b, ++size) {
      text[size] = p.chars[b];
      begins[size] = p.begin;
      ends[size] = p.end;
    }
    previous = &p;
  }
  while (size > 0 && text[size - 1] == ' ') --size;
  result.text.resize(size);
  result.source_begin.resize(size);
  result.source_end.resize(size);
}

}  // namespace modstream
