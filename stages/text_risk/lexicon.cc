#include "stages/text_risk/lexicon.h"

#include <hs/hs.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace modstream {

std::vector<LexiconEntry> loadLexiconFile(const std::string& path, const TextNormalizer& normalizer,
                                          ConfigErrors& errors) {
  std::vector<LexiconEntry> entries;
  auto root = parseYamlFile(path, errors);
  if (!root) return entries;
  ConfigMap file(*root, path, errors);
  std::string category, language = "en";
  file.field("category", category, /*required=*/true);
  file.field("language", language);
  auto items = file.sequence("entries");
  if (items.empty()) errors.add(file.pathOf("entries"), "at least one entry is required");
  for (size_t i = 0; i < items.size(); ++i) {
    ConfigMap item(items[i], file.pathOf("entries") + "[" + std::to_string(i) + "]", errors);
    LexiconEntry entry;
    entry.category = category;
    entry.language = language;
    item.field("id", entry.id, /*required=*/true);
    item.field("term", entry.term, /*required=*/true);
    item.field("weight", entry.weight, {0.0, 1.0});
    item.field("prefix", entry.prefix);
    item.field("language", entry.language);  // overrides the file's language
    item.finish();
    entry.normalized = normalizer.normalize(entry.term).text;
    if (!entry.term.empty() && entry.normalized.empty()) {
      errors.add(item.pathOf("term"), "normalises to nothing: '" + entry.term + "'");
      continue;
    }
    entries.push_back(std::move(entry));
  }
  file.finish();
  return entries;
}

namespace {

void addPictographs(std::string_view utf8, std::vector<int32_t>& out) {
  for (int32_t i = 0; i < static_cast<int32_t>(utf8.size());) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(utf8.data()), i, static_cast<int32_t>(utf8.size()), c);
    if (c > 0 && u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)) out.push_back(c);
  }
}

}  // namespace

LexiconDatabase::LexiconDatabase(std::vector<LexiconEntry> entries) : entries_(std::move(entries)) {
  std::set<std::string> ids;
  // Pure literals, the fastest thing Hyperscan matches. Whole words: the scanner pads the
  // normalised text with a space at each end, and words are separated by single spaces, so
  // " term " finds the term as a whole word anywhere (" term" for a prefix).
  std::vector<std::string> literals;
  for (size_t e = 0; e < entries_.size(); ++e) {
    const auto& entry = entries_[e];
    if (!ids.insert(entry.id).second) {
      throw std::runtime_error("lexicon id '" + entry.id + "' is used twice");
    }
    std::set<std::string> forms = {entry.normalized};
    forms.insert(entry.spellings.begin(), entry.spellings.end());
    for (const auto& form : forms) {
      literals.push_back(" " + form + (entry.prefix ? "" : " "));
      literals_.push_back({e, form.size()});
      addPictographs(form, pictographs_);
      for (size_t start = 0; start < form.size();) {
        const size_t end = std::min(form.find(' ', start), form.size());
        if (end > start) words_.insert(form.substr(start, end - start));
        start = end + 1;
      }
    }
  }
  std::sort(pictographs_.begin(), pictographs_.end());
  pictographs_.erase(std::unique(pictographs_.begin(), pictographs_.end()), pictographs_.end());
  if (entries_.empty()) return;
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags(literals.size(), 0), hs_ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    expressions.push_back(literals[i].data());
    lengths.push_back(literals[i].size());
    hs_ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), hs_ids.data(), lengths.data(),
                           static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr,
                           &database_, &error) != HS_SUCCESS) {
    std::string message =
        error && error->expression >= 0
            ? "lexicon entry '" + entries_[literals_[error->expression].entry].id +
                  "': " + error->message
            : std::string("lexicon compile failed: ") + (error ? error->message : "");
    hs_free_compile_error(error);
    throw std::runtime_error(message);
  }
  if (hs_alloc_scratch(database_, &prototype_scratch_) != HS_SUCCESS) {
    hs_free_database(database_);
    throw std::runtime_error("cannot allocate Hyperscan scratch space");
  }
}

LexiconDatabase::~LexiconDatabase() {
  hs_free_scratch(prototype_scratch_);
  hs_free_database(database_);
}

LexiconScanner::LexiconScanner(std::shared_ptr<const LexiconDatabase> database)
    : database_(std::move(database)) {
  if (database_->prototype_scratch_ &&
      hs_clone_scratch(database_->prototype_scratch_, &scratch_) != HS_SUCCESS) {
    throw std::runtime_error("cannot clone Hyperscan scratch space");
  }
}

LexiconScanner::~LexiconScanner() {
  hs_free_scratch(scratch_);
}

const std::vector<LexiconHit>& LexiconScanner::scan(std::string_view normalized) {
  hits_.clear();
  if (!database_->database_ || normalized.empty()) return hits_;
  padded_.assign(1, ' ');
  padded_.append(normalized);
  padded_.push_back(' ');
  auto onMatch = [](unsigned int id, unsigned long long /*from*/, unsigned long long to,
                    unsigned int /*flags*/, void* opaque) -> int {
    auto* found = static_cast<std::pair<const LexiconDatabase*, std::vector<LexiconHit>*>*>(opaque);
    const auto& literal = found->first->literals_[id];
    const LexiconEntry& entry = found->first->entries_[literal.entry];
    // `to` is in the padded text, one past the trailing space of a whole word: in the normalised
    // text the term ends at to - 2 (whole word) or to - 1 (prefix).
    const size_t end = static_cast<size_t>(to) - (entry.prefix ? 1 : 2);
    found->second->push_back(LexiconHit{&entry, end - literal.length, end});
    return 0;  // keep scanning
  };
  std::pair<const LexiconDatabase*, std::vector<LexiconHit>*> context{database_.get(), &hits_};
  hs_scan(database_->database_, padded_.data(), static_cast<unsigned>(padded_.size()), 0, scratch_,
          onMatch, &context);
  return hits_;
}

}  // namespace modstream
