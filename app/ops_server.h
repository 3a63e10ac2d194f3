#pragma once
// The operations endpoint of `modstream run`, on one port (metrics.listen_address):
//   GET /metrics  Prometheus text format of the registry
//   GET /healthz  liveness: 200 while the consumer loop is alive (a restore in progress counts
//                 as alive: it may take minutes on a large partition)
//   GET /readyz   readiness: 200 once the process has joined its group and the state of its
//                 partitions is restored; 503 with the reason otherwise
//
// Served by cpp-httplib (Debian's libcpp-httplib-dev). Its request threads are std::threads, so
// they get the process's default stack (RLIMIT_STACK, 8 MiB on Debian), out of which glibc also
// carves every loaded library's static TLS. Debian's civetweb, used before, fixed its worker
// stacks at 100 KiB; with OpenBLAS as the system BLAS (60 KiB of static TLS, pulled in through
// OpenCV) the first probe overflowed that stack and killed the process.
//
// Owns the server and its threads from construction to destruction. Thread-safety: the probes
// are called on the server's threads, possibly concurrently, and must be thread-safe.

#include <prometheus/registry.h>

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace modstream {

struct Probe {
  bool ok = false;
  std::string detail;  // one line for the response body and logs
};

class OpsServer {
 public:
  // Listens on `listen_address` ("host:port"; port 0 picks a free one). Throws std::runtime_error
  // naming the address when it cannot listen.
  OpsServer(const std::string& listen_address,
            const std::shared_ptr<prometheus::Registry>& registry,
            const std::function<Probe()>& live, const std::function<Probe()>& ready);
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  // The port actually listened on.
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::future<void> listened_;  // ready once listen_after_bind has returned
  std::thread listener_;
};

// The number of threads that answer requests; a scrape and both probes can be served at once.
inline constexpr size_t kOpsServerThreads = 3;

}  // namespace modstream
