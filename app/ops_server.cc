#include "app/ops_server.h"

#include <httplib.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <stdexcept>

namespace modstream {
namespace {

// "host:port" or "[v6-host]:port" split at the last colon; throws naming the address.
std::pair<std::string, int> splitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("expected host:port, got " + address);
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw std::runtime_error("bad port in " + address);
  return {host, port};
}

void respond(httplib::Response& response, const Probe& probe, const char* content_type) {
  response.status = probe.ok ? 200 : 503;
  response.set_content(probe.detail + (probe.detail.empty() ? "" : "\n"), content_type);
}

}  // namespace

OpsServer::OpsServer(const std::string& listen_address,
                     const std::shared_ptr<prometheus::Registry>& registry,
                     const std::function<Probe()>& live, const std::function<Probe()>& ready)
    : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kOpsServerThreads); };
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second process
  // listen on the same port and take half of the scrapes and probes without an error.
  server_->set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/metrics", [registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(prometheus::TextSerializer().Serialize(registry->Collect()),
                         "text/plain; version=0.0.4");
  });
  server_->Get("/healthz", [live](const httplib::Request&, httplib::Response& response) {
    respond(response, live(), "text/plain");
  });
  server_->Get("/readyz", [ready](const httplib::Request&, httplib::Response& response) {
    respond(response, ready(), "text/plain");
  });

  try {
    const auto [host, port] = splitAddress(listen_address);
    port_ = port == 0 ? server_->bind_to_any_port(host) : port;
    if (port_ < 0 || (port != 0 && !server_->bind_to_port(host, port))) {
      throw std::runtime_error("address in use or not available");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics and health at " + listen_address + ": " +
                             e.what());
  }
  std::promise<void> listened;
  listened_ = listened.get_future();
  listener_ = std::thread([this, listened = std::move(listened)]() mutable {
    server_->listen_after_bind();
    listened.set_value();
  });
}

OpsServer::~OpsServer() {
  // stop() does nothing until the listener has started accepting; a server destroyed right after
  // construction would otherwise leave the listener blocked in accept() and this join forever.
  do {
    server_->stop();
  } while (listened_.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready);
  listener_.join();
}

}  // namespace modstream
