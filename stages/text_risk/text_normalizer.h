#pragma once
// TextNormalizer: undoes the obfuscation people use to slip past keyword filters, so one lexicon
// entry catches "kill", "KILL", "k i l l", "k1ll", "kiiill", "ｋｉｌｌ", "kіll" (Cyrillic і) and
// "k\u200bill" alike. Every byte of the output remembers the span of original bytes it came
// from, so a finding can quote what the person actually wrote.
//
// Steps: drop format and default-ignorable characters (zero-width joiners, bidi controls) and skin
// tones; make each pictograph (emoji) a word of its own; NFKC
// with case folding (fullwidth, ligatures, capitals); strip combining marks (accents); map other
// scripts' look-alikes to their Latin prototypes (ICU confusable skeletons); turn leetspeak digits
// and symbols inside words ("k1ll", "574b") and digits in spaced-out words ("y 0 u") into letters,
// and "l" into "i" (the two are written for each other); drop apostrophes, dots and underscores
// inside words; collapse punctuation and spacing to single spaces; join spaced-out letters ("k i l
// l"); collapse repeated letters ("kiiill" -> "ki", and "kill" -> "ki": lexicon terms go through
// the same normalizer, so both sides meet in one form).
//
// Owns ICU handles; one instance per worker thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct USpoofChecker;

namespace modstream {

struct NormalizedText {
  std::string text;                    // lower-case, single spaces, look-alikes resolved
  std::vector<uint32_t> source_begin;  // per byte of `text`: first original byte it came from
  std::vector<uint32_t> source_end;    // per byte of `text`: one past the last original byte

  // The original byte range [begin, end) behind text[from, to).
  std::pair<uint32_t, uint32_t> sourceSpan(size_t from, size_t to) const;
};

class TextNormalizer {
 public:
  TextNormalizer();
  ~TextNormalizer();
  TextNormalizer(const TextNormalizer&) = delete;
  TextNormalizer& operator=(const TextNormalizer&) = delete;

  NormalizedText normalize(std::string_view utf8) const;
  // The same into `out`, reusing its buffers (for a worker that normalises record after record).
  void normalize(std::string_view utf8, NormalizedText& out) const;
  // The general path, for any UTF-8. normalize() runs a faster equivalent on all-ASCII text; this
  // is public so that tests can show the two agree.
  NormalizedText normalizeGeneral(std::string_view utf8) const;

  // Pictographs outside `kept` (sorted code points; null, the default: keep all) are read as
  // spaces, or as nothing where spacing is beside them ("y o👍 u"), so decoration ("hurt😂ur
  // family", "d✨ e a t h") does not split a lexicon term or a spaced-out word, while a pictograph
  // a term or chat spelling names ("i will 🔪 you") stays a word. `kept` must outlive its use.
  void keepOnlyPictographs(const std::vector<int32_t>* kept);

  // Words that a spaced-out run with uniform spacing may be split into, each with a cost: "i w i l
  // l k i l l y o u" reads "i will kill you" when those are words here, and stays one word
  // otherwise. Of the splits that use only these words, the cheapest wins. A part of the run is
  // looked up as spelled, then (costing one more) with repeated letters collapsed, so "wiiikiii"
  // is "will kill" ("wiii" "kiii" as spelled) rather than "wiki" (collapsed).
  struct WordCosts {
    std::unordered_map<std::string, uint8_t> spelled;    // keyed by spelling()
    std::unordered_map<std::string, uint8_t> collapsed;  // keyed as normalize() writes a word
  };
  // Null, the default: no splitting. Must outlive its use.
  void splitSpacedWordsInto(const WordCosts* vocabulary);
  // A word's letters as this class folds them, repeats kept ("Will" -> "wiii", "I'm" -> "im"):
  // its key in WordCosts::spelled. Empty for a word of anything but ASCII letters and apostrophes.
  static std::string spelling(std::string_view word);

 private:
  struct Piece;
  // What a non-ASCII code point becomes (spans unset); computed with ICU once, then cached.
  void mapCodePoint(int32_t c, std::vector<Piece>& out) const;
  void appendNonAscii(int32_t c, uint32_t begin, uint32_t end, std::vector<Piece>& out) const;
  void normalizeAscii(std::string_view ascii, NormalizedText& out) const;
  static void dropDecorationBesideSpaces(std::vector<Piece>& pieces);
  static void resolveLeetspeak(std::vector<Piece>& pieces);
  void joinSpacedLetters(std::vector<Piece>& pieces) const;
  static void collapse(const std::vector<Piece>& pieces, NormalizedText& out);
  void normalizeGeneral(std::string_view utf8, NormalizedText& out) const;

  USpoofChecker* spoof_ = nullptr;
  const std::vector<int32_t>* kept_pictographs_ = nullptr;
  const WordCosts* vocabulary_ = nullptr;
  // Per instance (one per worker), so no lock; bounded by kMaxCachedCodePoints.
  mutable std::unordered_map<int32_t, std::vector<Piece>> cache_;
  mutable std::string folded_;         // normalizeAscii's working copy, reused
  mutable std::vector<Piece> pieces_;  // normalizeGeneral's, reused
};

}  // namespace modstream
