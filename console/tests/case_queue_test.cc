#include "console/case_queue.h"

#include <catch2/catch.hpp>

#include "console/audit.h"

using namespace modstream;

namespace {

// An escalation event as decide publishes it, with what the queue reads.
nlohmann::json escalation(const std::string& event_id, const std::string& case_id,
                          const std::string& priority, int64_t deadline_ms,
                          const std::string& category, int64_t detected_ms = 1000,
                          bool dm_to_minor = false) {
  return {
      {"event_id", event_id},
      {"account_id", "acct-" + case_id},
      {"priority", priority},
      {"deadline_ms", deadline_ms},
      {"category", category},
      {"detected_at_ms", detected_ms},
      {"context",
       {{"kind", dm_to_minor ? "direct_message" : "public"}, {"recipient_is_minor", dm_to_minor}}},
      {"case", {{"case_id", case_id}}}};
}

std::vector<std::string> ids(const QueuePage& page) {
  std::vector<std::string> out;
  for (const auto& c : page.cases) out.push_back(c.case_id);
  return out;
}

}  // namespace

TEST_CASE("the queue orders open cases by priority, then deadline, and pages them", "[console]") {
  CaseQueue queue;
  CHECK(queue.addEscalation(escalation("e1", "c-late", "P1", 9000, "threat")));
  CHECK(queue.addEscalation(escalation("e2", "c-urgent", "P0", 50000, "grooming")));
  CHECK(queue.addEscalation(escalation("e3", "c-soon", "P1", 3000, "threat")));
  CHECK(queue.addEscalation(escalation("e4", "c-low", "P3", 100, "harassment")));
  const auto page = queue.page({}, 0, 10, 5000);
  CHECK(ids(page) == std::vector<std::string>{"c-urgent", "c-soon", "c-late", "c-low"});
  CHECK(page.matching == 4);
  CHECK(page.by_priority == std::array<size_t, 4>{1, 2, 0, 1});
  CHECK(page.overdue == 2);  // c-soon (3000) and c-low (100) are past 5000
  CHECK(ids(queue.page({}, 1, 2, 5000)) == std::vector<std::string>{"c-soon", "c-late"});
  CHECK(queue.page({}, 1, 2, 5000).matching == 4);

  // A more urgent item moves its case up.
  CHECK(queue.addEscalation(escalation("e5", "c-low", "P0", 100, "harassment")));
  CHECK(ids(queue.page({}, 0, 2, 5000)) == std::vector<std::string>{"c-low", "c-urgent"});
  // The same event again (at-least-once delivery) changes nothing.
  const uint64_t version = queue.version();
  CHECK_FALSE(queue.addEscalation(escalation("e5", "c-low", "P0", 100, "harassment")));
  CHECK(queue.version() == version);
  CHECK(queue.detail("c-low", 0)->items.size() == 2);
}

TEST_CASE("queue filters: priority, category and direct messages to minors", "[console]") {
  CaseQueue queue;
  queue.addEscalation(escalation("e1", "a", "P1", 1, "threat"));
  queue.addEscalation(escalation("e2", "b", "P1", 2, "grooming", 1000, /*dm_to_minor=*/true));
  queue.addEscalation(escalation("e3", "c", "P2", 3, "grooming"));
  QueueFilter grooming;
  grooming.category = "grooming";
  CHECK(ids(queue.page(grooming, 0, 10, 0)) == std::vector<std::string>{"b", "c"});
  QueueFilter minors;
  minors.minor_recipient = true;
  CHECK(ids(queue.page(minors, 0, 10, 0)) == std::vector<std::string>{"b"});
  QueueFilter p2;
  p2.priority = 2;
  CHECK(ids(queue.page(p2, 0, 10, 0)) == std::vector<std::string>{"c"});
  CHECK(queue.page(p2, 0, 10, 0).by_priority == std::array<size_t, 4>{0, 2, 1, 0});
}

