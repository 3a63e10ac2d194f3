#pragma once
// PdqIndex: every stored PDQ hash within a Hamming distance of a query, exactly (the same set as
// brute force), by multi-index hashing. The 256 bits are cut into 16 chunks of 16 bits; if two
// hashes are within distance d, at least one chunk differs in at most floor(d / 16) bits
// (pigeonhole), so probing each chunk's table with every value within that radius finds all of
// them. At d = 31 that is 17 probes per chunk.
//
// Layout, for memory: hashes in one flat array (32 bytes each) and, per chunk, a bucket table in
// compressed-row form (65,537 offsets and one uint32 id per hash): 96 bytes per hash in all.
// Built once, then immutable: search() may be called from any number of threads.

#include <cstdint>
#include <vector>

#include "stages/hash_match/pdq.h"

namespace modstream {

class PdqIndex {
 public:
  struct Hit {
    uint32_t id;  // position in the vector the index was built from
    int distance;
  };

  explicit PdqIndex(std::vector<PdqHash> hashes);

  // Appends every hash within `max_distance` of `query` (0..255), in no particular order; each
  // stored hash at most once.
  void search(const PdqHash& query, int max_distance, std::vector<Hit>& hits) const;
  // The same by comparing with every hash: the reference the index is tested against.
  void searchBruteForce(const PdqHash& query, int max_distance, std::vector<Hit>& hits) const;

  size_t size() const { return hashes_.size(); }
  const PdqHash& hash(uint32_t id) const { return hashes_[id]; }
  size_t memoryBytes() const;

 private:
  static constexpr int kChunks = 16;
  static constexpr int kBuckets = 1 << 16;
  static uint16_t chunk(const PdqHash& hash, int c) {
    return static_cast<uint16_t>(hash.words[c >> 2] >> (16 * (c & 3)));
  }

  std::vector<PdqHash> hashes_;
  std::vector<uint32_t> offsets_;  // kChunks * (kBuckets + 1)
  std::vector<uint32_t> ids_;      // kChunks * size()
};

}  // namespace modstream
