#pragma once
// Hash banks: named lists of known content hashes (in the style of the IWF / NCMEC lists), loaded
// from CSV or JSON Lines. A bad line is reported as file:line with the reason and skipped; it never
// fails the whole bank. Loaded at start-up; a loaded Bank is immutable and shared read-only.

#include <string>
#include <vector>

#include "pipeline/core/content_hash.h"

namespace modstream {

struct BankEntry {
  HashType hash_type;
  std::string value;     // lower-case hex
  std::string entry_id;  // the list's own id for the entry
  std::string category;  // list category, e.g. A, B, C
  std::string source;    // where the entry came from
};

struct BankLoad {
  std::vector<BankEntry> entries;
  std::vector<std::string> problems;  // "file:line: reason", one per rejected line
};

// Reads `path` as CSV (header: hash_type,value,entry_id,category,source) or, for .jsonl/.ndjson,
// JSON Lines with the same field names. An unreadable file is one problem with no entries.
BankLoad loadBankFile(const std::string& path);

// Validates and normalises one hash value; returns the reason it is rejected, or "" when valid.
std::string validateHash(HashType type, std::string& value);

}  // namespace modstream
