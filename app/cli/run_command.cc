// `modstream run` and `modstream check-config`.

#include <prometheus/registry.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/signal_pipe.h"
#include "app/ops_server.h"
#include "app/pipeline_app.h"
#include "pipeline/kafka/kafka_handles.h"
#include "stages/stage_registry.h"

namespace modstream::cli {

int checkConfigCommand(const CheckConfigOptions& options) {
  spdlog::set_level(spdlog::level::warn);
  ConfigErrors errors;
  SystemClock clock;
  auto pipeline = loadPipelineFile(options.config_file, builtinStages(), clock, errors);
  if (!pipeline) {
    std::cerr << options.config_file << ": " << errors.all().size() << " problem"
              << (errors.all().size() == 1 ? "" : "s") << ":\n";
    for (const auto& e : errors.all()) std::cerr << "  " << e << "\n";
    return 1;
  }
  std::cout << options.config_file << ": OK (" << pipeline->stages.size() << " stages:";
  for (const auto& stage : pipeline->stages) std::cout << " " << stage.name;
  std::cout << ")\n";
  if (options.print) std::cout << effectiveConfigYaml(pipeline->config);
  return 0;
}

namespace {

// Alive while the consumer loop keeps polling (it does while state is restored, on another thread).
Probe liveness(const RuntimeStats& stats) {
  constexpr int64_t kStuckAfterMs = 60000;
  if (stats.ms_since_poll > kStuckAfterMs) {
    return {false,
            "consumer loop has not polled for " + std::to_string(stats.ms_since_poll) + " ms"};
  }
  return {true, "ok"};
}

Probe readiness(const RuntimeStats& stats) {
  if (stats.stopping) return {false, "stopping"};
  if (!stats.joined) return {false, "waiting for the consumer group's first assignment"};
  if (stats.restoring) return {false, "restoring partition state"};
  return {true, "ready: " + std::to_string(stats.assigned_partitions) + " partitions assigned"};
}

}  // namespace

int runCommand(const RunOptions& options) {
  // One thread takes the shutdown and reload signals and asks the runtime to act (SignalPipe).
  SignalPipe signals({SIGINT, SIGTERM, SIGHUP});

  // JSON lines on stderr from the first line; the config's level and format apply once read.
  configureLogging("info", "json");
  ConfigErrors errors;
  SystemClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  auto pipeline =
      loadPipelineFile(options.config_file, builtinStages(), clock, errors, registry.get());
  if (!pipeline) {
    std::cerr << "modstream: invalid config " << options.config_file << ":\n" << errors.str();
    return static_cast<int>(ExitStatus::kStartupError);
  }
  configureLogging(pipeline->config.logging.level, pipeline->config.logging.format);

  PipelineMetrics metrics(registry);
  std::unique_ptr<OpsServer> ops;
  std::unique_ptr<Runtime> runtime;
  try {
    constexpr int kReachTimeoutMs = 15000;
    checkClusterReachable(pipeline->config.kafka.bootstrap_servers,
                          pipeline->config.kafka.producer_properties, kReachTimeoutMs);
    runtime = makeRuntime(*pipeline, clock, metrics);
    if (const auto& address = pipeline->config.metrics.listen_address; !address.empty()) {
      const Runtime& observed = *runtime;
      ops = std::make_unique<OpsServer>(
          address, registry, [&observed] { return liveness(observed.stats()); },
          [&observed] { return readiness(observed.stats()); });
      spdlog::info("metrics at http://{}/metrics, probes at /healthz and /readyz", address);
    }
  } catch (const std::exception& e) {  // a bad Kafka property, a metrics port in use
    spdlog::critical("cannot start: {}", e.what());
    return static_cast<int>(ExitStatus::kStartupError);
  }

  std::atomic<bool> finished{false};
  std::thread signal_waiter([&] {
    while (!finished.load()) {
      const int signal = signals.wait(200);
      if (signal == SIGHUP) {
        // Reload banks and other stage data; each stage swaps atomically or keeps what it had.
        spdlog::info("received SIGHUP; reloading stage data");
        for (auto& stage : pipeline->stages) {
          if (!stage.factory->reload())
            spdlog::error("stage {} kept its previous data", stage.name);
        }
      } else if (signal == SIGINT || signal == SIGTERM) {
        spdlog::info("received {}; draining and committing before exit",
                     signal == SIGINT ? "SIGINT" : "SIGTERM");
        runtime->stop();
      }
    }
  });
  ExitStatus status = runtime->run();
  finished = true;
  signal_waiter.join();
  return static_cast<int>(status);
}

}  // namespace modstream::cli
