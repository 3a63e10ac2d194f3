#pragma once
// BankIndex: every enabled bank's entries, searchable by exact hash (MD5, SHA-1, SHA-256) and by
// PDQ within each bank's distance threshold. Built at start-up (or on reload) from loaded banks,
// then immutable and shared read-only by all worker threads.

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "stages/hash_match/bank.h"
#include "stages/hash_match/pdq_index.h"

namespace modstream {

struct IndexedBank {
  std::string name;
  int pdq_max_distance = 31;
  bool allowlist = false;  // matches here suppress matches of the same content elsewhere
};

class BankIndex {
 public:
  struct Hit {
    const IndexedBank* bank;
    const BankEntry* entry;
    int distance;
  };

  // Takes the banks' entries; PDQ entries go to the perceptual index, the rest to exact lookup.
  void addBank(IndexedBank bank, std::vector<BankEntry> entries);
  // Builds the PDQ index; call once after the last addBank().
  void finish();

  // Hits for a lower-case hex digest of an exact type.
  std::vector<Hit> findExact(HashType type, const std::string& hex) const;
  // Hits within each bank's own threshold.
  std::vector<Hit> findPdq(const PdqHash& query) const;

  size_t exactCount() const { return exact_entries_.size(); }
  size_t pdqCount() const { return pdq_entries_.size(); }

 private:
  std::vector<std::unique_ptr<IndexedBank>> banks_;
  std::vector<std::unique_ptr<BankEntry>> exact_entries_;
  std::vector<const IndexedBank*> exact_banks_;
  std::unordered_multimap<std::string, size_t> exact_by_value_;  // "<type>:<hex>" -> entry
  std::vector<BankEntry> pdq_entries_;
  std::vector<const IndexedBank*> pdq_banks_;
  std::vector<PdqHash> pending_pdq_;
  std::optional<PdqIndex> pdq_index_;
  int pdq_search_distance_ = 0;  // the largest threshold of any bank
};

}  // namespace modstream
