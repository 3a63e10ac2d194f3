#pragma once
// Escalation priorities as escalation events name them: P0 (most urgent) to P3, held as 0..3.
// decide assigns them; the moderator console orders its queue by them.

#include <optional>
#include <string>

namespace modstream {

inline constexpr int kPriorityLevels = 4;

// "P0".."P3" to 0..3; nullopt for anything else.
inline std::optional<int> parsePriority(const std::string& text) {
  if (text.size() == 2 && text[0] == 'P' && text[1] >= '0' && text[1] <= '3') return text[1] - '0';
  return std::nullopt;
}

inline std::string priorityName(int priority) {
  return "P" + std::to_string(priority);
}

}  // namespace modstream
