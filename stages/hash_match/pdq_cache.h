#pragma once
// PdqCache: the PDQ result of each distinct image seen lately, keyed by the SHA-256 of its bytes,
// so that a repost (the same file again, common on real platforms) is matched without being
// decoded and hashed again. Bounded by a number of entries; the least recently used go first.
//
// Only the hash is cached, never the matches: banks change, and a cached image is matched against
// the banks in use each time it comes. Undecodable files are not cached (their error names the
// record).
//
// Shared by every worker of the stage: split into shards with a mutex each, so workers seldom wait
// for one another. Metrics (lookups by result, evictions, entries, bytes) when given a registry.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "stages/hash_match/pdq.h"

namespace modstream {

class PdqCache {
 public:
  // `capacity` entries at most (0: nothing is cached); `registry` may be null.
  PdqCache(size_t capacity, prometheus::Registry* registry);

  // The cached result for the image whose SHA-256 is `sha256_hex` (64 hex digits), counted as a
  // hit or a miss. A key that is not 64 hex digits is a miss.
  std::optional<PdqDihedralResult> find(std::string_view sha256_hex);
  void insert(std::string_view sha256_hex, const PdqDihedralResult& result);

  size_t size() const;
  // Memory held by the entries: each entry's key, result and list and map bookkeeping.
  size_t bytes() const;

 private:
  using Key = std::array<uint64_t, 4>;
  struct KeyHash {
    size_t operator()(const Key& key) const { return static_cast<size_t>(key[0]); }
  };
  struct Shard {
    size_t capacity = 0;
    mutable std::mutex mutex;
    std::list<std::pair<Key, PdqDihedralResult>> recent;  // most recently used first
    std::unordered_map<Key, decltype(recent)::iterator, KeyHash> by_key;
  };
  static constexpr size_t kShards = 16;
  static std::optional<Key> keyOf(std::string_view sha256_hex);
  Shard& shardOf(const Key& key) { return shards_[key[1] % kShards]; }
  // Per entry: the list node (key, result, two links) and the map's node and bucket.
  static constexpr size_t kEntryBytes = sizeof(std::pair<Key, PdqDihedralResult>) +
                                        2 * sizeof(void*) + sizeof(Key) + 4 * sizeof(void*);

  std::array<Shard, kShards> shards_;
  prometheus::Counter* hits_ = nullptr;
  prometheus::Counter* misses_ = nullptr;
  prometheus::Counter* evictions_ = nullptr;
  prometheus::Gauge* entries_ = nullptr;
  prometheus::Gauge* bytes_ = nullptr;
};

}  // namespace modstream
