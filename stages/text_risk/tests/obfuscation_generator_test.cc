// ObfuscationGenerator: seeded variants that each obfuscate the way they say, and the property the
// issue asks for: the shipped lexicons judge a variant like its plain form.

#include "stages/text_risk/obfuscation_generator.h"

#include <catch2/catch.hpp>

using namespace modstream;

namespace {

std::string withoutZeroWidth(std::string text) {
  for (const std::string invisible : {"\u200b", "\u200c", "\u200d"}) {
    for (size_t at; (at = text.find(invisible)) != std::string::npos;) {
      text.erase(at, invisible.size());
    }
  }
  return text;
}

std::string lowered(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string apply(Obfuscation kind, std::string_view text, uint64_t state = 7) {
  return ObfuscationGenerator::apply(kind, text, state);
}

}  // namespace

TEST_CASE("obfuscation generator: a seed writes the same variants in any message order",
          "[text_risk][obfuscation]") {
  const ObfuscationGenerator generator(42);
  const auto first = generator.variants("threat-1", "i am going to kill you tonight", 12);
  (void)generator.variants("other", "some other message", 5);
  const auto again = generator.variants("threat-1", "i am going to kill you tonight", 12);
  REQUIRE(first.size() == again.size());
  CHECK(first.size() >= 10);
  for (size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].text == again[i].text);
    CHECK(first[i].text != "i am going to kill you tonight");
    CHECK(!first[i].kinds.empty());
  }
  const auto reseeded =
      ObfuscationGenerator(43).variants("threat-1", "i am going to kill you tonight", 12);
  bool any_different = false;
  for (size_t i = 0; i < std::min(first.size(), reseeded.size()); ++i) {
    any_different = any_different || first[i].text != reseeded[i].text;
  }
  CHECK(any_different);
}

TEST_CASE("obfuscation generator: each obfuscation does what its name says",
          "[text_risk][obfuscation]") {
  CHECK(apply(Obfuscation::kSpacedLetters, "kill you, now") == "k i l l  y o u, n o w");
  CHECK(apply(Obfuscation::kSpacedEvenly, "kill you, now") == "k i l l y o u, n o w");
  CHECK(apply(Obfuscation::kChatSpellings, "I am going to see you and your mate today") ==
        "i am gonna cya and ur m8 2day");
  CHECK(apply(Obfuscation::kChatSpellings, "you are dead") == "u r dead");
  CHECK(apply(Obfuscation::kEmoji, "i will stab you, you are dead") ==
        "i will \U0001F52A you, you are \U0001F480");
  const std::string leet = apply(Obfuscation::kLeetspeak, "set it to east");
  CHECK(leet != "set it to east");
  CHECK(leet.find_first_not_of("s5e3t7 i1o0a4") == std::string::npos);
  const std::string dotted = apply(Obfuscation::kDottedWord, "i will hurt you");
  CHECK((dotted == "i w.i.l.l hurt you" || dotted == "i will h.u.r.t you" ||
         dotted == "i will hurt y.o.u"));
  const std::string look_alike = apply(Obfuscation::kLookAlikes, "you are a coward");
  CHECK(look_alike != "you are a coward");
  CHECK(look_alike.find("\xd1") != std::string::npos);  // Cyrillic lead bytes (U+0440..U+044F)
  const std::string invisible = apply(Obfuscation::kZeroWidth, "send me the pictures now");
  CHECK(invisible != "send me the pictures now");
  CHECK(withoutZeroWidth(invisible) == "send me the pictures now");
  const std::string mixed = apply(Obfuscation::kMixedCase, "meet me alone after school");
  CHECK(mixed != "meet me alone after school");
  CHECK(lowered(mixed) == "meet me alone after school");
  const std::string stretched = apply(Obfuscation::kStretched, "nobody would miss you");
  CHECK(stretched.size() > std::string("nobody would miss you").size());
  // Multi-byte characters stay whole when spaced out.
  CHECK(apply(Obfuscation::kSpacedLetters, "caf\xc3\xa9") == "c a f \xc3\xa9");
}
