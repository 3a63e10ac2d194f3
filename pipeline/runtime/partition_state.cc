#include "pipeline/runtime/partition_state.h"

namespace modstream {

void PartitionState::delivered(Offset source_offset, bool ok, const std::string& /*reason*/) {
  if (ok) {
    tracker_.acknowledge(source_offset);
  } else {
    tracker_.fail(source_offset);
  }
}

}  // namespace modstream
