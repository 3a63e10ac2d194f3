#include "stages/hash_match/pdq.h"

#include <catch2/catch.hpp>
#include <random>

using namespace modstream;

TEST_CASE("PDQ hex round-trips and bit k has value 2^k", "[pdq]") {
  PdqHash hash;
  hash.setBit(0);
  hash.setBit(255);
  CHECK(hash.hex() == "8000000000000000000000000000000000000000000000000000000000000001");
  auto parsed = PdqHash::fromHex(hash.hex());
  REQUIRE(parsed);
  CHECK(*parsed == hash);
  CHECK_FALSE(PdqHash::fromHex("xyz"));
  CHECK_FALSE(PdqHash::fromHex(std::string(64, 'g')));
  CHECK(PdqHash::fromHex(std::string(64, 'F'))->distance(PdqHash{}) == 256);
}

TEST_CASE("images narrower than five pixels hash to zero with quality zero", "[pdq]") {
  std::vector<uint8_t> rgb(4 * 100 * 3, 200);
  PdqHasher hasher;
  auto result = hasher.hashRgb(rgb.data(), 100, 4);
  CHECK(result.quality == 0);
  CHECK(result.hash == PdqHash{});
}

TEST_CASE("a flat image has quality zero and a noisy one quality 100", "[pdq]") {
  PdqHasher hasher;
  std::vector<uint8_t> flat(300 * 200 * 3, 128);
  CHECK(hasher.hashRgb(flat.data(), 200, 300).quality == 0);
  std::mt19937 random(7);
  std::vector<uint8_t> noise(300 * 200 * 3);
  for (auto& v : noise) v = static_cast<uint8_t>(random());
  auto result = hasher.hashRgb(noise.data(), 200, 300);
  CHECK(result.quality == 100);
  // Half the bits are above the median, give or take ties.
  int ones = 0;
  for (int k = 0; k < 256; ++k) ones += result.hash.bit(k);
  CHECK(ones == 128);
}

TEST_CASE("the Jarosz window is about dimension / 128, rounded up", "[pdq]") {
  CHECK(jaroszWindowSize(1024, 64) == 8);
  CHECK(jaroszWindowSize(1025, 64) == 9);
  CHECK(jaroszWindowSize(64, 64) == 1);
  CHECK(jaroszWindowSize(1, 64) == 1);
}
