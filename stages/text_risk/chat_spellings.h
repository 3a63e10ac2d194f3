#pragma once
// ChatSpellings: chat shorthand ("u", "ur", "gonna", "m8", "ded") and the words it stands for, from
// a reviewed table (config/spellings/chat-spellings.yaml), so a lexicon term written in full ("kill
// you") meets the way teenagers and offenders type it ("kill u"). Both sides go through the table:
// lexicon terms when they load, post text after TextNormalizer, so they meet in one form.
//
// The table is YAML: a `language` for the file and `spellings`, each {written, reads, language?}.
// `written` is one word; `reads` one or more. Both are normalised with TextNormalizer when the
// table loads, so "gonna" is stored as the normaliser writes it ("gona").
//
// Immutable once loaded; shared by every worker.

#include <string>
#include <string_view>
#include <unordered_map>

#include "pipeline/config/config_reader.h"
#include "stages/text_risk/text_normalizer.h"

namespace modstream {

class ChatSpellings {
 public:
  // An empty table: expand() changes nothing.
  ChatSpellings() = default;
  // Reads `path`; problems go to `errors` with the file and the entry's index.
  static ChatSpellings load(const std::string& path, const TextNormalizer& normalizer,
                            ConfigErrors& errors);

  size_t size() const { return readings_.size(); }
  // Replaces each whole word of `text` (TextNormalizer output: words separated by single spaces)
  // that the table lists by its reading; every byte of a reading maps back to the original span of
  // the word it replaced.
  void expand(NormalizedText& text) const;
  // The same for text with no original behind it (a lexicon term).
  std::string expand(std::string_view normalized) const;

 private:
  struct WordHash {
    using is_transparent = void;
    size_t operator()(std::string_view word) const { return std::hash<std::string_view>{}(word); }
  };
  std::unordered_map<std::string, std::string, WordHash, std::equal_to<>> readings_;
  size_t longest_written_ = 0;  // longer words are not looked up
};

}  // namespace modstream
