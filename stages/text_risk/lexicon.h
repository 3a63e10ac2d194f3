#pragma once
// Lexicons: terms by harm category (threat of violence, grooming, sextortion, ...), each with an
// id, a weight and a language, loaded from YAML files under config/lexicons. Terms are normalised
// with TextNormalizer when loaded, so they meet obfuscated text in the same form, then compiled
// once into a Hyperscan literal database that finds every term in one pass over the text.
//
// LexiconDatabase is immutable after build and shared by all workers; each worker scans with its
// own LexiconScanner (Hyperscan scratch space is per thread).

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "pipeline/config/config_reader.h"
#include "stages/text_risk/text_normalizer.h"

struct hs_database;
struct hs_scratch;

namespace modstream {

struct LexiconEntry {
  std::string id;          // unique across all lexicons, e.g. "threat.kill-you"
  std::string category;    // e.g. threat_of_violence
  std::string language;    // e.g. en
  std::string term;        // as written in the lexicon
  std::string normalized;  // as matched
  // Other normalised forms matched as the same entry: chat shorthand of the term ("kill u").
  std::vector<std::string> spellings;
  double weight = 1.0;  // 0..1: how strongly one hit indicates the category
  bool prefix = false;  // also match longer words starting with the term ("groom" -> "grooming")
};

// Parses one lexicon file:
//   category: threat_of_violence
//   language: en
//   entries:
//     - {id: threat.kill-you, term: "i will kill you", weight: 0.9}
//     - {id: threat.shoot-up, term: "shoot up", weight: 0.6, prefix: false}
// Problems go to `errors` with the file and entry path.
std::vector<LexiconEntry> loadLexiconFile(const std::string& path, const TextNormalizer& normalizer,
                                          ConfigErrors& errors);

struct LexiconHit {
  const LexiconEntry* entry;
  size_t begin;  // in the normalised text
  size_t end;
};

class LexiconDatabase {
 public:
  // Compiles `entries`; throws std::runtime_error naming the entry Hyperscan rejects.
  explicit LexiconDatabase(std::vector<LexiconEntry> entries);
  ~LexiconDatabase();
  LexiconDatabase(const LexiconDatabase&) = delete;
  LexiconDatabase& operator=(const LexiconDatabase&) = delete;

  const std::vector<LexiconEntry>& entries() const { return entries_; }
  // The pictographs (emoji) its terms and their spellings name, sorted: the ones the normaliser
  // keeps as words when scanning with this database (TextNormalizer::keepOnlyPictographs).
  const std::vector<int32_t>& pictographs() const { return pictographs_; }
  // Every word of its terms and their spellings, normalised: what a spaced-out run may be split
  // into when scanning with this database (TextNormalizer::splitSpacedWordsInto).
  const std::unordered_set<std::string>& words() const { return words_; }

 private:
  friend class LexiconScanner;
  // One per compiled literal (an entry's term or one of its spellings), by Hyperscan id.
  struct Literal {
    size_t entry;
    size_t length;  // of the normalised form, without the padding spaces
  };
  std::vector<LexiconEntry> entries_;
  std::vector<Literal> literals_;
  std::vector<int32_t> pictographs_;
  std::unordered_set<std::string> words_;
  hs_database* database_ = nullptr;
  hs_scratch* prototype_scratch_ = nullptr;
};

class LexiconScanner {
 public:
  explicit LexiconScanner(std::shared_ptr<const LexiconDatabase> database);
  ~LexiconScanner();
  LexiconScanner(const LexiconScanner&) = delete;
  LexiconScanner& operator=(const LexiconScanner&) = delete;

  // Every whole-word occurrence of every term in `normalized` (TextNormalizer output); valid until
  // the next scan (the buffer is reused).
  const std::vector<LexiconHit>& scan(std::string_view normalized);

 private:
  std::shared_ptr<const LexiconDatabase> database_;
  hs_scratch* scratch_ = nullptr;
  std::string padded_;  // the text being scanned with a space at each end; reused
  std::vector<LexiconHit> hits_;
};

}  // namespace modstream
