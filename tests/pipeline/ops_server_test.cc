// The ops server answers its three endpoints, and its request threads have room for the static
// TLS of any library mix (OpenBLAS alone brings 60 KiB): a probe measures the stack of the thread
// that serves it. Debian's civetweb, used before, served on 100 KiB stacks.
#include "app/ops_server.h"

#include <httplib.h>
#include <pthread.h>

#include <catch2/catch.hpp>
#include <stdexcept>

namespace modstream {
namespace {

size_t currentThreadStackBytes() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  size_t bytes = 0;
  pthread_attr_getstacksize(&attr, &bytes);
  pthread_attr_destroy(&attr);
  return bytes;
}

TEST_CASE("ops server answers /healthz, /readyz and /metrics on threads with large stacks") {
  auto registry = std::make_shared<prometheus::Registry>();
  std::atomic<size_t> probe_stack_bytes{0};
  OpsServer server(
      "127.0.0.1:0", registry,
      [&] {
        probe_stack_bytes = currentThreadStackBytes();
        return Probe{true, "alive"};
      },
      [] {
        return Probe{false, "waiting for the consumer group"};
      });
  REQUIRE(server.port() > 0);

  httplib::Client client("127.0.0.1", server.port());
  auto live = client.Get("/healthz");
  REQUIRE(live);
  CHECK(live->status == 200);
  CHECK(live->body == "alive\n");
  // 1 MiB: ten times the old server's stacks, room for every library's TLS plus a deep handler.
  CHECK(probe_stack_bytes.load() >= (size_t{1} << 20));

  auto ready = client.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->body == "waiting for the consumer group\n");

  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);

  CHECK(client.Get("/nothing-here")->status == 404);
}

TEST_CASE("ops server refuses an address it cannot listen on, naming it") {
  auto registry = std::make_shared<prometheus::Registry>();
  auto ok = [] { return Probe{true, ""}; };
  OpsServer first("127.0.0.1:0", registry, ok, ok);
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  CHECK_THROWS_WITH(OpsServer(taken, registry, ok, ok),
                    Catch::Contains("cannot serve metrics and health at " + taken));
  CHECK_THROWS_WITH(OpsServer("127.0.0.1:http", registry, ok, ok), Catch::Contains("bad port"));
}

}  // namespace
}  // namespace modstream
