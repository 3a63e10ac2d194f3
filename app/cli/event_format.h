#pragma once
// One line of plain text for a person, per output record: a takedown, escalation, label, shadow
// decision or dead letter. Used by `modstream demo` and `modstream tail`. Escalations show the
// quoted spans and never a preview's bytes.

#include <string>

#include "pipeline/kafka/topic_io.h"

namespace modstream::cli {

// The kind of output record ("takedown", "escalation", "label", "shadow", "dead_letter"), or
// empty when it is none of them.
std::string outputKind(const TopicRecord& record);

// One line, safe to print to a terminal: untrusted text in it is escaped (terminalSafe).
std::string describeOutput(const TopicRecord& record);

// Where an event says its input record was ("posts/2@17"), or empty.
std::string eventSource(const TopicRecord& record);

}  // namespace modstream::cli
