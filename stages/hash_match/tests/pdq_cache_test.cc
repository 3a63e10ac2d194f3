// PdqCache: bounded, least recently used out first, keyed by SHA-256 hex, counted.

#include "stages/hash_match/pdq_cache.h"

#include <catch2/catch.hpp>
#include <cstdio>

#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

// A SHA-256-shaped key; `shard` picks the shard (the second 64-bit word modulo 16).
std::string key(int id, int shard = 0) {
  char text[65];
  std::snprintf(text, sizeof text, "%016x%016x%032x", id, shard, 0);
  return text;
}

PdqDihedralResult result(int quality) {
  PdqDihedralResult r;
  r.hashes[0].setBit(quality);
  r.quality = quality;
  return r;
}

}  // namespace

TEST_CASE("pdq cache: a stored result comes back, counted as a hit", "[pdq_cache]") {
  prometheus::Registry metrics;
  PdqCache cache(100, &metrics);
  CHECK_FALSE(cache.find(key(1)));
  cache.insert(key(1), result(70));
  const auto found = cache.find(key(1));
  REQUIRE(found);
  CHECK(found->quality == 70);
  CHECK(found->hashes[0].bit(70));
  CHECK(testing::metricTotal(metrics, "modstream_hash_match_pdq_cache_lookups_total", "result",
                             "hit") == 1);
  CHECK(testing::metricTotal(metrics, "modstream_hash_match_pdq_cache_lookups_total", "result",
                             "miss") == 1);
  CHECK(cache.size() == 1);
  CHECK(cache.bytes() > sizeof(PdqDihedralResult));
}

TEST_CASE("pdq cache: full, the least recently used entry goes first", "[pdq_cache]") {
  prometheus::Registry metrics;
  PdqCache cache(32, &metrics);  // two entries per shard
  cache.insert(key(1), result(1));
  cache.insert(key(2), result(2));
  REQUIRE(cache.find(key(1)));  // 1 is now the more recently used
  cache.insert(key(3), result(3));
  CHECK(cache.find(key(1)));
  CHECK_FALSE(cache.find(key(2)));
  CHECK(cache.find(key(3)));
  CHECK(testing::metricTotal(metrics, "modstream_hash_match_pdq_cache_evictions_total") == 1);
  // Never more than the capacity, over every shard.
  for (int i = 0; i < 1000; ++i) cache.insert(key(100 + i, i % 16), result(i % 100));
  CHECK(cache.size() == 32);
}

TEST_CASE("pdq cache: at, under and over a small capacity", "[pdq_cache]") {
  for (const size_t capacity : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}}) {
    INFO("capacity " << capacity);
    PdqCache cache(capacity, nullptr);
    for (int i = 0; i < 200; ++i) cache.insert(key(i, i % 16), result(1));
    CHECK(cache.size() == capacity);
  }
}

TEST_CASE("pdq cache: a key that is no SHA-256 is a miss and is not stored", "[pdq_cache]") {
  PdqCache cache(100, nullptr);
  for (const std::string& bad :
       {std::string(""), std::string(63, 'a'), std::string(64, 'g'), std::string(65, 'a')}) {
    cache.insert(bad, result(1));
    CHECK_FALSE(cache.find(bad));
  }
  CHECK(cache.size() == 0);
}
