#include "stages/text_risk/chat_spellings.h"

#include <algorithm>

namespace modstream {

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
  std::unordered_map<std::string, std::string> first_written;  // normalised -> as written
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
    if (const auto [it, added] = first_written.emplace(key, written); !added) {
      errors.add(item.pathOf("written"), "'" + written + "' normalises like '" + it->second +
                                             "' listed before it ('" + key + "')");
      continue;
    }
    table.longest_written_ = std::max(table.longest_written_, key.size());
    table.readings_.emplace(key, reading);
  }
  file.finish();
  return table;
}

void ChatSpellings::expand(NormalizedText& text) const {
  if (readings_.empty() || text.text.empty()) return;
  NormalizedText out;
  bool changed = false;
  size_t begin = 0;
  while (begin <= text.text.size()) {
    size_t end = text.text.find(' ', begin);
    if (end == std::string::npos) end = text.text.size();
    const std::string_view word(text.text.data() + begin, end - begin);
    const auto found = word.size() <= longest_written_ ? readings_.find(word) : readings_.end();
    if (found != readings_.end()) {
      if (!changed) {  // copy what came before the first replaced word
        out.text.assign(text.text, 0, begin);
        out.source_begin.assign(text.source_begin.begin(), text.source_begin.begin() + begin);
        out.source_end.assign(text.source_end.begin(), text.source_end.begin() + begin);
        changed = true;
      }
      const auto [source_begin, source_end] = text.sourceSpan(begin, end);
      out.text.append(found->second);
      out.source_begin.insert(out.source_begin.end(), found->second.size(), source_begin);
      out.source_end.insert(out.source_end.end(), found->second.size(), source_end);
    } else if (changed) {
      out.text.append(word);
      out.source_begin.insert(out.source_begin.end(), text.source_begin.begin() + begin,
                              text.source_begin.begin() + end);
      out.source_end.insert(out.source_end.end(), text.source_end.begin() + begin,
                            text.source_end.begin() + end);
    }
    if (end == text.text.size()) break;
    if (changed) {  // the space after the word
      out.text.push_back(' ');
      out.source_begin.push_back(text.source_begin[end]);
      out.source_end.push_back(text.source_end[end]);
    }
    begin = end + 1;
  }
  if (changed) text = std::move(out);
}

std::string ChatSpellings::expand(std::string_view normalized) const {
  NormalizedText text;
  text.text = normalized;
  text.source_begin.assign(normalized.size(), 0);
  text.source_end.assign(normalized.size(), 0);
  expand(text);
  return text.text;
}

}  // namespace modstream
