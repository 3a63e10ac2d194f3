#pragma once
// ChatSpellings: chat shorthand ("u", "ur", "gonna", "m8", "ded") and the words it stands for, from
// a reviewed table (config/spellings/chat-spellings.yaml), so a lexicon term written in full
// ("kill you") also finds the way teenagers and offenders type it ("kill u"). The table works on
// the lexicon side only: each term is compiled with its shorthand spellings as extra literals, so
// scanning a post costs nothing more and a reason quotes exactly what was written.
//
// The table is YAML: a `language` for the file and `spellings`, each {written, reads, language?}.
// `written` is one word; `reads` one or more. Both are normalised with TextNormalizer when the
// table loads, so "gonna" is stored as the normaliser writes it ("gona"). A written form may have
// several readings ("ur": "your" and "you're"), one entry each. A spelling applies to lexicon
// entries of its language (the file's `language`, or the entry's).
//
// Immutable once loaded; shared by every worker.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config/config_reader.h"
#include "stages/text_risk/text_normalizer.h"

namespace modstream {

class ChatSpellings {
 public:
  // An empty table: spellingsOf() gives the term alone.
  ChatSpellings() = default;
  // Reads `path`; problems go to `errors` with the file and the entry's index.
  static ChatSpellings load(const std::string& path, const TextNormalizer& normalizer,
                            ConfigErrors& errors);

  size_t size() const { return size_; }
  // Every way to write the normalised `term` (words separated by single spaces) of a lexicon entry
  // in `language`, with that language's spellings: shorthand in the term read in full, then each
  // reading in it written as any of its shorthands or left as is. The full form comes first; at
  // most kMaxSpellings.
  std::vector<std::string> spellingsOf(std::string_view term, const std::string& language) const;
  static constexpr size_t kMaxSpellings = 64;

 private:
  using Words = std::vector<std::string>;
  struct Language {
    std::map<std::string, std::vector<Words>> readings_of;  // written word -> its readings
    std::map<Words, std::vector<std::string>> written_as;   // reading's words -> written words
  };
  std::map<std::string, Language> languages_;
  size_t size_ = 0;
};

}  // namespace modstream
