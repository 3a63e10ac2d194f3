// PDQ index benchmark, single-threaded: build time, memory, and range queries per second at
// distance 31 on N random hashes plus planted near-duplicates, with recall checked against brute
// force. Writes the hashes and queries (raw 32-byte rows, big-endian bit order as FAISS expects)
// for reference.py, which runs FAISS on the very same data.
//   pdq_index_bench N QUERIES SEED OUT_DIR

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "stages/hash_match/pdq_index.h"

using namespace modstream;
using Clock = std::chrono::steady_clock;

namespace {

size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

PdqHash flipBits(PdqHash h, int count, std::mt19937_64& random) {
  // Distinct bits, so the distance is exactly `count`.
  std::array<int, 256> bits;
  for (int i = 0; i < 256; ++i) bits[i] = i;
  std::shuffle(bits.begin(), bits.end(), random);
  for (int i = 0; i < count; ++i) h.words[bits[i] >> 6] ^= uint64_t{1} << (bits[i] & 63);
  return h;
}

// FAISS reads binary vectors as bytes with bit i of byte j being dimension 8j+i; any fixed layout
// works as long as both sides see the same bits, so write the words little-endian.
void writeRows(const std::string& path, const std::vector<PdqHash>& hashes) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& h : hashes) out.write(reinterpret_cast<const char*>(h.words.data()), 32);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: pdq_index_bench N QUERIES SEED OUT_DIR\n";
    return 2;
  }
  const size_t n = std::stoull(argv[1]);
  const size_t query_count = std::stoull(argv[2]);
  std::mt19937_64 random(std::stoull(argv[3]));
  const std::string out_dir = argv[4];

  std::vector<PdqHash> hashes(n);
  for (auto& h : hashes) {
    for (auto& w : h.words) w = random();
  }
  // Half the queries are near-duplicates (0..40 bits) of stored hashes, half are fresh.
  std::vector<PdqHash> queries;
  for (size_t q = 0; q < query_count; ++q) {
    if (q % 2 == 0) {
      queries.push_back(flipBits(hashes[random() % n], static_cast<int>(random() % 41), random));
    } else {
      PdqHash h;
      for (auto& w : h.words) w = random();
      queries.push_back(h);
    }
  }
  writeRows(out_dir + "/hashes.bin", hashes);
  writeRows(out_dir + "/queries.bin", queries);

  const size_t rss_before = residentBytes();
  auto start = Clock::now();
  PdqIndex index(std::move(hashes));
  const double build_s = std::chrono::duration<double>(Clock::now() - start).count();
  const size_t rss_after = residentBytes();

  std::vector<PdqIndex::Hit> hits;
  size_t found = 0;
  start = Clock::now();
  for (const auto& q : queries) {
    hits.clear();
    index.search(q, 31, hits);
    found += hits.size();
  }
  const double query_s = std::chrono::duration<double>(Clock::now() - start).count();

  // Recall against brute force on a sample of the queries.
  const size_t checked = std::min<size_t>(queries.size(), 200);
  size_t expected = 0, agreed = 0;
  for (size_t q = 0; q < checked; ++q) {
    std::vector<PdqIndex::Hit> fast, brute;
    index.search(queries[q], 31, fast);
    index.searchBruteForce(queries[q], 31, brute);
    expected += brute.size();
    for (const auto& b : brute) {
      agreed += std::any_of(fast.begin(), fast.end(), [&](const auto& f) { return f.id == b.id; });
    }
  }
  std::cout << nlohmann::json{{"n", n},
                              {"queries", queries.size()},
                              {"build_s", build_s},
                              {"index_bytes", index.memoryBytes()},
                              {"rss_growth_bytes", rss_after - rss_before},
                              {"rss_bytes", rss_after},
                              {"queries_per_s", static_cast<double>(queries.size()) / query_s},
                              {"hits", found},
                              {"recall", expected ? static_cast<double>(agreed) / expected : 1.0},
                              {"recall_checked_hits", expected}}
                   .dump()
            << "\n";
  return 0;
}
