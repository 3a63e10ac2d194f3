#pragma once
// The operations endpoint of `modstream run`, on one port (metrics.listen_address):
//   GET /metrics  Prometheus text format of the registry
//   GET /healthz  liveness: 200 while the consumer loop is alive (a restore in progress counts
//                 as alive: it may take minutes on a large partition)
//   GET /readyz   readiness: 200 once the process has joined its group and the state of its
//                 partitions is restored; 503 with the reason otherwise
// Served by civetweb (the HTTP server prometheus-cpp itself is built on).
//
// Thread-safety: the probes are called on civetweb's threads and must be thread-safe.

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>

class CivetServer;

namespace modstream {

struct Probe {
  bool ok = false;
  std::string detail;  // one line for the response body and logs
};

class OpsServer {
 public:
  // Throws std::runtime_error naming the address when it cannot listen.
  OpsServer(const std::string& listen_address, std::shared_ptr<prometheus::Registry> registry,
            std::function<Probe()> live, std::function<Probe()> ready);
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

 private:
  class Handler;
  std::unique_ptr<Handler> metrics_, healthz_, readyz_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace modstream
