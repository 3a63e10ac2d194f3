// The webhook bridge's signing and config validation (delivery itself: tests/webhook).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "webhook/webhook_config.h"
#include "webhook/webhook_sender.h"

using namespace modstream;

TEST_CASE("webhook signatures are HMAC-SHA256 of timestamp and body", "[webhook]") {
  // Reference value from Python: hmac.new(b"key", b'1795000000.{"a":1}', sha256).hexdigest()
  CHECK(webhookSignature("key", 1795000000, R"({"a":1})") ==
        "t=1795000000,v1=1bd16f4bb96630234f5d9db1391a58d04079ea2aaf515271f43b4b91dcdfe987");
  CHECK(webhookSignature("key", 1795000001, R"({"a":1})") !=
        webhookSignature("key", 1795000000, R"({"a":1})"));
}

TEST_CASE("webhook config errors name the field, and secrets come from a file or the environment",
          "[webhook]") {
  const auto dir = std::filesystem::temp_directory_path() / "modstream-webhook-config-test";
  std::filesystem::create_directories(dir);
  const auto file = (dir / "webhook.yaml").string();
  auto load = [&](const std::string& yaml, ConfigErrors& errors) {
    std::ofstream(file) << yaml;
    return loadWebhookConfig(file, errors, [](const std::string& name) {
      return name == "HOOK_KEY" ? std::optional<std::string>("from-env") : std::nullopt;
    });
  };
  ConfigErrors errors;
  CHECK_FALSE(load("{kafka: {}, topics: [], endpoint: ftp://x, secret_env: NOPE, max_attempts: 0}",
                   errors));
  const std::string all = errors.str();
  INFO(all);
  CHECK(all.find("kafka.bootstrap_servers: is required") != std::string::npos);
  CHECK(all.find("topics: name at least one topic") != std::string::npos);
  CHECK(all.find("endpoint: must be an http:// or https:// URL") != std::string::npos);
  CHECK(all.find("secret_env: environment variable NOPE is not set") != std::string::npos);
  CHECK(all.find("max_attempts: must be between 1 and 1000") != std::string::npos);

  ConfigErrors ok_errors;
  auto config = load(
      "{kafka: {bootstrap_servers: 'h:1'}, topics: [t], endpoint: 'http://h/x', "
      "secret_env: HOOK_KEY}",
      ok_errors);
  REQUIRE(config);
  CHECK(config->secret == "from-env");
  std::ofstream(dir / "key") << "from-file\n";
  ConfigErrors file_errors;
  config = load(
      "{kafka: {bootstrap_servers: 'h:1'}, topics: [t], endpoint: 'https://h/x', "
      "secret_file: '" +
          (dir / "key").string() + "'}",
      file_errors);
  REQUIRE(config);
  CHECK(config->secret == "from-file");  // the trailing newline is not part of the key
  std::filesystem::remove_all(dir);
}
