#include "pipeline/input/content.h"

namespace modstream {

const AccountId& accountOf(const Content& content) {
  return std::visit([](const auto& c) -> const AccountId& { return c.account_id; }, content);
}

std::string_view postKindName(PostKind kind) {
  switch (kind) {
    case PostKind::kPublic:
      return "public";
    case PostKind::kReply:
      return "reply";
    case PostKind::kDirectMessage:
      return "direct_message";
  }
  return "public";
}

}  // namespace modstream
