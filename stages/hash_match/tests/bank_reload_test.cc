// Hot reload of banks: the same stage instance sees new entries after reload() (SIGHUP) or after
// the watcher notices a changed file; a failed reload keeps the previous banks.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "pipeline/core/content_hash.h"
#include "stages/hash_match/hash_match_stage.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

const std::string kHeader = "hash_type,value,entry_id,category,source\n";
const std::string kFirst = "md5,900150983cd24fb0d6963f7d28e17f72,FIRST,A,t\n";    // md5("abc")
const std::string kSecond = "md5,5d41402abc4b2a76b9719d911017c592,SECOND,A,t\n";  // md5("hello")

struct BankDir {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("modstream-reload-" + std::to_string(std::random_device{}()));
  BankDir() { std::filesystem::create_directories(dir); }
  BankDir(const BankDir&) = delete;
  BankDir& operator=(const BankDir&) = delete;
  ~BankDir() { std::filesystem::remove_all(dir); }
  void write(const std::string& body) const {
    const auto temp = dir / "bank.csv.tmp";
    std::ofstream(temp) << kHeader << body;
    std::filesystem::rename(temp, dir / "bank.csv");  // atomic replace, as an operator should
  }
};

std::vector<std::string> matchedEntries(Stage& stage, const std::string& md5) {
  Post post;
  post.media.push_back(MediaRef{MediaId("m"), {{HashType::kMd5, md5}}});
  auto record = InputRecord::owning({"posts", Partition{0}, Offset{0}}, std::nullopt, "");
  Signals signals;
  REQUIRE_FALSE(stage.process(post, StageContext{record, 0}, signals).error);
  std::vector<std::string> entries;
  for (const auto& m : signals.bank_matches) entries.push_back(m.entry_id);
  return entries;
}

std::unique_ptr<StageFactory> factory(const BankDir& bank, int interval_ms) {
  ConfigErrors errors;
  testing::FixedClock clock(0);
  auto built = hashMatchStageBuilder()(
      YAML::Load("{reload_check_interval_ms: " + std::to_string(interval_ms) +
                 ", banks: [{name: b, path: bank.csv}]}"),
      "stages[0].config", StageEnvironment{bank.dir, clock, nullptr}, errors);
  INFO(errors.str());
  REQUIRE(built);
  return built;
}

}  // namespace

TEST_CASE("reload swaps new bank entries into running stage instances", "[reload]") {
  BankDir bank;
  bank.write(kFirst);
  auto f = factory(bank, 0);
  auto stage = f->create();
  CHECK(matchedEntries(*stage, "900150983cd24fb0d6963f7d28e17f72") ==
        std::vector<std::string>{"FIRST"});
  CHECK(matchedEntries(*stage, "5d41402abc4b2a76b9719d911017c592").empty());

  bank.write(kSecond);
  CHECK(f->reload());
  CHECK(matchedEntries(*stage, "5d41402abc4b2a76b9719d911017c592") ==
        std::vector<std::string>{"SECOND"});
  CHECK(matchedEntries(*stage, "900150983cd24fb0d6963f7d28e17f72").empty());
}

TEST_CASE("a failed reload keeps the previous banks", "[reload]") {
  BankDir bank;
  bank.write(kFirst);
  auto f = factory(bank, 0);
  auto stage = f->create();
  bank.write("md5,not-a-hash,BROKEN,A,t\n");  // no valid entry left
  CHECK_FALSE(f->reload());
  CHECK(matchedEntries(*stage, "900150983cd24fb0d6963f7d28e17f72") ==
        std::vector<std::string>{"FIRST"});
  std::filesystem::remove(bank.dir / "bank.csv");
  CHECK_FALSE(f->reload());
  CHECK(matchedEntries(*stage, "900150983cd24fb0d6963f7d28e17f72") ==
        std::vector<std::string>{"FIRST"});
}

TEST_CASE("a changed bank file is picked up without a signal", "[reload]") {
  BankDir bank;
  bank.write(kFirst);
  auto f = factory(bank, 50);
  auto stage = f->create();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bank.write(kFirst + kSecond);
  bool picked_up = false;
  for (int i = 0; i < 200 && !picked_up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    picked_up = !matchedEntries(*stage, "5d41402abc4b2a76b9719d911017c592").empty();
  }
  CHECK(picked_up);
}

namespace {

// `count` bank lines, entry i holding md5("entry-i").
std::string entries(int count) {
  std::string body;
  for (int i = 0; i < count; ++i) {
    body += "md5," + hexDigest(HashType::kMd5, "entry-" + std::to_string(i)) + ",E-" +
            std::to_string(i) + ",A,t\n";
  }
  return body;
}

}  // namespace

TEST_CASE("a reload that would shrink a bank past max_reload_shrink_share is refused", "[reload]") {
  BankDir bank;
  bank.write(entries(20));
  auto f = factory(bank, 0);  // max_reload_shrink_share: 0.1 by default
  auto stage = f->create();
  const std::string last = hexDigest(HashType::kMd5, "entry-19");

  bank.write(entries(17));  // 15% dropped: a truncated file
  CHECK_FALSE(f->reload());
  CHECK(matchedEntries(*stage, last) == std::vector<std::string>{"E-19"});  // kept whole

  bank.write(entries(18));  // 10% dropped: at the limit
  CHECK(f->reload());
  CHECK(matchedEntries(*stage, last).empty());

  bank.write(entries(1));  // compared with the 18 now in use
  CHECK_FALSE(f->reload());
  std::ofstream(bank.dir / "bank.csv.allow-shrink") << "";
  CHECK(f->reload());
  CHECK(matchedEntries(*stage, hexDigest(HashType::kMd5, "entry-1")).empty());
  CHECK(matchedEntries(*stage, hexDigest(HashType::kMd5, "entry-0")) ==
        std::vector<std::string>{"E-0"});
}
