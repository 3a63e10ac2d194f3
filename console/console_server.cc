#include "console/console_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace modstream {
namespace {

constexpr const char* kSessionCookie = "modstream_session";
constexpr int kWriteTimeoutMs = 10000;
// Request threads: each open event stream holds one, so 20 browser sessions and their requests
// fit with room to spare.
constexpr size_t kServerThreads = 64;
constexpr size_t kMaxPageSize = 200;

void sendJson(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(body.dump(), "application/json");
}

void sendError(httplib::Response& response, int status, const std::string& message) {
  sendJson(response, status, {{"error", message}});
}

std::string cookieValue(const httplib::Request& request, const std::string& name) {
  const std::string cookies = request.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string part = cookies.substr(pos, end - pos);
    part.erase(0, part.find_first_not_of(' '));
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

std::optional<nlohmann::json> jsonBody(const httplib::Request& request,
                                       httplib::Response& response) {
  auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    sendError(response, 400, "the request body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

nlohmann::json summaryJson(const CaseSummary& s, int64_t now_ms) {
  return {{"case_id", s.case_id},
          {"account_id", s.account_id},
          {"priority", "P" + std::to_string(s.priority)},
          {"deadline_ms", s.deadline_ms},
          {"overdue", s.deadline_ms < now_ms},
          {"opened_ms", s.opened_ms},
          {"categories", s.categories},
          {"minor_recipient", s.minor_recipient},
          {"items", s.items},
          {"claimed_by", s.claimed_by},
          {"claim_expires_ms", s.claim_expires_ms},
          {"with_lead", s.with_lead},
          {"decision", s.decision}};
}

std::pair<std::string, int> splitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("expected host:port");
  return {address.substr(0, colon), std::stoi(address.substr(colon + 1))};
}

}  // namespace

struct ConsoleServer::Caller {
  std::string token;
  Session session;
};

ConsoleServer::ConsoleServer(ConsoleParts parts)
    : parts_(std::move(parts)),
      sessions_(int64_t{parts_.config.session_minutes} * 60 * 1000),
      throttle_(parts_.config.login_failures_per_window,
                int64_t{parts_.config.login_window_seconds} * 1000),
      server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server_->set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->set_payload_max_length(64 * 1024);
  routes();
  try {
    const auto [host, port] = splitAddress(parts_.config.listen_address);
    port_ = port == 0 ? server_->bind_to_any_port(host) : port;
    if (port_ < 0 || (port != 0 && !server_->bind_to_port(host, port))) {
      throw std::runtime_error("address in use or not available");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve the console at " + parts_.config.listen_address + ": " +
                             e.what());
  }
  listener_ = std::thread([this] { server_->listen_after_bind(); });
}

ConsoleServer::~ConsoleServer() {
  stopping_ = true;
  while (!server_->is_running() && listener_.joinable()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server_->stop();
  listener_.join();
}

std::optional<ConsoleServer::Caller> ConsoleServer::caller(const httplib::Request& request,
                                                           httplib::Response& response,
                                                           bool changes_state) {
  const std::string token = cookieValue(request, kSessionCookie);
  auto session = token.empty() ? std::nullopt : sessions_.find(token, parts_.clock.nowMs());
  if (!session) {
    sendError(response, 401, "not logged in");
    return std::nullopt;
  }
  if (changes_state && !sameToken(request.get_header_value("X-CSRF-Token"), session->csrf_token)) {
    sendError(response, 403, "missing or wrong CSRF token");
    return std::nullopt;
  }
  return Caller{token, *session};
}

bool ConsoleServer::audit(const AuditEntry& entry, httplib::Response& response) {
  std::string error;
  const auto at = parts_.writer.send(
      parts_.config.topics.audit, entry.case_id.empty() ? entry.user : entry.case_id,
      auditRecord(entry, parts_.clock.nowMs()), error, kWriteTimeoutMs);
  if (!at) {
    spdlog::error("console: audit record for {} by {} not written: {}", entry.action, entry.user,
                  error);
    sendError(response, 503, "the audit topic did not take the record; nothing was done");
    return false;
  }
  if (!parts_.follower.waitApplied(*at, kWriteTimeoutMs)) {
    sendError(response, 503, "the console has not read its own audit record back yet");
    return false;
  }
  return true;
}

void ConsoleServer::routes() {
  auto& server = *server_;
  server.set_mount_point("/static", parts_.web_dir.string());
  server.Get("/", [this](const httplib::Request&, httplib::Response& response) {
    std::ifstream file(parts_.web_dir / "index.html");
    std::stringstream page;
    page << file.rdbuf();
    if (!file) return sendError(response, 500, "the console's page is missing");
    response.set_header("Cache-Control", "no-store");
    response.set_content(page.str(), "text/html; charset=utf-8");
  });

  server.Post("/api/login", [this](const httplib::Request& request, httplib::Response& response) {
    auto body = jsonBody(request, response);
    if (!body) return;
    const std::string name = body->value("user", "");
    const std::string password = body->value("password", "");
    const int64_t now = parts_.clock.nowMs();
    if (!throttle_.allowed(name, request.remote_addr, now)) {
      sendError(response, 429, "too many failed logins; try again later");
      return;
    }
    const User* user = parts_.users.authenticate(name, password);
    if (!user) {
      throttle_.failed(name, request.remote_addr, now);
      if (validUserName(name)) {
        std::string ignored;
        parts_.writer.send(parts_.config.topics.audit, name,
                           auditRecord({name, audit_action::kLoginRefused}, now), ignored);
      }
      sendError(response, 401, "wrong user name or password");
      return;
    }
    if (!audit({user->name, audit_action::kLogin}, response)) return;
    const std::string token = sessions_.start(*user, now);
    response.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + token +
                                          "; HttpOnly; SameSite=Strict; Path=/");
    const auto session = sessions_.find(token, now);
    sendJson(response, 200,
             {{"user", user->name},
              {"role", roleName(user->role)},
              {"csrf_token", session->csrf_token},
              {"started_ms", session->started_ms},
              {"break_reminder_minutes", parts_.config.break_reminder_minutes}});
  });

  server.Post("/api/logout", [this](const httplib::Request& request, httplib::Response& response) {
    auto who = caller(request, response, true);
    if (!who) return;
    sessions_.end(who->token);
    std::string ignored;
    parts_.writer.send(
        parts_.config.topics.audit, who->session.user,
        auditRecord({who->session.user, audit_action::kLogout}, parts_.clock.nowMs()), ignored);
    response.set_header("Set-Cookie", std::string(kSessionCookie) +
                                          "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    sendJson(response, 200, {{"ok", true}});
  });

  server.Get("/api/me", [this](const httplib::Request& request, httplib::Response& response) {
    auto who = caller(request, response, false);
    if (!who) return;
    sendJson(response, 200,
             {{"user", who->session.user},
              {"role", roleName(who->session.role)},
              {"csrf_token", who->session.csrf_token},
              {"started_ms", who->session.started_ms},
              {"now_ms", parts_.clock.nowMs()},
              {"break_reminder_minutes", parts_.config.break_reminder_minutes}});
  });

  server.Get("/api/queue", [this](const httplib::Request& request, httplib::Response& response) {
    auto who = caller(request, response, false);
    if (!who) return;
    QueueFilter filter;
    if (request.has_param("priority") && !request.get_param_value("priority").empty()) {
      filter.priority = parsePriority(request.get_param_value("priority"));
      if (!filter.priority) return sendError(response, 400, "priority must be P0-P3");
    }
    filter.category = request.get_param_value("category");
    filter.minor_recipient = request.get_param_value("minor") == "1";
    filter.lead_queue = request.get_param_value("lead") == "1";
    if (filter.lead_queue && who->session.role == Role::kModerator) {
      return sendError(response, 403, "the lead queue is for leads");
    }
    size_t offset = 0, limit = 50;
    try {
      if (request.has_param("offset")) offset = std::stoul(request.get_param_value("offset"));
      if (request.has_param("limit")) limit = std::stoul(request.get_param_value("limit"));
    } catch (const std::exception&) {
      return sendError(response, 400, "offset and limit must be numbers");
    }
    limit = std::min(limit, kMaxPageSize);
    const int64_t now = parts_.clock.nowMs();
    const QueuePage page = parts_.queue.page(filter, offset, limit, now);
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& s : page.cases) cases.push_back(summaryJson(s, now));
    sendJson(response, 200,
             {{"cases", cases},
              {"matching", page.matching},
              {"by_priority",
               {{"P0", page.by_priority[0]},
                {"P1", page.by_priority[1]},
                {"P2", page.by_priority[2]},
                {"P3", page.by_priority[3]}}},
              {"overdue", page.overdue},
              {"version", parts_.queue.version()},
              {"caught_up", parts_.follower.caughtUp()}});
  });

  server.Get(R"(/api/cases/([A-Za-z0-9-]+))", [this](const httplib::Request& request,
                                                     httplib::Response& response) {
    auto who = caller(request, response, false);
    if (!who) return;
    const std::string case_id = request.matches[1];
    const int64_t now = parts_.clock.nowMs();
    auto detail = parts_.queue.detail(case_id, now);
    if (!detail) return sendError(response, 404, "no such case");
    if (!audit({who->session.user, audit_action::kView, case_id}, response)) return;
    nlohmann::json items = nlohmann::json::array();
    for (auto item : detail->items) {
      // The post's text, for highlighting the quoted spans. Only posts are read:
      // a media record's bytes never come to the console.
      const auto source = item.find("source");
      if (source != item.end() && source->is_object() &&
          source->value("topic", "") == parts_.config.topics.posts) {
        if (auto post =
                parts_.reader.read(source->value("topic", ""), source->value("partition", 0),
                                   source->value("offset", int64_t{-1}))) {
          auto parsed = nlohmann::json::parse(post->value, nullptr, false);
          if (parsed.is_object() && parsed.contains("text") && parsed["text"].is_string()) {
            item["text"] = parsed["text"];
          }
        }
      }
      items.push_back(std::move(item));
    }
    sendJson(response, 200,
             {{"case", summaryJson(detail->summary, now)},
              {"items", items},
              {"decisions", detail->decisions}});
  });

  server.Post(R"(/api/cases/([A-Za-z0-9-]+)/claim)", [this](const httplib::Request& request,
                                                            httplib::Response& response) {
    auto who = caller(request, response, true);
    if (!who) return;
    const std::string case_id = request.matches[1];
    const int64_t now = parts_.clock.nowMs();
    const auto holder = parts_.queue.holder(case_id, now);
    if (!holder) return sendError(response, 404, "no such case");
    if (!holder->empty() && *holder != who->session.user) {
      return sendError(response, 409, "claimed by " + *holder);
    }
    const int64_t expires = now + int64_t{parts_.config.claim_minutes} * 60 * 1000;
    if (!audit({who->session.user, audit_action::kClaim, case_id, "", "", expires}, response)) {
      return;
    }
    // The audit topic's order decides between consoles: the first claim read wins.
    const auto now_holder = parts_.queue.holder(case_id, parts_.clock.nowMs());
    if (!now_holder || *now_holder != who->session.user) {
      return sendError(response, 409, "claimed by " + now_holder.value_or("someone else"));
    }
    sendJson(response, 200, {{"claimed_by", who->session.user}, {"expires_ms", expires}});
  });

  server.Post(R"(/api/cases/([A-Za-z0-9-]+)/release)", [this](const httplib::Request& request,
                                                              httplib::Response& response) {
    auto who = caller(request, response, true);
    if (!who) return;
    if (!audit({who->session.user, audit_action::kRelease, request.matches[1]}, response)) {
      return;
    }
    sendJson(response, 200, {{"ok", true}});
  });

  // Actions need the caller's live claim on the case.
  auto holdsClaim = [this](const Caller& who, const std::string& case_id,
                           httplib::Response& response) {
    const auto holder = parts_.queue.holder(case_id, parts_.clock.nowMs());
    if (!holder) {
      sendError(response, 404, "no such case");
      return false;
    }
    if (*holder != who.session.user) {
      sendError(response, 409, "claim the case first");
      return false;
    }
    return true;
  };

  server.Post(R"(/api/cases/([A-Za-z0-9-]+)/lead)",
              [this, holdsClaim](const httplib::Request& request, httplib::Response& response) {
                auto who = caller(request, response, true);
                if (!who) return;
                const std::string case_id = request.matches[1];
                if (!holdsClaim(*who, case_id, response)) return;
                if (!audit({who->session.user, audit_action::kToLead, case_id}, response)) return;
                sendJson(response, 200, {{"ok", true}});
              });

  server.Post(R"(/api/cases/([A-Za-z0-9-]+)/reveal)", [this](const httplib::Request& request,
                                                             httplib::Response& response) {
    auto who = caller(request, response, true);
    if (!who) return;
    auto body = jsonBody(request, response);
    if (!body) return;
    const std::string item = body->value("item", "");
    if (item.empty()) return sendError(response, 400, "item is required");
    if (!audit({who->session.user, audit_action::kReveal, request.matches[1], item}, response)) {
      return;
    }
    sendJson(response, 200, {{"ok", true}});
  });

  server.Post(
      R"(/api/cases/([A-Za-z0-9-]+)/decision)",
      [this, holdsClaim](const httplib::Request& request, httplib::Response& response) {
        auto who = caller(request, response, true);
        if (!who) return;
        const std::string case_id = request.matches[1];
        auto body = jsonBody(request, response);
        if (!body) return;
        const std::string verdict = body->value("decision", "");
        std::string category = body->value("category", "");
        if (verdict != "confirmed" && verdict != "dismissed") {
          return sendError(response, 400, "decision must be confirmed or dismissed");
        }
        const int64_t now = parts_.clock.nowMs();
        auto detail = parts_.queue.detail(case_id, now);
        if (!detail) return sendError(response, 404, "no such case");
        if (category.empty() && !detail->summary.categories.empty()) {
          category = *detail->summary.categories.begin();
        }
        if (category.empty()) return sendError(response, 400, "category is required");
        if (!holdsClaim(*who, case_id, response)) return;
        if (!audit({who->session.user,
                    verdict == "confirmed" ? audit_action::kConfirm : audit_action::kDismiss,
                    case_id, "", category},
                   response)) {
          return;
        }
        const nlohmann::json decision = {{"schema_version", 1},
                                         {"case_id", case_id},
                                         {"account_id", detail->summary.account_id},
                                         {"decision", verdict},
                                         {"category", category},
                                         {"decided_at_ms", now},
                                         {"moderator", who->session.user}};
        std::string error;
        const auto at =
            parts_.writer.send(parts_.config.topics.decisions, detail->summary.account_id,
                               decision.dump(), error, kWriteTimeoutMs);
        if (!at) {
          spdlog::error("console: decision on {} not written: {}", case_id, error);
          return sendError(response, 503, "the decisions topic did not take the decision");
        }
        // Answered once read back: the case has then left every queue of this console.
        parts_.follower.waitApplied(*at, kWriteTimeoutMs);
        sendJson(response, 200, {{"ok", true}, {"decision", decision}});
      });

  server.Get("/api/events", [this](const httplib::Request& request, httplib::Response& response) {
    auto who = caller(request, response, false);
    if (!who) return;
    response.set_header("Cache-Control", "no-store");
    response.set_chunked_content_provider(
        "text/event-stream", [this, last = uint64_t{0}, token = who->token](
                                 size_t /*offset*/, httplib::DataSink& sink) mutable {
          // A change is announced at most every 250 ms; the page then fetches what it shows.
          for (int waited = 0; waited < 60 && !stopping_; ++waited) {
            if (!sessions_.find(token, parts_.clock.nowMs())) return false;
            const uint64_t version = parts_.queue.version();
            if (version != last) {
              last = version;
              const std::string event = "event: queue\ndata: " + std::to_string(version) + "\n\n";
              return sink.write(event.data(), event.size());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
          }
          const std::string keepalive = ": keep-alive\n\n";
          return !stopping_ && sink.write(keepalive.data(), keepalive.size());
        });
  });
}

}  // namespace modstream
