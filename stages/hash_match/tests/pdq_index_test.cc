#include "stages/hash_match/pdq_index.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

using namespace modstream;

namespace {

PdqHash randomHash(std::mt19937_64& random) {
  PdqHash h;
  for (auto& w : h.words) w = random();
  return h;
}

PdqHash flipBits(PdqHash h, int count, std::mt19937_64& random) {
  std::vector<int> bits(256);
  for (int i = 0; i < 256; ++i) bits[i] = i;
  std::shuffle(bits.begin(), bits.end(), random);
  for (int i = 0; i < count; ++i) h.words[bits[i] >> 6] ^= uint64_t{1} << (bits[i] & 63);
  return h;
}

std::vector<std::pair<uint32_t, int>> sorted(std::vector<PdqIndex::Hit> hits) {
  std::vector<std::pair<uint32_t, int>> out;
  for (const auto& h : hits) out.emplace_back(h.id, h.distance);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("the PDQ index returns exactly the brute-force set", "[pdq_index]") {
  std::mt19937_64 random(11);
  std::vector<PdqHash> hashes;
  std::vector<PdqHash> near_of;
  for (int i = 0; i < 20000; ++i) hashes.push_back(randomHash(random));
  // Planted near-duplicates at every distance from 0 to 64 of the first 200 hashes.
  for (int i = 0; i < 200; ++i) hashes.push_back(flipBits(hashes[i], i % 65, random));
  PdqIndex index(hashes);
  size_t total_hits = 0;
  for (int max_distance : {0, 8, 31, 32, 47}) {
    for (int q = 0; q < 300; ++q) {
      // Queries: stored hashes, perturbed stored hashes, and fresh random ones.
      PdqHash query = q < 100   ? hashes[q]
                      : q < 250 ? flipBits(hashes[q], q % 40, random)
                                : randomHash(random);
      std::vector<PdqIndex::Hit> fast, brute;
      index.search(query, max_distance, fast);
      index.searchBruteForce(query, max_distance, brute);
      INFO("query " << q << " at distance " << max_distance);
      REQUIRE(sorted(fast) == sorted(brute));
      total_hits += brute.size();
    }
  }
  CHECK(total_hits > 1000);  // the comparison covered real matches, not just empty sets
}

TEST_CASE("an empty index finds nothing", "[pdq_index]") {
  PdqIndex index({});
  std::vector<PdqIndex::Hit> hits;
  index.search(PdqHash{}, 31, hits);
  CHECK(hits.empty());
}
