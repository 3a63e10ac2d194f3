#pragma once
// ModelText: what the language model reads instead of a post's raw text. The model knows words,
// not the tricks people use to hide them, so the common ones are undone first; unlike
// TextNormalizer (which folds text until lexicon terms match, "kill" -> "ki"), every result is
// spelled as a reader would write it, so the model's vocabulary still knows it:
// - fullwidth letters and other compatibility forms become plain ones (NFKC);
// - in a word with Latin letters, look-alike letters of other scripts become the Latin letter
//   (ICU confusable skeletons): "kіll" with a Cyrillic і is "kill"; all-Cyrillic words stay;
// - three or more letters spaced out evenly or joined by dots, hyphens or underscores become one
//   word ("k i l l", "k.i.l.l");
// - leetspeak digits and symbols in a word with letters become letters when that spells a
//   vocabulary word the word itself is not ("k1ll", "$h00t"; "mp3" and "5pm" stay);
// - runs of three or more of one letter shrink to two or one, whichever spells a vocabulary word
//   ("kiiiill" -> "kill", "sooooo" -> "so"); "wwwhat" stays.
// - pictographs that carry meaning in threats and sexual requests become the word they show
//   ("i will 🔪 u" -> "i will knife u", "🍆" -> "eggplant"): the vocabulary has no emoji;
// Zero-width and other format characters need nothing here: the tokenizer drops them.
//
// Thread-safety: immutable after construction (ICU's normaliser and spoof checker are only read);
// read() may be called from any thread.

#include <string>
#include <string_view>

#include "stages/text_risk/bert_tokenizer.h"

struct USpoofChecker;

namespace modstream {

class ModelText {
 public:
  // `vocabulary` decides which spelling is a word; it must outlive this object.
  explicit ModelText(const BertTokenizer& vocabulary);
  ~ModelText();
  ModelText(const ModelText&) = delete;
  ModelText& operator=(const ModelText&) = delete;

  // `text` with the obfuscation above undone (the text itself when there is none).
  std::string read(std::string_view text) const;
  // read() without its shortcut for ASCII text with nothing to undo, so tests can show the
  // shortcut changes nothing.
  std::string readEveryWord(std::string_view text) const;

 private:
  static std::string pictographsAsWords(std::string_view text);
  std::string latinLookAlikes(std::string_view text) const;
  std::string joinSpacedLetters(std::string_view text) const;
  std::string rewriteWords(std::string_view text) const;
  std::string readWord(std::string_view word) const;

  const BertTokenizer& vocabulary_;
  USpoofChecker* spoof_ = nullptr;
};

}  // namespace modstream
