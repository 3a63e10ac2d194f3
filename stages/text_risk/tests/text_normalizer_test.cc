#include "stages/text_risk/text_normalizer.h"

#include <catch2/catch.hpp>
#include <random>

using namespace modstream;

namespace {
// The ASCII fast path (normalize) and the general path give the same text and spans.
void requirePathsAgree(const TextNormalizer& normalizer, const std::string& text) {
  const auto fast = normalizer.normalize(text);
  const auto general = normalizer.normalizeGeneral(text);
  INFO("text: '" << text << "'");
  REQUIRE(fast.text == general.text);
  REQUIRE(fast.source_begin == general.source_begin);
  REQUIRE(fast.source_end == general.source_end);
}

std::string norm(const std::string& s) {
  TextNormalizer normalizer;
  return normalizer.normalize(s).text;
}

// The original text behind the first occurrence of `term` in the normalised form.
std::string originalOf(const std::string& original, const std::string& term) {
  TextNormalizer normalizer;
  auto n = normalizer.normalize(original);
  const auto at = n.text.find(term);
  REQUIRE(at != std::string::npos);
  auto [begin, end] = n.sourceSpan(at, at + term.size());
  return original.substr(begin, end - begin);
}
}  // namespace

TEST_CASE("obfuscated spellings normalise like the plain word", "[normalizer]") {
  const std::string plain = norm("kill");
  CHECK(plain == "ki");  // "l" reads as "i", repeats collapse: on lexicon and text alike
  for (const char* variant : {"KILL", "Kill", "k i l l", "k.i.l.l", "k-i-l-l", "k1ll", "kiiiilll",
                              "ｋｉｌｌ",          // fullwidth
                              "k\u0456ll",         // Cyrillic i
                              "k\u200bi\u200dll",  // zero-width space and joiner
                              "k\u00edll",         // accented i
                              "K\u0399LL"}) {      // Greek capital iota
    INFO(variant);
    CHECK(norm(variant) == plain);
  }
}

TEST_CASE("leetspeak inside words becomes letters and numbers stay numbers", "[normalizer]") {
  CHECK(norm("h4te") == norm("hate"));
  CHECK(norm("$h00t") == norm("shoot"));
  CHECK(norm("meet at 5 pm on 2024") == "met at 5 pm on 2024");
  CHECK(norm("s3nd n00dz") == norm("send noodz"));
  // A run of digits and symbols before a letter, and across an apostrophe or a dot.
  CHECK(norm("574b") == norm("stab"));
  CHECK(norm("1'll") == norm("i'll"));
  CHECK(norm("d0n'7 7ell") == norm("don't tell"));
  CHECK(norm("k.1.l.l") == norm("kill"));
  CHECK(norm("so...what, wait.5 min") == "so what wait 5 min");  // an ellipsis is no apostrophe
  // Digits in spaced-out words, which need a run of single characters long enough not to be chat.
  CHECK(norm("y 0 u  w 1 l l  d 1 e") == norm("you will die"));
  CHECK(norm("5 3 c r 3 7") == norm("secret"));
  CHECK(norm("r u 4 real") == "r u 4 reai");
  CHECK(norm("call 5 0 0 now") == "cai 5 0 0 now");  // no letter among them
}

TEST_CASE("spacing and punctuation collapse to single spaces", "[normalizer]") {
  CHECK(norm("  I'm   going...to   KILL   you!!!  ") == "im going to ki you");
  CHECK(norm("don't") == "dont");
  CHECK(norm("don\u2019t") == "dont");
  CHECK(norm("'quoted' words") == "quoted words");
  CHECK(norm("a b") == "a b");  // two single letters are not a spaced-out word
  CHECK(norm("y o u  w i l l  d i e") == "you wi die");  // wider gaps separate words
  // Next to single-letter words, and two-letter words too once the text is spaced out.
  CHECK(norm("p a y  m e  o r  I  p o s t  t h e m") == "pay me or i post them");
  CHECK(norm("s e n d  a  p i c") == "send a pic");
  CHECK(norm("d o n ' t  t e l l") == norm("don't tell"));       // a spaced-out apostrophe
  CHECK(norm("d o n \u2019 t  t e l l") == norm("don't tell"));  // the general path too
  CHECK(norm("it ' s") == "it s");                               // not spaced-out letters
  CHECK(norm("o k  g o") == "o k g o");  // no longer word: two letters could be a list
  CHECK(norm("g o  d i e, l o s e r") == norm("go die, loser"));  // punctuation is a wide gap
  CHECK(norm("mur.der k_i_l_l") == "murder ki");  // dots and underscores inside words
}

