#include "stages/text_risk/lexicon.h"

#include <hs/hs.h>

#include <set>
#include <stdexcept>

namespace modstream {
namespace {

// Terms are literal text: escape every byte that is not a letter or digit. One exception: "1",
// "|" and "!" stand for "l" as often as for "i", and the normaliser can only pick one ("i"), so
// each run of i and l in a term matches any run of them ("bullet" meets "bu11et").
std::string literalPattern(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 'i' || c == 'l') {
      while (i + 1 < text.size() && (text[i + 1] == 'i' || text[i + 1] == 'l')) ++i;
      out += "[il]+";
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

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

LexiconDatabase::LexiconDatabase(std::vector<LexiconEntry> entries) : entries_(std::move(entries)) {
  std::set<std::string> ids;
  std::vector<std::string> patterns;
  std::vector<const char*> expressions;
  std::vector<unsigned> flags, hs_ids;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!ids.insert(entries_[i].id).second) {
      throw std::runtime_error("lexicon id '" + entries_[i].id + "' is used twice");
    }
    // Whole words only: normalised text separates words with single spaces.
    patterns.push_back("(?:^| )" + literalPattern(entries_[i].normalized) +
                       (entries_[i].prefix ? "" : "(?: |$)"));
  }
  for (size_t i = 0; i < patterns.size(); ++i) {
    expressions.push_back(patterns[i].c_str());
    flags.push_back(HS_FLAG_SOM_LEFTMOST);
    hs_ids.push_back(static_cast<unsigned>(i));
  }
  if (entries_.empty()) return;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), hs_ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr,
                       &database_, &error) != HS_SUCCESS) {
    std::string message =
        error && error->expression >= 0
            ? "lexicon entry '" + entries_[error->expression].id + "': " + error->message
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

std::vector<LexiconHit> LexiconScanner::scan(std::string_view normalized) {
  std::vector<LexiconHit> hits;
  if (!database_->database_ || normalized.empty()) return hits;
  struct Context {
    const LexiconDatabase* database;
    std::string_view text;
    std::vector<LexiconHit>* hits;
  } context{database_.get(), normalized, &hits};
  auto onMatch = [](unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int /*flags*/, void* opaque) -> int {
    auto* ctx = static_cast<Context*>(opaque);
    // Trim the word separators the pattern matched around the term.
    size_t begin = static_cast<size_t>(from), end = static_cast<size_t>(to);
    if (begin < end && ctx->text[begin] == ' ') ++begin;
    if (end > begin && ctx->text[end - 1] == ' ') --end;
    ctx->hits->push_back(LexiconHit{&ctx->database->entries_[id], begin, end});
    return 0;  // keep scanning
  };
  hs_scan(database_->database_, normalized.data(), static_cast<unsigned>(normalized.size()), 0,
          scratch_, onMatch, &context);
  return hits;
}

}  // namespace modstream
