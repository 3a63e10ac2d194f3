#pragma once
// The moderator console's web server (cpp-httplib, Debian's libcpp-httplib-dev): the page and its
// static files from console/web/, and a JSON API behind a session cookie.
//
//   POST /api/login            {user, password} -> session cookie, CSRF token
//   POST /api/logout
//   GET  /api/me               who is logged in, since when, the CSRF token, wellness settings
//   GET  /api/queue            ?priority=P1&category=grooming&minor=1&lead=1&offset=0&limit=50
//   GET  /api/cases/ID         the case: items, the post text of each, decisions on the account
//   POST /api/cases/ID/claim | release | lead | reveal {item} | decision {decision, category}
//   GET  /api/events           server-sent events: "queue" whenever the queue changed
//
// Every POST but login needs the session's CSRF token in the X-CSRF-Token header. Every login,
// view, reveal, claim and action is written to the audit topic before it is answered. A decision
// is written to the decisions topic (the pipeline's reputation stage reads it) and answered once
// the console has read it back, so the case has left every queue by then. Media reaches the page
// only as the blurred greyscale preview decide made; the server never has the bytes. Post text is
// never logged.

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "console/audit.h"
#include "console/case_queue.h"
#include "console/console_config.h"
#include "console/console_kafka.h"
#include "console/sessions.h"
#include "console/users.h"
#include "pipeline/core/clock.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace modstream {

// What the server works with; owned by the caller, alive while the server is.
struct ConsoleParts {
  const ConsoleConfig& config;
  CaseQueue& queue;
  const UserDirectory& users;
  RecordWriter& writer;
  TopicFollower& follower;
  RecordReader& reader;
  const Clock& clock;
  std::filesystem::path web_dir;  // index.html, console.js, console.css
};

class ConsoleServer {
 public:
  // Listens on config.listen_address (port 0: any free port). Throws std::runtime_error naming
  // the address when it cannot.
  explicit ConsoleServer(ConsoleParts parts);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  int port() const { return port_; }

 private:
  struct Caller;  // the session behind a request
  void routes();
  std::optional<Caller> caller(const httplib::Request& request, httplib::Response& response,
                               bool changes_state);
  // Writes an audit record and waits until the console has applied it; false (with a 503 in
  // `response`) when the topic did not take it.
  bool audit(const AuditEntry& entry, httplib::Response& response);

  ConsoleParts parts_;
  SessionStore sessions_;
  LoginThrottle throttle_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread listener_;
};

}  // namespace modstream
