#pragma once
// Writes obfuscated variants of a message the way people type to get past filters: letters spaced
// or dotted out, leetspeak, Cyrillic look-alikes, zero-width characters, chat spellings, emoji in
// place of words or as decoration, mixed case and stretched letters. `modstream text-risk --eval
// --obfuscate N` scores N variants of every corpus message and counts those judged unlike their
// plain form (issue 17). Seeded and keyed by the message id: the same seed writes the same variants
// whatever order the messages come in.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modstream {

enum class Obfuscation {
  kSpacedLetters,  // "kill you" -> "k i l l  y o u" (two spaces between words)
  kSpacedEvenly,   // "kill you" -> "k i l l y o u" (one space everywhere)
  kDottedWord,     // one word: "kill" -> "k.i.l.l"
  kLeetspeak,      // "kill" -> "k1ll"
  kLookAlikes,     // Latin letters swapped for Cyrillic ones that look the same
  kZeroWidth,      // zero-width spaces and joiners inside words
  kChatSpellings,  // "you" -> "u", "going to" -> "gonna", "mate" -> "m8"
  kEmoji,          // "stab" -> "🔪", or decorative emoji between words
  kMixedCase,      // "kill" -> "kIlL"
  kStretched,      // "kill" -> "kiiiill"
};

const char* obfuscationName(Obfuscation kind);

struct ObfuscatedVariant {
  std::vector<Obfuscation> kinds;  // applied in this order
  std::string text;
};

class ObfuscationGenerator {
 public:
  explicit ObfuscationGenerator(uint64_t seed) : seed_(seed) {}

  // `count` variants of `text`, each one or two obfuscations chosen at random (an obfuscation
  // that changes nothing, such as chat spellings in a message without "you", is drawn again).
  // Variants equal to the text itself are left out, so fewer than `count` may come back.
  std::vector<ObfuscatedVariant> variants(std::string_view message_id, std::string_view text,
                                          int count) const;

  // One obfuscation applied to `text` with the random stream `state`.
  static std::string apply(Obfuscation kind, std::string_view text, uint64_t& state);

 private:
  uint64_t seed_;
};

}  // namespace modstream
