// Untrusted text printed for an operator: control sequences and bidi overrides arrive escaped.
#include "app/cli/terminal_text.h"

#include <catch2/catch.hpp>

#include "app/cli/event_format.h"

using modstream::cli::terminalSafe;

TEST_CASE("terminal escapes C0, DEL and C1 controls visibly", "[terminal]") {
  CHECK(terminalSafe("acct\x1b]0;owned\x07") == "acct\\x1b]0;owned\\x07");  // retitle (OSC 0)
  CHECK(terminalSafe("\x1b[2J\x1b[31mred") == "\\x1b[2J\\x1b[31mred");      // clear, colour
  CHECK(terminalSafe("\x1b]52;c;aGk=\x07") == "\\x1b]52;c;aGk=\\x07");      // clipboard (OSC 52)
  CHECK(terminalSafe("two\nlines\r\t") == "two\\x0alines\\x0d\\x09");
  CHECK(terminalSafe("del\x7f") == "del\\x7f");
  CHECK(terminalSafe("c1 \xc2\x9b"
                     "2J") == "c1 \\u009b2J");  // U+009B, the 8-bit CSI
}

TEST_CASE("terminal escapes bidi controls and invalid UTF-8, keeps other text", "[terminal]") {
  CHECK(terminalSafe("user\xe2\x80\xaegnp.exe") == "user\\u202egnp.exe");  // U+202E
  CHECK(terminalSafe("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");
  CHECK(terminalSafe("bad \xff\xfe end") == "bad \\xff\\xfe end");
  CHECK(terminalSafe("cut \xe2\x80") == "cut \\xe2\\x80");  // a truncated sequence
  CHECK(terminalSafe("a\\x1b") == "a\\\\x1b");              // an escape cannot be forged
  const std::string kept = "caf\xc3\xa9 \xf0\x9f\x94\xaa \xd0\xbf\xd1\x80\xd0\xb8 \xe2\x80\x8d";
  CHECK(terminalSafe(kept) == kept);  // accents, emoji, Cyrillic, zero-width joiner
}

TEST_CASE("describeOutput escapes what a dead letter carries", "[terminal]") {
  modstream::TopicRecord record;
  record.topic = "dead-letter";
  record.headers = {{"modstream.error.class", "schema_violation"},
                    {"modstream.error.message", "field 'account_id': got 'x\x1b[2J'"},
                    {"modstream.source.topic", "posts\x1b]0;t\x07"},
                    {"modstream.source.partition", "0"},
                    {"modstream.source.offset", "1"}};
  const std::string line = modstream::cli::describeOutput(record);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\x07') == std::string::npos);
  CHECK_THAT(line, Catch::Contains("got 'x\\x1b[2J'"));
}

TEST_CASE("describeOutput names the model and the example it resembles in a model reason",
          "[terminal]") {
  modstream::TopicRecord record;
  record.topic = "escalations";
  record.headers = {{"modstream.event_type", "escalation"}};
  record.value = R"({"priority": "P0", "category": "threat_of_violence", "score": 0.9312,
    "content_ids": {"post_id": "post-1", "account_id": "acct-1"},
    "context": {"kind": "direct_message"},
    "reasons": [{"source": "lexicon", "entry_id": "threat.i-will-kill-you", "quote": "kill you",
                 "category": "threat_of_violence", "weight": 0.9},
                {"source": "model", "entry_id": "training-threat-041", "quote": "",
                 "category": "threat_of_violence", "weight": 0.8765, "model_tier": "full"}]})";
  const std::string line = modstream::cli::describeOutput(record);
  CHECK_THAT(line, Catch::Contains("\"kill you\" [threat.i-will-kill-you]"));
  CHECK_THAT(line, Catch::Contains("model: threat_of_violence 0.87 (like training-threat-041)"));
  CHECK_THAT(line, !Catch::Contains("\"\""));
}
