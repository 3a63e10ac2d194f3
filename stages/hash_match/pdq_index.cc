#include "stages/hash_match/pdq_index.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace modstream {

PdqIndex::PdqIndex(std::vector<PdqHash> hashes) : hashes_(std::move(hashes)) {
  if (hashes_.size() > UINT32_MAX) throw std::length_error("PdqIndex holds at most 2^32 hashes");
  const size_t n = hashes_.size();
  offsets_.assign(static_cast<size_t>(kChunks) * (kBuckets + 1), 0);
  ids_.resize(static_cast<size_t>(kChunks) * n);
  for (int c = 0; c < kChunks; ++c) {
    uint32_t* offsets = offsets_.data() + static_cast<size_t>(c) * (kBuckets + 1);
    for (const auto& h : hashes_) ++offsets[chunk(h, c) + 1];
    for (int b = 0; b < kBuckets; ++b) offsets[b + 1] += offsets[b];
    // Counting sort: fill each bucket in id order, so buckets list ids ascending.
    std::vector<uint32_t> cursor(offsets, offsets + kBuckets);
    uint32_t* ids = ids_.data() + static_cast<size_t>(c) * n;
    for (uint32_t id = 0; id < n; ++id) ids[cursor[chunk(hashes_[id], c)]++] = id;
  }
}

// Hamming distances dominate search: built twice, for CPUs with the popcnt instruction and
// without, and picked at load time (GCC function multi-versioning). Not under ThreadSanitizer:
// the ifunc resolver runs during relocation, before TSan's runtime is up, and crashes the process.
#if defined(__SANITIZE_THREAD__)
#define MODSTREAM_POPCNT_CLONES
#else
#define MODSTREAM_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#endif

MODSTREAM_POPCNT_CLONES
void PdqIndex::search(const PdqHash& query, int max_distance, std::vector<Hit>& hits) const {
  const size_t first_hit = hits.size();
  const int radius = std::min(max_distance / kChunks, 16);
  const size_t n = hashes_.size();
  // Every 16-bit value within `radius` of a chunk value: enumerated by flipping up to `radius`
  // bits (radius 1 at the default threshold of 31, so 17 probes).
  std::vector<uint16_t> probes;
  std::vector<uint32_t> candidates;
  for (int c = 0; c < kChunks; ++c) {
    const uint16_t value = chunk(query, c);
    probes.assign(1, value);
    for (int r = 1; r <= radius; ++r) {
      const size_t previous = probes.size();
      for (size_t p = 0; p < previous; ++p) {
        for (int bit = 0; bit < 16; ++bit) {
          const uint16_t flipped = static_cast<uint16_t>(probes[p] ^ (1u << bit));
          // Keep only values at exactly distance r (one more bit than their parent), once each:
          // flip only bits above the parent's highest flipped bit.
          const uint16_t diff = static_cast<uint16_t>(probes[p] ^ value);
          if (std::popcount(diff) == r - 1 && (diff >> bit) == 0) probes.push_back(flipped);
        }
      }
    }
    const uint32_t* offsets = offsets_.data() + static_cast<size_t>(c) * (kBuckets + 1);
    const uint32_t* ids = ids_.data() + static_cast<size_t>(c) * n;
    for (uint16_t probe : probes) {
      candidates.insert(candidates.end(), ids + offsets[probe], ids + offsets[probe + 1]);
    }
  }
  // Candidates are random rows of a large array: fetch ahead so that many cache misses are in
  // flight at once instead of one per comparison.
  constexpr size_t kPrefetchAhead = 16;
  const size_t count = candidates.size();
  for (size_t i = 0; i < count; ++i) {
    if (i + kPrefetchAhead < count) __builtin_prefetch(&hashes_[candidates[i + kPrefetchAhead]]);
    const uint32_t id = candidates[i];
    const int distance = query.distance(hashes_[id]);
    if (distance <= max_distance) hits.push_back(Hit{id, distance});
  }
  // A near hash shares several chunks with the query and is found once per chunk: keep one.
  std::sort(hits.begin() + static_cast<std::ptrdiff_t>(first_hit), hits.end(),
            [](const Hit& a, const Hit& b) { return a.id < b.id; });
  hits.erase(std::unique(hits.begin() + static_cast<std::ptrdiff_t>(first_hit), hits.end(),
                         [](const Hit& a, const Hit& b) { return a.id == b.id; }),
             hits.end());
}

MODSTREAM_POPCNT_CLONES
void PdqIndex::searchBruteForce(const PdqHash& query, int max_distance,
                                std::vector<Hit>& hits) const {
  for (uint32_t id = 0; id < hashes_.size(); ++id) {
    const int distance = query.distance(hashes_[id]);
    if (distance <= max_distance) hits.push_back(Hit{id, distance});
  }
}

size_t PdqIndex::memoryBytes() const {
  return hashes_.capacity() * sizeof(PdqHash) + offsets_.capacity() * sizeof(uint32_t) +
         ids_.capacity() * sizeof(uint32_t);
}

}  // namespace modstream
