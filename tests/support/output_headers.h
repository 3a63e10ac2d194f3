#pragma once
// Reading the headers of an output record in tests.

#include <optional>
#include <string>
#include <string_view>

#include "pipeline/core/record.h"

namespace modstream::testing {

// The value of the first header called `name`, or nothing when the record has none.
inline std::optional<std::string> outputHeader(const OutputRecord& out, std::string_view name) {
  for (const auto& h : out.headers) {
    if (h.name == name) return h.value;
  }
  return std::nullopt;
}

}  // namespace modstream::testing
