// Every config shipped under config/ must pass the same validation `modstream check-config` does.

#include <catch2/catch.hpp>
#include <filesystem>

#include "app/pipeline_app.h"
#include "stages/stage_registry.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

TEST_CASE("shipped configs are valid", "[config]") {
  const std::filesystem::path dir = MODSTREAM_SOURCE_DIR "/config";
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    ConfigErrors errors;
    testing::FixedClock clock(0);
    auto pipeline = loadPipelineFile(entry.path().string(), builtinStages(), clock, errors);
    INFO(errors.str());
    CHECK(pipeline.has_value());
    ++checked;
  }
  CHECK(checked >= 2);  // demo.yaml and modstream.example.yaml at least
}
