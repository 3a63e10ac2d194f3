#include "app/cli/event_format.h"

#include <simdjson.h>

#include "app/cli/terminal_text.h"
#include "pipeline/core/dead_letter.h"

namespace modstream::cli {
namespace {

std::string field(const simdjson::dom::element& doc, std::string_view pointer) {
  simdjson::dom::element el;
  if (doc.at_pointer(pointer).get(el) != simdjson::SUCCESS) return "?";
  if (el.is_string()) return std::string(el.get_string().value());
  return simdjson::minify(el);
}

std::string contentOf(const simdjson::dom::element& doc) {
  const std::string media = field(doc, "/content_ids/media_id");
  return (media == "?" ? "post " + field(doc, "/content_ids/post_id") : "media " + media) + " of " +
         field(doc, "/content_ids/account_id");
}

std::string describeTakedown(const simdjson::dom::element& doc) {
  return contentOf(doc) + "  matched " + field(doc, "/match/bank") + " entry " +
         field(doc, "/match/entry_id") + " (" + field(doc, "/match/hash_type") + " distance " +
         field(doc, "/match/distance") + ", category " + field(doc, "/match/category") + ", from " +
         field(doc, "/match/match_source") + ")  action " + field(doc, "/action") +
         ", preserve evidence " + field(doc, "/preserve_evidence");
}

std::string describeEscalation(const simdjson::dom::element& doc) {
  const std::string kind = field(doc, "/context/kind");
  std::string line =
      field(doc, "/priority") + " " + contentOf(doc) + "  " + field(doc, "/category") + " score " +
      field(doc, "/score").substr(0, 4) + " (" + kind +
      (field(doc, "/context/recipient_is_minor") == "true" ? " to a minor" : "") + ")";
  std::string guardrail = field(doc, "/guardrail");
  if (guardrail != "?") line += "  guardrail " + guardrail;
  simdjson::dom::array matches;
  if (doc["matches"].get(matches) == simdjson::SUCCESS && matches.size() > 0) {
    line += "  evidence:";
    for (auto match : matches) {
      line += " " + field(match, "/bank") + "/" + field(match, "/entry_id") + " (" +
              field(match, "/hash_type") + " " + field(match, "/distance") + ")";
    }
  }
  simdjson::dom::array reasons;
  if (doc["reasons"].get(reasons) == simdjson::SUCCESS && reasons.size() > 0) {
    line += "  reasons:";
    for (auto reason : reasons) {
      // A model reason quotes nothing: it names the model's probability and the labelled
      // message the post most resembles.
      if (field(reason, "/source") == "model") {
        line += " model: " + field(reason, "/category") + " " +
                field(reason, "/weight").substr(0, 4) + " (like " + field(reason, "/entry_id") +
                ")";
      } else {
        line += " \"" + field(reason, "/quote") + "\" [" + field(reason, "/entry_id") + "]";
      }
    }
  }
  const std::string items = field(doc, "/case/item_count");
  if (items != "?" && items != "1") line += "  case of " + items + " items";
  if (field(doc, "/preview/blurred") == "true") line += "  (blurred preview attached)";
  return line;
}

std::string describeDeadLetter(const TopicRecord& record) {
  namespace h = dead_letter_header;
  return std::string(record.header(h::kSourceTopic).value_or("?")) + "/" +
         std::string(record.header(h::kSourcePartition).value_or("?")) + "@" +
         std::string(record.header(h::kSourceOffset).value_or("?")) + "  " +
         std::string(record.header(h::kErrorClass).value_or("?")) + ": " +
         std::string(record.header(h::kErrorMessage).value_or("?"));
}

}  // namespace

std::string outputKind(const TopicRecord& record) {
  if (record.header(dead_letter_header::kErrorClass)) return "dead_letter";
  if (auto type = record.header("modstream.event_type")) return std::string(*type);
  return "";
}

std::string eventSource(const TopicRecord& record) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(record.value).get(doc) != simdjson::SUCCESS) return "";
  return field(doc, "/source/topic") + "/" + field(doc, "/source/partition") + "@" +
         field(doc, "/source/offset");
}

namespace {

std::string describeUnescaped(const TopicRecord& record) {
  const std::string kind = outputKind(record);
  if (kind == "dead_letter") return describeDeadLetter(record);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(record.value).get(doc) != simdjson::SUCCESS) {
    return "(not a modstream event: " + std::to_string(record.value.size()) + " bytes)";
  }
  if (kind == "takedown") return describeTakedown(doc);
  if (kind == "escalation") return describeEscalation(doc);
  if (kind == "label") {
    return "label " + field(doc, "/label") + " on " + field(doc, "/content_id") + " of " +
           field(doc, "/account_id") + "  rule " + field(doc, "/rule");
  }
  if (kind == "shadow") {
    simdjson::dom::element inner;
    std::string would = "?";
    if (doc.at_pointer("/would_publish").get(inner) == simdjson::SUCCESS) {
      const std::string type = field(inner, "/event_type");
      would = type == "takedown"     ? describeTakedown(inner)
              : type == "escalation" ? describeEscalation(inner)
                                     : type + " " + field(inner, "/label");
    }
    return "shadow rule " + field(doc, "/rule") + " (policy " + field(doc, "/policy_version") +
           ") would publish: " + would;
  }
  return "(unknown event: " + simdjson::minify(doc).substr(0, 200) + ")";
}

}  // namespace

std::string describeOutput(const TopicRecord& record) {
  return terminalSafe(describeUnescaped(record));
}

}  // namespace modstream::cli
