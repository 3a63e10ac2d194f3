#include "stages/text_risk/obfuscation_generator.h"

#include <array>
#include <cctype>
#include <utility>

namespace modstream {
namespace {

// splitmix64: a portable random stream, so a seed writes the same variants with any standard
// library (std::uniform_int_distribution is not specified bit for bit).
uint64_t nextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

size_t below(uint64_t& state, size_t bound) {
  return nextRandom(state) % bound;
}
bool coin(uint64_t& state, int percent) {
  return below(state, 100) < size_t(percent);
}

bool isAsciiLetter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool isWordByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '\'' ||
         (static_cast<unsigned char>(c) & 0x80) != 0;
}

// The text split into words (runs of letters, digits, apostrophes and non-ASCII bytes) and the
// gaps between them, alternating, starting with a gap (possibly empty).
std::vector<std::string> splitWords(std::string_view text) {
  std::vector<std::string> parts(1);
  bool in_word = false;
  for (char c : text) {
    if (isWordByte(c) != in_word) {
      parts.emplace_back();
      in_word = !in_word;
    }
    parts.back() += c;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += part;
  return out;
}

bool isWordPart(size_t index) {
  return index % 2 == 1;
}

std::string spaced(std::string_view text, std::string_view word_gap) {
  const auto parts = splitWords(text);
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!isWordPart(i)) {
      const bool only_spaces = parts[i].find_first_not_of(' ') == std::string::npos;
      out += only_spaces && !parts[i].empty() ? std::string(word_gap) : parts[i];
      continue;
    }
    for (size_t j = 0; j < parts[i].size(); ++j) {
      out += parts[i][j];
      const bool continues = j + 1 < parts[i].size();
      // Keep a multi-byte character whole: only split before an ASCII byte or a lead byte.
      if (continues && (static_cast<unsigned char>(parts[i][j + 1]) & 0xC0) != 0x80) out += ' ';
    }
  }
  return out;
}

std::string dottedWord(std::string_view text, uint64_t& state) {
  auto parts = splitWords(text);
  std::vector<size_t> candidates;
  for (size_t i = 1; i < parts.size(); i += 2) {
    bool ascii = parts[i].size() >= 3;
    for (char c : parts[i]) ascii = ascii && isAsciiLetter(c);
    if (ascii) candidates.push_back(i);
  }
  if (candidates.empty()) return std::string(text);
  std::string& word = parts[candidates[below(state, candidates.size())]];
  std::string dotted;
  for (size_t j = 0; j < word.size(); ++j) dotted += (j ? "." : "") + std::string(1, word[j]);
  word = dotted;
  return join(parts);
}

std::string leetspeak(std::string_view text, uint64_t& state) {
  static constexpr std::array<std::pair<char, char>, 6> kLeet = {
      {{'a', '4'}, {'e', '3'}, {'i', '1'}, {'o', '0'}, {'s', '5'}, {'t', '7'}}};
  std::string out(text);
  for (char& c : out) {
    for (const auto& [letter, digit] : kLeet) {
      if (std::tolower(static_cast<unsigned char>(c)) == letter && coin(state, 60)) c = digit;
    }
  }
  return out;
}

