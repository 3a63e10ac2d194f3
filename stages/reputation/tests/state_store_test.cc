#include "stages/reputation/state_store.h"

#include <catch2/catch.hpp>
#include <random>

using namespace modstream;

TEST_CASE("a partition store keeps accounts and its checkpoint across reopening", "[reputation]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("modstream-store-" + std::to_string(std::random_device{}()));
  {
    PartitionStore store(dir);
    CHECK_FALSE(store.get("a"));
    CHECK_FALSE(store.checkpoint());
    store.put("a", "1");
    store.put("b", "2");
    store.put("c", "3");
    store.remove("b");
    store.setCheckpoint(42);
    store.flush();
  }
  PartitionStore reopened(dir);
  CHECK(reopened.get("a") == "1");
  CHECK_FALSE(reopened.get("b"));
  CHECK(reopened.checkpoint() == 42);
  std::vector<std::pair<std::string, std::string>> all;
  reopened.forEach([&](const std::string& k, const std::string& v) { all.emplace_back(k, v); });
  CHECK(all == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"c", "3"}});
  reopened.clearCheckpoint();
  CHECK_FALSE(reopened.checkpoint());
  std::filesystem::remove_all(dir);
}
