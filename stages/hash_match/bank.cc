#include "stages/hash_match/bank.h"

// fast-cpp-csv-parser copies file names with strncpy, which gcc 12 flags when inlined here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <fstream>
#include <optional>

namespace modstream {
namespace {

// Adds one parsed row, or the reason it was rejected.
void addRow(const std::string& where, const std::string& hash_type, std::string value,
            std::string entry_id, std::string category, std::string source, BankLoad& load) {
  auto type = parseHashType(hash_type);
  if (!type) {
    load.problems.push_back(where + ": unknown hash_type '" + hash_type +
                            "' (expected md5, sha1, sha256 or pdq)");
    return;
  }
  if (std::string reason = validateHash(*type, value); !reason.empty()) {
    load.problems.push_back(where + ": " + reason);
    return;
  }
  if (entry_id.empty()) {
    load.problems.push_back(where + ": entry_id is empty");
    return;
  }
  load.entries.push_back(BankEntry{*type, std::move(value), std::move(entry_id),
                                   std::move(category), std::move(source)});
}

void loadCsv(const std::string& path, BankLoad& load) {
  try {
    io::CSVReader<5, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>> reader(path);
    reader.read_header(io::ignore_missing_column, "hash_type", "value", "entry_id", "category",
                       "source");
    for (const char* required : {"hash_type", "value", "entry_id"}) {
      if (!reader.has_column(required)) {
        load.problems.push_back(path + ":1: header lacks column '" + std::string(required) + "'");
        return;
      }
    }
    while (true) {
      std::string hash_type, value, entry_id, category, source;
      try {
        if (!reader.read_row(hash_type, value, entry_id, category, source)) break;
      } catch (const io::error::base& e) {
        load.problems.push_back(path + ":" + std::to_string(reader.get_file_line()) + ": " +
                                e.what());
        continue;
      }
      addRow(path + ":" + std::to_string(reader.get_file_line()), hash_type, std::move(value),
             std::move(entry_id), std::move(category), std::move(source), load);
    }
  } catch (const io::error::base& e) {
    load.problems.push_back(path + ": " + e.what());
  }
}

void loadJsonLines(const std::string& path, BankLoad& load) {
  std::ifstream in(path);
  if (!in) {
    load.problems.push_back(path + ": cannot be opened");
    return;
  }
  simdjson::dom::parser parser;
  std::string line;
  for (size_t line_number = 1; std::getline(in, line); ++line_number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_number);
    simdjson::dom::object obj;
    if (parser.parse(line).get_object().get(obj) != simdjson::SUCCESS) {
      load.problems.push_back(where + ": not a JSON object");
      continue;
    }
    auto field = [&](const char* name) {
      std::string_view value;
      if (obj[name].get_string().get(value) != simdjson::SUCCESS) return std::string();
      return std::string(value);
    };
    addRow(where, field("hash_type"), field("value"), field("entry_id"), field("category"),
           field("source"), load);
  }
}

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string validateHash(HashType type, std::string& value) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const size_t expected = hashHexLength(type);
  if (value.size() != expected) {
    return std::string(hashTypeName(type)) + " value must be " + std::to_string(expected) +
           " hex digits, got " + std::to_string(value.size());
  }
  if (!std::all_of(value.begin(), value.end(), [](char c) { return std::isxdigit(c); })) {
    return std::string(hashTypeName(type)) + " value has a non-hex character";
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c == '0'; })) {
    return std::string(hashTypeName(type)) + " value is all zeros";
  }
  if (type == HashType::kPdq) {
    // A PDQ sets the bits above the median of its 256 coefficients: about half. A hash far from
    // that is corrupt or from a degenerate image and would match unrelated flat images.
    int ones = 0;
    for (char c : value) {
      const int nibble = c <= '9' ? c - '0' : c - 'a' + 10;
      ones += std::popcount(static_cast<unsigned>(nibble));
    }
    if (ones < 32 || ones > 224) {
      return "pdq value is near-constant (" + std::to_string(ones) +
             " of 256 bits set; a real PDQ sets about 128)";
    }
  }
  return "";
}

BankLoad loadBankFile(const std::string& path) {
  BankLoad load;
  if (endsWith(path, ".jsonl") || endsWith(path, ".ndjson")) {
    loadJsonLines(path, load);
  } else {
    loadCsv(path, load);
  }
  return load;
}

}  // namespace modstream