std::string lookAlikes(std::string_view text, uint64_t& state) {
  static constexpr std::array<std::pair<char, const char*>, 7> kCyrillic = {{{'a', "\u0430"},
                                                                             {'e', "\u0435"},
                                                                             {'o', "\u043e"},
                                                                             {'p', "\u0440"},
                                                                             {'c', "\u0441"},
                                                                             {'x', "\u0445"},
                                                                             {'y', "\u0443"}}};
  std::string out;
  for (char c : text) {
    const char* swapped = nullptr;
    for (const auto& [letter, cyrillic] : kCyrillic) {
      if (c == letter && coin(state, 50)) swapped = cyrillic;
    }
    if (swapped) {
      out += swapped;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zeroWidth(std::string_view text, uint64_t& state) {
  static constexpr std::array<const char*, 3> kInvisible = {"\u200b", "\u200c", "\u200d"};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    const bool inside_word =
        i + 1 < text.size() && isAsciiLetter(text[i]) && isAsciiLetter(text[i + 1]);
    if (inside_word && coin(state, 35)) out += kInvisible[below(state, kInvisible.size())];
  }
  return out;
}

std::string lowerAsciiCopy(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string chatSpellings(std::string_view text) {
  // Shorthand as issue 17 lists it; two-word readings first so "going to" becomes "gonna".
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kPhrases = {
      {{"going to", "gonna"}, {"want to", "wanna"}, {"got to", "gotta"}, {"see you", "cya"}}};
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kWords = {
      {{"you", "u"},
       {"your", "ur"},
       {"you're", "ur"},
       {"are", "r"},
       {"mate", "m8"},
       {"today", "2day"},
       {"tonight", "2nite"},
       {"tomorrow", "2moro"},
       {"before", "b4"},
       {"for", "4"}}};
  std::string lowered = lowerAsciiCopy(text);
  std::string phrased;
  for (size_t i = 0; i < lowered.size();) {
    bool replaced = false;
    for (const auto& [phrase, shorthand] : kPhrases) {
      const bool starts_word = i == 0 || !isWordByte(lowered[i - 1]);
      const size_t end = i + phrase.size();
      const bool ends_word = end >= lowered.size() || !isWordByte(lowered[end]);
      if (starts_word && ends_word && lowered.compare(i, phrase.size(), phrase) == 0) {
        phrased += shorthand;
        i = end;
        replaced = true;
        break;
      }
    }
    if (!replaced) phrased += lowered[i++];
  }
  auto parts = splitWords(phrased);
  for (size_t i = 1; i < parts.size(); i += 2) {
    for (const auto& [word, shorthand] : kWords) {
      if (parts[i] == word) {
        parts[i] = shorthand;
        break;
      }
    }
  }
  return join(parts);
}

std::string emoji(std::string_view text, uint64_t& state) {
  static constexpr std::array<std::pair<std::string_view, const char*>, 5> kStandIns = {
      {{"stab", "\U0001F52A"},
       {"shoot", "\U0001F52B"},
       {"bomb", "\U0001F4A3"},
       {"dead", "\U0001F480"},
       {"knife", "\U0001F52A"}}};
  static constexpr std::array<const char*, 5> kDecoration = {"\U0001F602", "\U0001F525", "\u2728",
                                                             "\U0001F440", "\U0001F44D\U0001F3FD"};
  auto parts = splitWords(text);
  bool stood_in = false;
  for (size_t i = 1; i < parts.size(); i += 2) {
    for (const auto& [word, pictograph] : kStandIns) {
      if (lowerAsciiCopy(parts[i]) == word) {
        parts[i] = pictograph;
        stood_in = true;
      }
    }
  }
  if (!stood_in && parts.size() > 1) {
    // Decoration: an emoji after a random word and at the end.
    const size_t word = 1 + 2 * below(state, parts.size() / 2);
    parts[word] += kDecoration[below(state, kDecoration.size())];
    parts.back() += kDecoration[below(state, kDecoration.size())];
  }
  return join(parts);
}

std::string mixedCase(std::string_view text, uint64_t& state) {
  std::string out(text);
  for (char& c : out) {
    if (isAsciiLetter(c) && coin(state, 50)) {
      c = static_cast<char>(std::islower(static_cast<unsigned char>(c))
                                ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string stretched(std::string_view text, uint64_t& state) {
  auto parts = splitWords(text);
  for (size_t i = 1; i < parts.size(); i += 2) {
    std::string& word = parts[i];
    if (word.size() < 3 || !coin(state, 50)) continue;
    const size_t at = below(state, word.size());
    if (!isAsciiLetter(word[at])) continue;
    word.insert(at, 2 + below(state, 4), word[at]);
  }
  return join(parts);
}

constexpr std::array<Obfuscation, 10> kAll = {
    Obfuscation::kSpacedLetters, Obfuscation::kSpacedEvenly, Obfuscation::kDottedWord,
    Obfuscation::kLeetspeak,     Obfuscation::kLookAlikes,   Obfuscation::kZeroWidth,
    Obfuscation::kChatSpellings, Obfuscation::kEmoji,        Obfuscation::kMixedCase,
    Obfuscation::kStretched};

uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return hash;
}

}  // namespace

const char* obfuscationName(Obfuscation kind) {
  switch (kind) {
    case Obfuscation::kSpacedLetters:
      return "spaced_letters";
    case Obfuscation::kSpacedEvenly:
      return "spaced_evenly";
    case Obfuscation::kDottedWord:
      return "dotted_word";
    case Obfuscation::kLeetspeak:
      return "leetspeak";
    case Obfuscation::kLookAlikes:
      return "look_alikes";
    case Obfuscation::kZeroWidth:
      return "zero_width";
    case Obfuscation::kChatSpellings:
      return "chat_spellings";
    case Obfuscation::kEmoji:
      return "emoji";
    case Obfuscation::kMixedCase:
      return "mixed_case";
    case Obfuscation::kStretched:
      return "stretched";
  }
  return "unknown";
}

std::string ObfuscationGenerator::apply(Obfuscation kind, std::string_view text, uint64_t& state) {
  switch (kind) {
    case Obfuscation::kSpacedLetters:
      return spaced(text, "  ");
    case Obfuscation::kSpacedEvenly:
      return spaced(text, " ");
    case Obfuscation::kDottedWord:
      return dottedWord(text, state);
    case Obfuscation::kLeetspeak:
      return leetspeak(text, state);
    case Obfuscation::kLookAlikes:
      return lookAlikes(text, state);
    case Obfuscation::kZeroWidth:
      return zeroWidth(text, state);
    case Obfuscation::kChatSpellings:
      return chatSpellings(text);
    case Obfuscation::kEmoji:
      return emoji(text, state);
    case Obfuscation::kMixedCase:
      return mixedCase(text, state);
    case Obfuscation::kStretched:
      return stretched(text, state);
  }
  return std::string(text);
}

std::vector<ObfuscatedVariant> ObfuscationGenerator::variants(std::string_view message_id,
                                                              std::string_view text,
                                                              int count) const {
  uint64_t state = seed_ ^ fnv1a(message_id);
  std::vector<ObfuscatedVariant> out;
  for (int n = 0; n < count; ++n) {
    ObfuscatedVariant variant;
    variant.text = std::string(text);
    const size_t obfuscations = 1 + below(state, 2);
    // A few draws per obfuscation: one that changes nothing here is drawn again.
    for (int tries = 0; variant.kinds.size() < obfuscations && tries < 8; ++tries) {
      const Obfuscation kind = kAll[below(state, kAll.size())];
      // Spaced letters after another obfuscation would space out its look-alikes and digits
      // too; keep it first, as people type it.
      const bool spacing =
          kind == Obfuscation::kSpacedLetters || kind == Obfuscation::kSpacedEvenly;
      if (spacing && !variant.kinds.empty()) continue;
      std::string next = apply(kind, variant.text, state);
      if (next == variant.text) continue;
      variant.text = std::move(next);
      variant.kinds.push_back(kind);
    }
    if (variant.text != text) out.push_back(std::move(variant));
  }
  return out;
}

}  // namespace modstream