TEST_CASE("emoji are words of their own, without skin tones", "[normalizer]") {
  CHECK(norm("you are dead\U0001F480") == "you are dead \U0001F480");             // skull
  CHECK(norm("kill you\U0001F52A\U0001F52A") == "ki you \U0001F52A \U0001F52A");  // knives
  CHECK(norm("ok\U0001F44D\U0001F3FD") == "ok \U0001F44D");  // thumbs up, skin tone dropped
  CHECK(norm("i \U0001F52A u") == "i \U0001F52A u");         // not joined as spaced letters
  CHECK(originalOf("dead\U0001F480!", "\U0001F480") == "\U0001F480");
}

TEST_CASE("with a kept set, other emoji are read as spaces", "[normalizer]") {
  TextNormalizer normalizer;
  const std::vector<int32_t> kept = {0x1F480, 0x1F52A};  // skull, knife
  normalizer.keepOnlyPictographs(&kept);
  CHECK(normalizer.normalize("hurt\U0001F602 ur\U0001F44D\U0001F3FD mum").text == "hurt ur mum");
  CHECK(normalizer.normalize("dead\U0001F480 \U0001F52A\U0001F525").text ==
        "dead \U0001F480 \U0001F52A");
  // Beside spacing, decoration is read as nothing, so spaced-out letters keep their spacing.
  CHECK(normalizer.normalize("y o\U0001F44D\U0001F3FD u  d\u2728 i e").text == "you die");
  CHECK(normalizer.normalize("k i l l \U0001F602\U0001F602 y o u").text == "ki you");
  CHECK(normalizer.normalize("kill\U0001F602you").text == "ki you");  // between letters, a space
  const std::string decorated = "y o\U0001F44D u";
  CHECK(normalizer.normalize(decorated).sourceSpan(0, 3) ==
        std::pair<uint32_t, uint32_t>{0, static_cast<uint32_t>(decorated.size())});
  normalizer.keepOnlyPictographs(nullptr);  // all kept again, whatever was cached before
  CHECK(normalizer.normalize("hurt\U0001F602 u").text == "hurt \U0001F602 u");
}

TEST_CASE("uniformly spaced letters split into vocabulary words, or stay one word",
          "[normalizer]") {
  TextNormalizer normalizer;
  CHECK(normalizer.normalize("i w i l l k i l l y o u").text == "iwikiyou");  // no vocabulary
  const TextNormalizer::WordCosts vocabulary = {
      .spelled = {}, .collapsed = {{"i", 1}, {"wi", 1}, {"ki", 1}, {"you", 1}, {"kiyou", 1}}};
  normalizer.splitSpacedWordsInto(&vocabulary);
  CHECK(normalizer.normalize("i w i l l k i l l y o u").text == "i wi kiyou");  // fewest words
  CHECK(normalizer.normalize("so i w i l l  k i l l").text == "so i wi ki");
  CHECK(normalizer.normalize("k i l l").text == "ki");  // a word already
  // A letter left over: no split, so no term is made out of part of a longer word.
  CHECK(normalizer.normalize("i w i l l k i l l y o u s").text == "iwikiyous");
  // The cheapest split wins, not the one with fewest words.
  const TextNormalizer::WordCosts costs = {
      .spelled =
          {{"you", 1}, {"in", 1}, {"the", 1}, {"face", 2}, {"youi", 2}, {"nth", 2}, {"eface", 2}},
      .collapsed = {}};
  normalizer.splitSpacedWordsInto(&costs);
  CHECK(normalizer.normalize("y o u i n t h e f a c e").text == "you in the face");
  // A word as spelled costs less than one found with repeated letters collapsed: "wiiikiii" is
  // "will kill" and not "wiki", though both cost 2.
  const TextNormalizer::WordCosts spelled = {
      .spelled = {{"i", 1}, {"wiii", 1}, {"kiii", 1}, {"you", 1}},
      .collapsed = {{"i", 1}, {"wi", 1}, {"ki", 1}, {"you", 1}, {"wiki", 2}}};
  normalizer.splitSpacedWordsInto(&spelled);
  CHECK(normalizer.normalize("i w i l l k i l l y o u").text == "i wi ki you");
  CHECK(normalizer.normalize("w i k i").text == "wiki");
  normalizer.splitSpacedWordsInto(&vocabulary);
  // The general path (a non-ASCII character elsewhere) splits alike.
  CHECK(normalizer.normalize("caf\u00e9 i w i l l k i l l y o u").text == "cafe i wi kiyou");
}

