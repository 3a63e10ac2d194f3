#include "stages/text_risk/text_normalizer.h"

#include <catch2/catch.hpp>

using namespace modstream;

namespace {
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
  CHECK(plain == "kil");  // repeated letters collapse, on both lexicon and text
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
}

TEST_CASE("spacing and punctuation collapse to single spaces", "[normalizer]") {
  CHECK(norm("  I'm   going...to   KILL   you!!!  ") == "i m going to kil you");
  CHECK(norm("a b") == "a b");  // two single letters are not a spaced-out word
}

TEST_CASE("other scripts pass through", "[normalizer]") {
  CHECK(norm("我会杀了你") == "我会杀了你");
}

TEST_CASE("each normalised byte maps back to the original text", "[normalizer]") {
  CHECK(originalOf("so I'll K I L L you", "kil") == "K I L L");
  CHECK(originalOf("I will ｋｉｌｌ you", "kil") == "ｋｉｌｌ");
}

TEST_CASE("invalid UTF-8 does not crash and separates words", "[normalizer]") {
  CHECK(norm(std::string("ab\xff\xfe"
                         "cd",
                         6)) == "ab cd");
  CHECK(norm("").empty());
}
