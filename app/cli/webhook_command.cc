// `modstream webhook --config FILE`: runs the webhook bridge (webhook/webhook_bridge.h)
// until SIGINT or SIGTERM.

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/signal_pipe.h"
#include "webhook/webhook_bridge.h"

namespace modstream::cli {

int webhookCommand(const WebhookOptions& options) {
  ConfigErrors errors;
  auto config = loadWebhookConfig(options.config_file, errors,
                                  [](const std::string& name) -> std::optional<std::string> {
                                    // At start-up; nothing in the process calls setenv.
                                    // NOLINTNEXTLINE(concurrency-mt-unsafe)
                                    const char* value = std::getenv(name.c_str());
                                    return value ? std::optional<std::string>(value) : std::nullopt;
                                  });
  if (!config) {
    std::cerr << "modstream webhook: invalid " << options.config_file << ":\n" << errors.str();
    return 2;
  }
  configureLogging(config->log_level, config->log_format);
  // Shutdown signals are taken by one thread that asks the bridge to stop (SignalPipe).
  SignalPipe signals({SIGINT, SIGTERM});
  WebhookBridge bridge(std::move(*config));
  std::atomic<bool> finished{false};
  std::thread signal_waiter([&] {
    while (!finished) {
      const int signal = signals.wait(100);
      if (signal == SIGINT || signal == SIGTERM) {
        spdlog::info("webhook: stopping on {}", signal == SIGINT ? "SIGINT" : "SIGTERM");
        bridge.stop();
      }
    }
  });
  int status = 1;
  try {
    status = bridge.run();
  } catch (const std::exception& e) {
    spdlog::critical("webhook: {}", e.what());
  }
  finished = true;
  signal_waiter.join();
  return status;
}

}  // namespace modstream::cli
