#include "stages/text_risk/chat_spellings.h"

#include <functional>
#include <set>

namespace modstream {
namespace {

std::vector<std::string> wordsOf(std::string_view text) {
  std::vector<std::string> words;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find(' ', begin);
    if (end == std::string_view::npos) end = text.size();
    if (end > begin) words.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return words;
}

}  // namespace

ChatSpellings ChatSpellings::load(const std::string& path, const TextNormalizer& normalizer,
                                  ConfigErrors& errors) {
  ChatSpellings table;
  auto root = parseYamlFile(path, errors);
  if (!root) return table;
  ConfigMap file(*root, path, errors);
  std::string language = "en";
  file.field("language", language);
  const auto items = file.sequence("spellings");
  if (items.empty()) errors.add(file.pathOf("spellings"), "at least one spelling is required");
  std::map<std::pair<std::string, std::string>, std::string> first;  // normalised pair -> written
  for (size_t i = 0; i < items.size(); ++i) {
    ConfigMap item(items[i], file.pathOf("spellings") + "[" + std::to_string(i) + "]", errors);
    std::string written, reads, entry_language = language;
    item.field("written", written, /*required=*/true);
    item.field("reads", reads, /*required=*/true);
    item.field("language", entry_language);  // overrides the file's language
    item.finish();
    if (written.empty() || reads.empty()) continue;
    const std::string key = normalizer.normalize(written).text;
    const std::string reading = normalizer.normalize(reads).text;
    if (key.empty() || key.find(' ') != std::string::npos) {
      errors.add(item.pathOf("written"),
                 "'" + written + "' must be one word (normalised: '" + key + "')");
      continue;
    }
    if (reading.empty()) {
      errors.add(item.pathOf("reads"), "normalises to nothing: '" + reads + "'");
      continue;
    }
    if (key == reading) {
      errors.add(item.pathOf("reads"), "'" + reads + "' normalises to the written form '" + key +
                                           "': the entry changes nothing");
      continue;
    }
    if (const auto [it, added] =
            first.emplace(std::pair{key, entry_language + " " + reading}, written);
        !added) {
      errors.add(item.pathOf("written"), "'" + written + "' reading '" + reads +
                                             "' normalises like '" + it->second +
                                             "' listed before it ('" + key + "')");
      continue;
    }
    auto& spellings = table.languages_[entry_language];
    spellings.readings_of[key].push_back(wordsOf(reading));
    spellings.written_as[wordsOf(reading)].push_back(key);
    ++table.size_;
  }
  file.finish();
  return table;
}

std::vector<std::string> ChatSpellings::spellingsOf(std::string_view term,
                                                    const std::string& language) const {
  const auto found = languages_.find(language);
  if (found == languages_.end()) return {std::string(term)};
  const auto& readings_of = found->second.readings_of;
  const auto& written_as = found->second.written_as;
  // The term in full: shorthand in it read as its words ("ur dead" -> "your dead" and "youre
  // dead"), every reading of each.
  std::vector<Words> full_forms = {{}};
  for (auto& word : wordsOf(term)) {
    const auto readings = readings_of.find(word);
    std::vector<Words> next;
    for (const auto& form : full_forms) {
      if (readings == readings_of.end()) {
        next.push_back(form);
        next.back().push_back(word);
        continue;
      }
      for (const auto& reading : readings->second) {
        next.push_back(form);
        next.back().insert(next.back().end(), reading.begin(), reading.end());
      }
    }
    full_forms = std::move(next);
    if (full_forms.size() > kMaxSpellings) full_forms.resize(kMaxSpellings);
  }
  // Then, for each, every choice from the left of keeping a word or writing a reading that
  // starts there as one of its shorthands.
  std::vector<std::string> spellings;
  std::set<std::string> seen;
  std::string current;
  const Words* full = nullptr;
  std::function<void(size_t)> spell = [&](size_t at) {
    if (spellings.size() >= kMaxSpellings) return;
    if (at == full->size()) {
      if (seen.insert(current).second) spellings.push_back(current);
      return;
    }
    const size_t mark = current.size();
    const std::string separator = at == 0 ? "" : " ";
    current += separator + (*full)[at];
    spell(at + 1);
    current.resize(mark);
    for (const auto& [reading, shorthands] : written_as) {
      if (reading.size() > full->size() - at ||
          !std::equal(reading.begin(), reading.end(), full->begin() + static_cast<long>(at))) {
        continue;
      }
      for (const auto& shorthand : shorthands) {
        current += separator + shorthand;
        spell(at + reading.size());
        current.resize(mark);
      }
    }
  };
  for (const auto& form : full_forms) {
    full = &form;
    spell(0);
  }
  return spellings;
}

}  // namespace modstream
