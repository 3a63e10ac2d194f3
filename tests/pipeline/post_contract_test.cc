// The decoder and the input schemas (config/schemas/post.schema.json,
// moderator-decision.schema.json) must agree: every example under tests/contracts/<topic>/valid
// decodes, every one under invalid/ is rejected. The same files are checked against the JSON
// Schemas by tests/contracts/check_schemas.py.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "pipeline/input/record_decoder.h"

using namespace modstream;

namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Keyed by the account id the document names (the key rule is the topic's, not the schema's).
std::string keyOf(const std::string& json) {
  static const std::regex account(R"re("account_id"\s*:\s*"([^"]*)")re");
  std::smatch match;
  return std::regex_search(json, match, account) ? match[1].str() : "none";
}

size_t checkDirectory(const std::string& topic, const std::string& name, bool expect_valid) {
  RecordDecoder decoder(InputTopics{"posts", "media", "decisions"}, DecoderLimits{});
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           MODSTREAM_SOURCE_DIR "/tests/contracts/" + topic + "/" + name)) {
    const std::string json = readFile(entry.path());
    auto record = InputRecord::owning({topic, Partition{0}, Offset{0}}, keyOf(json), json);
    auto result = decoder.decode(record);
    INFO(entry.path().filename().string() << ": " << (result.ok() ? "" : result.error().message));
    CHECK(result.ok() == expect_valid);
    ++checked;
  }
  return checked;
}

}  // namespace

TEST_CASE("the decoder accepts every valid contract example", "[contract]") {
  CHECK(checkDirectory("posts", "valid", true) >= 4);
  CHECK(checkDirectory("decisions", "valid", true) >= 3);
}

TEST_CASE("the decoder rejects every invalid contract example", "[contract]") {
  CHECK(checkDirectory("posts", "invalid", false) >= 10);
  CHECK(checkDirectory("decisions", "invalid", false) >= 5);
}