TEST_CASE("a decision closes its case, and later items open it again", "[console]") {
  CaseQueue queue;
  queue.addEscalation(escalation("e1", "c1", "P1", 10, "threat", 1000));
  CHECK(queue.addDecision({{"case_id", "c1"},
                           {"account_id", "acct-c1"},
                           {"decision", "confirmed"},
                           {"category", "threat"},
                           {"decided_at_ms", 2000}}));
  CHECK(queue.page({}, 0, 10, 0).cases.empty());
  CHECK(queue.detail("c1", 0)->summary.decision == "confirmed");
  CHECK(queue.detail("c1", 0)->decisions.size() == 1);
  // An item the decision covered (detected before it) stays closed...
  queue.addEscalation(escalation("e2", "c1", "P0", 10, "threat", 1500));
  CHECK(queue.page({}, 0, 10, 0).cases.empty());
  // ...a new one opens the case again, with only the new item.
  queue.addEscalation(escalation("e3", "c1", "P2", 10, "threat", 2500));
  const auto page = queue.page({}, 0, 10, 0);
  REQUIRE(page.cases.size() == 1);
  CHECK(page.cases[0].items == 1);
  CHECK(page.cases[0].priority == 2);
  CHECK(page.cases[0].decision.empty());
}

TEST_CASE("a decision read before its case's items keeps them closed", "[console]") {
  CaseQueue queue;
  queue.addDecision({{"case_id", "c1"},
                     {"account_id", "acct-c1"},
                     {"decision", "dismissed"},
                     {"category", "threat"},
                     {"decided_at_ms", 5000}});
  queue.addEscalation(escalation("e1", "c1", "P1", 10, "threat", 1000));
  CHECK(queue.page({}, 0, 10, 0).cases.empty());
}

TEST_CASE("claims: one holder at a time until expiry or release, in audit order", "[console]") {
  CaseQueue queue;
  queue.addEscalation(escalation("e1", "c1", "P1", 10, "threat"));
  CHECK(queue.claim("c1", "alice", 60000, 1000));
  CHECK_FALSE(queue.claim("c1", "bob", 61000, 2000));  // alice holds it
  CHECK(queue.holder("c1", 2000) == "alice");
  CHECK(queue.holder("c1", 60000) == "");  // lapsed
  CHECK(queue.claim("c1", "bob", 120000, 60001));
  queue.release("c1", "alice");  // not hers any more: nothing happens
  CHECK(queue.holder("c1", 60002) == "bob");
  queue.release("c1", "bob");
  CHECK(queue.holder("c1", 60003) == "");
  CHECK_FALSE(queue.holder("no-such-case", 0));

  // The same through audit records, as the follower applies them.
  CHECK(applyAudit(nlohmann::json::parse(
                       auditRecord({"carol", audit_action::kClaim, "c1", "", "", 200000}, 100000)),
                   queue));
  CHECK(queue.holder("c1", 100001) == "carol");
  applyAudit(nlohmann::json::parse(auditRecord({"carol", audit_action::kToLead, "c1"}, 100002)),
             queue);
  CHECK(queue.holder("c1", 100003) == "");
  CHECK(queue.page({}, 0, 10, 0).cases.empty());  // no longer in the moderators' queue
  QueueFilter leads;
  leads.lead_queue = true;
  CHECK(ids(queue.page(leads, 0, 10, 0)) == std::vector<std::string>{"c1"});
  CHECK_FALSE(applyAudit(nlohmann::json::parse("[1]"), queue));
}

TEST_CASE("events without a case or a valid priority are ignored", "[console]") {
  CaseQueue queue;
  CHECK_FALSE(queue.addEscalation(nlohmann::json::parse("[]")));
  auto no_case = escalation("e1", "c1", "P1", 1, "x");
  no_case.erase("case");
  CHECK_FALSE(queue.addEscalation(no_case));
  CHECK_FALSE(queue.addEscalation(escalation("e2", "c2", "P9", 1, "x")));
  CHECK_FALSE(queue.addDecision({{"case_id", ""}}));
  CHECK(queue.page({}, 0, 10, 0).matching == 0);
}
