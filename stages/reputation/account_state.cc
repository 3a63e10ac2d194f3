#include "stages/reputation/account_state.h"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>

#include "pipeline/core/content_hash.h"

namespace modstream {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;

HourBucket& bucketFor(AccountState& state, int64_t hour) {
  HourBucket& bucket = state.hours[static_cast<size_t>(hour % 24)];
  if (bucket.hour != hour) bucket = HourBucket{hour, 0, 0, 0};
  return bucket;
}

void addStrike(AccountState& state, const std::string& category, int64_t now_ms,
               const ReputationSettings& settings) {
  Strike& strike = state.strikes[category];
  strike.value = decayed(strike, now_ms, settings) + 1.0;
  strike.at_ms = std::max(strike.at_ms, now_ms);
}

}  // namespace

// Written with fmt rather than built as a nlohmann::json tree: the state is encoded on every
// update (it is the changelog record), and building the tree dominated the update's cost. The
// format strings are compiled (FMT_COMPILE), and strings that need no escaping (account ids,
// topic names, categories: printable ASCII without quotes or backslashes) are copied as they
// are; any other string goes through nlohmann's escaper.
std::string encodeState(const AccountState& s) {
  fmt::memory_buffer out;
  const auto to = [&out] { return std::back_inserter(out); };
  const auto append_quoted = [&out](const std::string& text) {
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
      return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    if (plain) {
      out.push_back('"');
      out.append(text);
      out.push_back('"');
    } else {
      out.append(nlohmann::json(text).dump());
    }
  };
  out.append(std::string_view(R"({"schema_version":1,"account_id":)"));
  append_quoted(s.account_id);
  fmt::format_to(to(), FMT_COMPILE(R"(,"first_seen_ms":{},"last_seen_ms":{},)"), s.first_seen_ms,
                 s.last_seen_ms);
  const auto object = [&](std::string_view name, const auto& map, const auto& write_value) {
    out.push_back('"');
    out.append(name);
    out.append(std::string_view(R"(":{)"));
    bool first = true;
    for (const auto& [key, value] : map) {
      if (!first) out.push_back(',');
      append_quoted(key);
      out.push_back(':');
      write_value(value);
      first = false;
    }
    out.append(std::string_view("},"));
  };
  const auto number = [&](int64_t v) { fmt::format_to(to(), FMT_COMPILE("{}"), v); };
  object("last_offsets", s.last_offsets, number);
  object("strikes", s.strikes, [&](const Strike& strike) {
    fmt::format_to(to(), FMT_COMPILE(R"({{"value":{},"at_ms":{}}})"), strike.value, strike.at_ms);
  });
  object("confirmed", s.confirmed, number);
  fmt::format_to(to(),
                 FMT_COMPILE(R"("dismissed":{},"totals":{{"posts":{},"direct_messages":{},)"
                             R"("messages_to_minors":{},"media":{}}},"hours":[)"),
                 s.dismissed, s.totals.posts, s.totals.direct_messages, s.totals.messages_to_minors,
                 s.totals.media);
  bool first = true;
  for (const auto& h : s.hours) {
    if (h.hour < 0) continue;
    if (!first) out.push_back(',');
    fmt::format_to(to(), FMT_COMPILE("[{},{},{},{}]"), h.hour, h.posts, h.direct_messages,
                   h.messages_to_minors);
    first = false;
  }
  out.append(std::string_view(R"(],"recipients":[)"));
  first = true;
  for (const auto& [hash, hour] : s.recipients) {
    if (!first) out.push_back(',');
    fmt::format_to(to(), FMT_COMPILE("[{},{}]"), hash, hour);
    first = false;
  }
  out.append(std::string_view("]}"));
  return fmt::to_string(out);
}

// simdjson rather than nlohmann: a cache miss decodes a stored state, and with many accounts most
// updates are misses.
std::optional<AccountState> decodeState(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
  const auto integer = [](simdjson::dom::element e) {
    int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS) {
      uint64_t u = 0;
      if (e.get_uint64().get(u) != simdjson::SUCCESS)
        throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);
      v = static_cast<int64_t>(u);
    }
    return v;
  };
  try {
    if (integer(root["schema_version"]) != 1) return std::nullopt;
    AccountState s;
    s.account_id = std::string(std::string_view(root["account_id"]));
    s.first_seen_ms = integer(root["first_seen_ms"]);
    s.last_seen_ms = integer(root["last_seen_ms"]);
    for (auto [key, value] : simdjson::dom::object(root["last_offsets"])) {
      s.last_offsets[std::string(key)] = integer(value);
    }
    for (auto [key, value] : simdjson::dom::object(root["strikes"])) {
      s.strikes[std::string(key)] = {double(value["value"]), integer(value["at_ms"])};
    }
    for (auto [key, value] : simdjson::dom::object(root["confirmed"])) {
      s.confirmed[std::string(key)] = integer(value);
    }
    s.dismissed = integer(root["dismissed"]);
    const auto totals = root["totals"];
    s.totals = {integer(totals["posts"]), integer(totals["direct_messages"]),
                integer(totals["messages_to_minors"]), integer(totals["media"])};
    for (auto h : simdjson::dom::array(root["hours"])) {
      const int64_t hour = integer(h.at(0));
      if (hour < 0) continue;
      s.hours[static_cast<size_t>(hour % 24)] = {hour, integer(h.at(1)), integer(h.at(2)),
                                                 integer(h.at(3))};
    }
    for (auto r : simdjson::dom::array(root["recipients"])) {
      s.recipients.emplace_back(uint64_t(r.at(0)), integer(r.at(1)));
    }
    return s;
  } catch (const simdjson::simdjson_error&) {
    return std::nullopt;
  }
}

