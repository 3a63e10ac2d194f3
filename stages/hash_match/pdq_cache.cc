#include "stages/hash_match/pdq_cache.h"

#include <charconv>

namespace modstream {

PdqCache::PdqCache(size_t capacity, prometheus::Registry* registry) {
  // Split exactly, so that the shards together hold `capacity` entries at most.
  for (size_t i = 0; i < kShards; ++i) {
    shards_[i].capacity = capacity / kShards + (i < capacity % kShards ? 1 : 0);
  }
  if (!registry) return;
  auto& lookups = prometheus::BuildCounter()
                      .Name("modstream_hash_match_pdq_cache_lookups_total")
                      .Help("Media looked up in the PDQ cache (by SHA-256 of the bytes), by result")
                      .Register(*registry);
  hits_ = &lookups.Add({{"result", "hit"}});
  misses_ = &lookups.Add({{"result", "miss"}});
  evictions_ = &prometheus::BuildCounter()
                    .Name("modstream_hash_match_pdq_cache_evictions_total")
                    .Help("PDQ cache entries dropped to make room (least recently used first)")
                    .Register(*registry)
                    .Add({});
  entries_ = &prometheus::BuildGauge()
                  .Name("modstream_hash_match_pdq_cache_entries")
                  .Help("Images whose PDQ result is cached")
                  .Register(*registry)
                  .Add({});
  bytes_ = &prometheus::BuildGauge()
                .Name("modstream_hash_match_pdq_cache_bytes")
                .Help("Memory held by the PDQ cache's entries")
                .Register(*registry)
                .Add({});
}

std::optional<PdqCache::Key> PdqCache::keyOf(std::string_view sha256_hex) {
  if (sha256_hex.size() != 64) return std::nullopt;
  Key key{};
  for (size_t word = 0; word < key.size(); ++word) {
    const char* begin = sha256_hex.data() + 16 * word;
    const auto [end, error] = std::from_chars(begin, begin + 16, key[word], 16);
    if (error != std::errc() || end != begin + 16) return std::nullopt;
  }
  return key;
}

std::optional<PdqDihedralResult> PdqCache::find(std::string_view sha256_hex) {
  const auto key = keyOf(sha256_hex);
  std::optional<PdqDihedralResult> found;
  if (key) {
    Shard& shard = shardOf(*key);
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.by_key.find(*key); it != shard.by_key.end()) {
      shard.recent.splice(shard.recent.begin(), shard.recent, it->second);
      found = it->second->second;
    }
  }
  if (auto* counter = found ? hits_ : misses_) counter->Increment();
  return found;
}

void PdqCache::insert(std::string_view sha256_hex, const PdqDihedralResult& result) {
  const auto key = keyOf(sha256_hex);
  if (!key) return;
  Shard& shard = shardOf(*key);
  if (shard.capacity == 0) return;
  size_t added = 0, evicted = 0;
  {
    std::lock_guard lock(shard.mutex);
    if (shard.by_key.count(*key)) return;  // another worker hashed the same image meanwhile
    if (shard.recent.size() >= shard.capacity) {
      shard.by_key.erase(shard.recent.back().first);
      shard.recent.pop_back();
      ++evicted;
    }
    shard.recent.emplace_front(*key, result);
    shard.by_key.emplace(*key, shard.recent.begin());
    ++added;
  }
  if (evictions_ && evicted) evictions_->Increment(static_cast<double>(evicted));
  if (entries_) {
    entries_->Increment(static_cast<double>(added) - static_cast<double>(evicted));
    bytes_->Set(entries_->Value() * static_cast<double>(kEntryBytes));
  }
}

size_t PdqCache::size() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.recent.size();
  }
  return total;
}

size_t PdqCache::bytes() const {
  return size() * kEntryBytes;
}

}  // namespace modstream
