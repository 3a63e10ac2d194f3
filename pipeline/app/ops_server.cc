#include "pipeline/app/ops_server.h"

#include <CivetServer.h>
#include <prometheus/text_serializer.h>

#include <stdexcept>

namespace modstream {

class OpsServer::Handler final : public CivetHandler {
 public:
  explicit Handler(std::function<Probe()> respond) : respond_(std::move(respond)) {}

  bool handleGet(CivetServer* /*server*/, mg_connection* conn) override {
    const Probe probe = respond_();
    const std::string body = probe.detail + (probe.detail.empty() ? "" : "\n");
    if (!probe.ok) {
      mg_printf(conn,
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                body.size());
    } else {
      mg_send_http_ok(conn, content_type_.c_str(), static_cast<long long>(body.size()));
    }
    mg_write(conn, body.data(), body.size());
    return true;
  }
  std::string content_type_ = "text/plain";

 private:
  std::function<Probe()> respond_;
};

OpsServer::OpsServer(const std::string& listen_address,
                     std::shared_ptr<prometheus::Registry> registry, std::function<Probe()> live,
                     std::function<Probe()> ready)
    : metrics_(std::make_unique<Handler>([registry] {
        const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
        return Probe{true,
                     text.empty() || text.back() != '\n' ? text : text.substr(0, text.size() - 1)};
      })),
      healthz_(std::make_unique<Handler>(std::move(live))),
      readyz_(std::make_unique<Handler>(std::move(ready))) {
  metrics_->content_type_ = "text/plain; version=0.0.4";
  const std::vector<std::string> options = {"listening_ports", listen_address, "num_threads", "2"};
  try {
    server_ = std::make_unique<CivetServer>(options);
  } catch (const CivetException& e) {
    throw std::runtime_error("cannot serve metrics and health at " + listen_address + ": " +
                             e.what());
  }
  server_->addHandler("/metrics", metrics_.get());
  server_->addHandler("/healthz", healthz_.get());
  server_->addHandler("/readyz", readyz_.get());
}

OpsServer::~OpsServer() {
  if (server_) server_->close();
}

}  // namespace modstream
