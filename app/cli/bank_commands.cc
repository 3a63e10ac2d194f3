// `modstream match` and `modstream bank validate|stats`: try banks without Kafka. match reads
// hashes (hex, optionally prefixed md5: sha1: sha256: pdq:), image files, or `-` for the JSON lines
// that `modstream hash` prints, and prints one JSON object per query with its matches.

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "app/cli/commands.h"
#include "pipeline/core/content_hash.h"
#include "stages/hash_match/bank_index.h"
#include "stages/hash_match/image_decoder.h"
#include "stages/hash_match/pdq.h"

namespace modstream::cli {
namespace {

struct Query {
  std::string label;
  std::vector<std::pair<HashType, std::string>> hashes;
  std::vector<PdqHash> pdq_variants;  // extra dihedral variants of an image
  std::string error;
};

Query hashQuery(const std::string& arg) {
  Query query{arg, {}, {}, {}};
  std::string value = arg;
  std::vector<HashType> types;
  if (auto colon = arg.find(':'); colon != std::string::npos) {
    auto type = parseHashType(arg.substr(0, colon));
    if (!type) {
      query.error = "unknown hash type '" + arg.substr(0, colon) + "'";
      return query;
    }
    types = {*type};
    value = arg.substr(colon + 1);
  } else if (value.size() == 32) {
    types = {HashType::kMd5};
  } else if (value.size() == 40) {
    types = {HashType::kSha1};
  } else {
    types = {HashType::kSha256, HashType::kPdq};  // 64 hex digits: either
  }
  for (HashType type : types) {
    std::string normalised = value;
    if (std::string reason = validateHash(type, normalised); !reason.empty()) {
      query.error = reason;
      return query;
    }
    query.hashes.emplace_back(type, normalised);
  }
  return query;
}

Query fileQuery(const std::string& path, bool dihedral) {
  Query query{path, {}, {}, {}};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in) {
    query.error = "cannot be opened";
    return query;
  }
  const std::string bytes = buffer.str();
  for (const HashType type : kDigestTypes) query.hashes.emplace_back(type, hexDigest(type, bytes));
  auto image = ImageDecoder(ImageLimits{}).decode(bytes);
  if (!image.ok()) return query;  // exact digests still match
  PdqHasher hasher;
  auto result = hasher.hashRgbDihedral(image.value().pixels.data(), image.value().height,
                                       image.value().width);
  if (result.quality >= 50) {
    query.hashes.emplace_back(HashType::kPdq, result.hashes[0].hex());
    if (dihedral) query.pdq_variants.assign(result.hashes.begin() + 1, result.hashes.end());
  }
  return query;
}

// The JSON lines printed by `modstream hash`.
std::vector<Query> stdinQueries() {
  std::vector<Query> queries;
  std::string line;
  for (size_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.empty()) continue;
    Query query{"stdin:" + std::to_string(number), {}, {}, {}};
    auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
      query.error = "not a JSON object";
      queries.push_back(query);
      continue;
    }
    if (json.contains("file")) query.label = json["file"].get<std::string>();
    for (const HashType type : kHashTypes) {
      const std::string name(hashTypeName(type));
      if (json.contains(name) && json[name].is_string()) {
        if (type == HashType::kPdq && json.value("quality", 100) < 50) continue;
        query.hashes.emplace_back(type, json[name].get<std::string>());
      }
    }
    queries.push_back(query);
  }
  return queries;
}

nlohmann::json hitJson(const BankIndex::Hit& hit, const std::string& transform) {
  return {{"bank", hit.bank->name},
          {"entry_id", hit.entry->entry_id},
          {"hash_type", std::string(hashTypeName(hit.entry->hash_type))},
          {"distance", hit.distance},
          {"category", hit.entry->category},
          {"transform", transform}};
}

}  // namespace

int matchCommand(const MatchOptions& options) {
  BankLoad load = loadBankFile(options.bank_file);
  for (const auto& problem : load.problems) std::cerr << "bank line rejected: " << problem << "\n";
  if (load.entries.empty()) {
    std::cerr << options.bank_file << ": no valid entries\n";
    return 2;
  }
  BankIndex index;
  index.addBank(IndexedBank{options.bank_file, options.max_distance, false},
                std::move(load.entries));
  index.finish();

  std::vector<Query> queries;
  for (const auto& arg : options.queries) {
    if (arg == "-") {
      auto more = stdinQueries();
      queries.insert(queries.end(), more.begin(), more.end());
    } else if (std::ifstream(arg).good()) {
      queries.push_back(fileQuery(arg, options.dihedral));
    } else {
      queries.push_back(hashQuery(arg));
    }
  }
  int errors = 0;
  for (const auto& query : queries) {
    nlohmann::json out = {{"query", query.label}};
    if (!query.error.empty()) {
      out["error"] = query.error;
      ++errors;
      std::cout << out.dump() << "\n";
      continue;
    }
    nlohmann::json matches = nlohmann::json::array();
    for (const auto& [type, hex] : query.hashes) {
      if (type == HashType::kPdq) {
        for (const auto& hit : index.findPdq(*PdqHash::fromHex(hex))) {
          matches.push_back(hitJson(hit, "original"));
        }
      } else {
        for (const auto& hit : index.findExact(type, hex))
          matches.push_back(hitJson(hit, "original"));
      }
    }
    for (size_t d = 0; d < query.pdq_variants.size(); ++d) {
      for (const auto& hit : index.findPdq(query.pdq_variants[d])) {
        matches.push_back(hitJson(hit, std::string(dihedralName(static_cast<Dihedral>(d + 1)))));
      }
    }
    out["matches"] = matches;
    std::cout << out.dump() << "\n";
  }
  return errors == 0 ? 0 : 1;
}

int bankCommand(const BankOptions& options) {
  BankLoad load = loadBankFile(options.file);
  if (options.action == "validate") {
    for (const auto& problem : load.problems) std::cout << problem << "\n";
    std::cout << options.file << ": " << load.entries.size() << " valid entries, "
              << load.problems.size() << " rejected lines\n";
    return load.problems.empty() && !load.entries.empty() ? 0 : 1;
  }
  std::map<std::string, size_t> by_type, by_category;
  std::set<std::string> seen;
  size_t duplicates = 0;
  for (const auto& entry : load.entries) {
    by_type[std::string(hashTypeName(entry.hash_type))] += 1;
    by_category[entry.category.empty() ? "(none)" : entry.category] += 1;
    if (!seen.insert(std::string(hashTypeName(entry.hash_type)) + ":" + entry.value).second) {
      ++duplicates;
    }
  }
  nlohmann::json stats = {{"file", options.file},
                          {"entries", load.entries.size()},
                          {"rejected_lines", load.problems.size()},
                          {"duplicate_values", duplicates},
                          {"by_hash_type", by_type},
                          {"by_category", by_category}};
  std::cout << stats.dump(2) << "\n";
  return load.entries.empty() ? 1 : 0;
}

}  // namespace modstream::cli
