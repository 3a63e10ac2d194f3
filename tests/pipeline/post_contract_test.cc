// The decoder and config/schemas/post.schema.json must agree: every example under
// tests/contracts/posts/valid decodes, every one under invalid/ is rejected. The same files are
// checked against the JSON Schema by tests/contracts/check_schemas.py.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
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
  const auto pos = json.find("\"account_id\":\"");
  if (pos == std::string::npos) return "none";
  const auto start = pos + 14;
  return json.substr(start, json.find('"', start) - start);
}

size_t checkDirectory(const std::string& name, bool expect_valid) {
  RecordDecoder decoder(InputTopics{}, DecoderLimits{});
  size_t checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(MODSTREAM_SOURCE_DIR "/tests/contracts/posts/" + name)) {
    const std::string json = readFile(entry.path());
    auto record = InputRecord::owning({"posts", Partition{0}, Offset{0}}, keyOf(json), json);
    auto result = decoder.decode(record);
    INFO(entry.path().filename().string() << ": " << (result.ok() ? "" : result.error().message));
    CHECK(result.ok() == expect_valid);
    ++checked;
  }
  return checked;
}

}  // namespace

TEST_CASE("the decoder accepts every valid contract example", "[contract]") {
  CHECK(checkDirectory("valid", true) >= 4);
}

TEST_CASE("the decoder rejects every invalid contract example", "[contract]") {
  CHECK(checkDirectory("invalid", false) >= 10);
}
