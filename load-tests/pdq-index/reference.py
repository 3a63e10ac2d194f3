"""FAISS on the data pdq_index_bench wrote: IndexBinaryFlat (exhaustive) and IndexBinaryMultiHash
(16 tables of 16 bits, nflip=1: the Hasher-Matcher-Actioner's configuration, exact at distance
<= 31), single-threaded. Range search at distance <= 31 (FAISS's radius is exclusive: 32).
Prints JSON with build time, memory growth, queries/s and recall against the flat index."""
import json
import resource
import sys
import time

import faiss
import numpy as np

data_dir, flat_queries = sys.argv[1], int(sys.argv[2])
faiss.omp_set_num_threads(1)
hashes = np.fromfile(f"{data_dir}/hashes.bin", dtype=np.uint8).reshape(-1, 32)
queries = np.fromfile(f"{data_dir}/queries.bin", dtype=np.uint8).reshape(-1, 32)


def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()


def run(index, qs):
    start = time.perf_counter()
    lims, distances, ids = index.range_search(qs, 32)
    elapsed = time.perf_counter() - start
    results = [set(ids[lims[i]:lims[i + 1]].tolist()) for i in range(len(qs))]
    return len(qs) / elapsed, results


out = {"n": len(hashes), "queries": len(queries)}
before = rss()
start = time.perf_counter()
multi = faiss.IndexBinaryMultiHash(256, 16, 16)
multi.nflip = 1
multi.add(hashes)
out["multihash_build_s"] = time.perf_counter() - start
out["multihash_rss_growth_bytes"] = rss() - before
out["multihash_queries_per_s"], multi_results = run(multi, queries)

flat = faiss.IndexBinaryFlat(256)
flat.add(hashes)
sample = queries[:flat_queries]
out["flat_queries_per_s"], flat_results = run(flat, sample)
expected = sum(len(r) for r in flat_results)
agreed = sum(len(flat_results[i] & multi_results[i]) for i in range(len(sample)))
out["multihash_recall"] = agreed / expected if expected else 1.0
out["flat_queries"] = len(sample)
out["hits"] = sum(len(r) for r in multi_results)
print(json.dumps(out))
