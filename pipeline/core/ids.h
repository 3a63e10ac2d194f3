#pragma once
// Strong types for the identifiers and coordinates that flow through the pipeline, so that an
// account id can never be passed where a post id is expected, nor a partition where an offset is.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace modstream {

template <class Tag>
class StringId {
 public:
  StringId() = default;
  explicit StringId(std::string value) : value_(std::move(value)) {}
  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }
  auto operator<=>(const StringId&) const = default;

 private:
  std::string value_;
};

using AccountId = StringId<struct AccountIdTag>;
using PostId = StringId<struct PostIdTag>;
using MediaId = StringId<struct MediaIdTag>;

struct Partition {
  int32_t value = -1;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  auto operator<=>(const Partition&) const = default;
};

struct Offset {
  int64_t value = -1;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  auto operator<=>(const Offset&) const = default;
};

// Where a record came from: named in every dead letter and every output event.
struct SourceCoordinates {
  std::string topic;
  Partition partition;
  Offset offset;
  auto operator<=>(const SourceCoordinates&) const = default;
};

struct TopicPartition {
  std::string topic;
  Partition partition;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  auto operator<=>(const TopicPartition&) const = default;
};

}  // namespace modstream

template <class Tag>
struct std::hash<modstream::StringId<Tag>> {
  size_t operator()(const modstream::StringId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};

template <>
struct std::hash<modstream::TopicPartition> {
  size_t operator()(const modstream::TopicPartition& tp) const noexcept {
    return std::hash<std::string>{}(tp.topic) * 31u + static_cast<size_t>(tp.partition.value);
  }
};
