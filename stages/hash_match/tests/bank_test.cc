#include "stages/hash_match/bank.h"

#include <catch2/catch.hpp>

using namespace modstream;

namespace {
const std::string kData = MODSTREAM_SOURCE_DIR "/stages/hash_match/tests/data/";

bool hasProblem(const BankLoad& load, const std::string& text) {
  for (const auto& p : load.problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("a CSV bank keeps good lines and reports each bad one as file:line", "[bank]") {
  BankLoad load = loadBankFile(kData + "mixed.csv");
  REQUIRE(load.entries.size() == 4);
  CHECK(load.entries[0].value == "0123456789abcdef0123456789abcdef");  // lower-cased
  CHECK(load.entries[0].entry_id == "E-1");
  CHECK(load.entries[1].source == "unit test, quoted");
  CHECK(load.entries[3].hash_type == HashType::kPdq);
  INFO(load.problems.size());
  CHECK(load.problems.size() == 6);
  CHECK(hasProblem(load, "mixed.csv:5: md5 value must be 32 hex digits, got 4"));
  CHECK(hasProblem(load, "mixed.csv:6: md5 value has a non-hex character"));
  CHECK(hasProblem(load, "mixed.csv:7: unknown hash_type 'crc32'"));
  CHECK(hasProblem(load, "mixed.csv:8: md5 value is all zeros"));
  CHECK(hasProblem(load, "mixed.csv:9: entry_id is empty"));
  CHECK(hasProblem(load, "mixed.csv:11: pdq value is near-constant (2 of 256 bits set"));
}

TEST_CASE("a JSON Lines bank reports bad lines with their numbers", "[bank]") {
  BankLoad load = loadBankFile(kData + "mixed.jsonl");
  REQUIRE(load.entries.size() == 2);
  CHECK(load.entries[1].entry_id == "J-3");
  CHECK(hasProblem(load, "mixed.jsonl:2: not a JSON object"));
  CHECK(hasProblem(load, "mixed.jsonl:4: sha256 value must be 64 hex digits"));
  CHECK(load.problems.size() == 2);
}

TEST_CASE("a missing bank file is one problem and not a crash", "[bank]") {
  BankLoad load = loadBankFile(kData + "absent.csv");
  CHECK(load.entries.empty());
  REQUIRE(load.problems.size() == 1);
  CHECK_THAT(load.problems[0], Catch::Contains("absent.csv"));
}