double decayed(const Strike& strike, int64_t now_ms, const ReputationSettings& settings) {
  if (strike.value == 0) return 0;
  const double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - strike.at_ms));
  return strike.value * std::exp2(-elapsed / static_cast<double>(settings.strike_half_life_ms));
}

void recordActivity(AccountState& state, const Content& content, int64_t now_ms,
                    const ReputationSettings& settings) {
  if (state.first_seen_ms == 0 || now_ms < state.first_seen_ms) state.first_seen_ms = now_ms;
  state.last_seen_ms = std::max(state.last_seen_ms, now_ms);
  const int64_t hour = now_ms / kHourMs;
  if (const auto* decision = std::get_if<ModeratorDecision>(&content)) {
    if (decision->verdict == Verdict::kConfirmed) {
      ++state.confirmed[decision->category];
    } else {
      ++state.dismissed;
    }
    return;
  }
  if (const auto* media = std::get_if<MediaRecord>(&content)) {
    (void)media;
    ++state.totals.media;
    return;
  }
  const auto* post = std::get_if<Post>(&content);
  if (!post) return;
  if (post->context.account_age_days) {
    const int64_t created = now_ms - *post->context.account_age_days * kDayMs;
    if (created > 0 && created < state.first_seen_ms) state.first_seen_ms = created;
  }
  HourBucket& bucket = bucketFor(state, hour);
  ++state.totals.posts;
  ++bucket.posts;
  if (post->context.kind != PostKind::kDirectMessage) return;
  ++state.totals.direct_messages;
  ++bucket.direct_messages;
  if (post->context.recipient_is_minor) {
    ++state.totals.messages_to_minors;
    ++bucket.messages_to_minors;
  }
  if (post->context.recipient_account_id) {
    // A stable digest, not the id: the state keeps who was messaged only as far as it must.
    const uint64_t hash = std::stoull(
        hexDigest(HashType::kSha256, post->context.recipient_account_id->str()).substr(0, 16),
        nullptr, 16);
    auto& recipients = state.recipients;
    std::erase_if(recipients, [&](const auto& r) { return r.second <= hour - 24; });
    auto it = std::find_if(recipients.begin(), recipients.end(),
                           [&](const auto& r) { return r.first == hash; });
    if (it != recipients.end()) {
      it->second = std::max(it->second, hour);
    } else if (recipients.size() < settings.max_recipients) {
      recipients.emplace_back(hash, hour);
    }
  }
}

void recordFindings(AccountState& state, const Signals& signals, int64_t now_ms,
                    const ReputationSettings& settings) {
  if (!signals.bank_matches.empty()) addStrike(state, "known_content", now_ms, settings);
  if (!signals.text_risk) return;
  for (const auto& category : signals.text_risk->categories) {
    if (category.flagged) addStrike(state, category.category, now_ms, settings);
  }
}

ReputationSnapshot snapshotOf(const AccountState& state, int64_t now_ms,
                              const ReputationSettings& settings) {
  ReputationSnapshot snap;
  const int64_t hour = now_ms / kHourMs;
  snap.account_age_days = std::max<int64_t>(0, (now_ms - state.first_seen_ms) / kDayMs);
  double load = 0;
  for (const auto& [category, strike] : state.strikes) {
    const double value = decayed(strike, now_ms, settings);
    snap.strikes[category] = value;
    load += value;
  }
  for (const auto& [category, count] : state.confirmed) snap.confirmed_violations += count;
  snap.dismissed_escalations = state.dismissed;
  load += settings.confirmed_weight * static_cast<double>(snap.confirmed_violations) -
          settings.dismissed_credit * static_cast<double>(snap.dismissed_escalations);
  const double maturity = static_cast<double>(std::max<int64_t>(1, settings.trust_maturity_days));
  const double base =
      0.5 + 0.5 * std::min(static_cast<double>(snap.account_age_days), maturity) / maturity;
  snap.trust = base * std::exp(-std::max(0.0, load) / settings.trust_scale);
  for (const auto& bucket : state.hours) {
    if (bucket.hour < 0 || bucket.hour > hour || bucket.hour <= hour - 24) continue;
    snap.posts_last_day += bucket.posts;
    snap.direct_messages_last_day += bucket.direct_messages;
    snap.messages_to_minors_last_day += bucket.messages_to_minors;
    if (bucket.hour == hour) {
      snap.posts_last_hour += bucket.posts;
      snap.messages_to_minors_last_hour += bucket.messages_to_minors;
    }
  }
  for (const auto& [hash, seen] : state.recipients) {
    if (seen > hour - 24 && seen <= hour) ++snap.distinct_recipients_last_day;
    if (seen == hour) ++snap.distinct_recipients_last_hour;
  }
  return snap;
}

bool idleTooLong(const AccountState& state, int64_t now_ms, const ReputationSettings& settings) {
  return settings.expire_after_days > 0 &&
         now_ms - state.last_seen_ms > settings.expire_after_days * kDayMs;
}

}  // namespace modstream