TEST_CASE("other scripts pass through", "[normalizer]") {
  CHECK(norm("我会杀了你") == "我会杀了你");
}

TEST_CASE("each normalised byte maps back to the original text", "[normalizer]") {
  CHECK(originalOf("so I'll K I L L you", "ki") == "K I L L");
  CHECK(originalOf("don't tell", "dont") == "don't");
  CHECK(originalOf("I will ｋｉｌｌ you", "ki") == "ｋｉｌｌ");
}

TEST_CASE("invalid UTF-8 does not crash and separates words", "[normalizer]") {
  CHECK(norm(std::string("ab\xff\xfe"
                         "cd",
                         6)) == "ab cd");
  CHECK(norm("").empty());
}

TEST_CASE("the ASCII fast path agrees with the general path", "[normalizer]") {
  // Random text over an alphabet dense in the cases that matter: letters, repeats, leetspeak
  // digits and symbols, spacing and punctuation.
  const std::string alphabet = "aabkillKILL  ..--!!||$$@@0134579+,''\"?xyz";
  std::mt19937 random(20261124);
  TextNormalizer normalizer;
  for (int round = 0; round < 5000; ++round) {
    std::string text(random() % 40, ' ');
    for (auto& c : text) c = alphabet[random() % alphabet.size()];
    requirePathsAgree(normalizer, text);
  }
}

TEST_CASE("the ASCII fast path agrees with the general path on spaced-out text it splits",
          "[normalizer]") {
  // Single letters, leetspeak digits and apostrophes with one or two spaces between them, some
  // punctuation, and a vocabulary to split evenly spaced runs into: the rules of forEachSpacedWord
  // and vocabularySplits, which both paths call with their own units.
  const std::string letters = "aiklouy'0457";
  const TextNormalizer::WordCosts vocabulary = {.spelled = {{"kii", 1}, {"yoo", 2}, {"iiu", 2}},
                                                .collapsed = {{"i", 1},
                                                              {"a", 1},
                                                              {"ki", 1},
                                                              {"you", 1},
                                                              {"yo", 2},
                                                              {"ok", 2},
                                                              {"iu", 2},
                                                              {"kiyo", 2},
                                                              {"u", 1},
                                                              {"ay", 2},
                                                              {"oy", 1},
                                                              {"ioa", 2}}};
  std::mt19937 random(20261203);
  TextNormalizer normalizer;
  normalizer.splitSpacedWordsInto(&vocabulary);
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const size_t units = random() % 16;
    for (size_t u = 0; u < units; ++u) {
      text += letters[random() % letters.size()];
      const unsigned gap = random() % 10;
      text += gap < 6 ? " " : gap < 8 ? "  " : gap < 9 ? ", " : "";
    }
    requirePathsAgree(normalizer, text);
  }
}
