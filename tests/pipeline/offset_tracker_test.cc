#include "pipeline/runtime/offset_tracker.h"

#include <catch2/catch.hpp>

using modstream::OffsetTracker;

TEST_CASE("nothing is committable before the first record completes", "[offset_tracker]") {
  OffsetTracker tracker;
  CHECK_FALSE(tracker.committable(-1));
  tracker.begin(10);
  CHECK_FALSE(tracker.committable(-1));
  CHECK(tracker.inFlight() == 1);
}

TEST_CASE("a record with no outputs completes when finished", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(10);
  tracker.finish(10, 0);
  REQUIRE(tracker.committable(-1) == 11);
  CHECK(tracker.inFlight() == 0);
  CHECK_FALSE(tracker.committable(11));
}

TEST_CASE("an offset waits for every output of every earlier record", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(1);
  tracker.begin(2);
  tracker.begin(3);
  tracker.finish(1, 2);
  tracker.finish(2, 0);
  tracker.finish(3, 1);
  tracker.acknowledge(3);
  CHECK_FALSE(tracker.committable(-1));  // record 1 still has two unacknowledged outputs
  tracker.acknowledge(1);
  CHECK_FALSE(tracker.committable(-1));
  tracker.acknowledge(1);
  CHECK(tracker.committable(-1) == 4);
}

TEST_CASE("an acknowledgement may arrive before finish", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(5);
  tracker.acknowledge(5);  // delivery report raced ahead of the worker
  CHECK_FALSE(tracker.committable(-1));
  tracker.finish(5, 1);
  CHECK(tracker.committable(-1) == 6);
}

TEST_CASE("offsets with gaps from compaction or transaction markers commit past the gap",
          "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(100);
  tracker.begin(107);
  tracker.finish(107, 0);
  CHECK_FALSE(tracker.committable(-1));
  tracker.finish(100, 0);
  CHECK(tracker.committable(-1) == 108);
}

TEST_CASE("a failed delivery stops all further commits", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(1);
  tracker.begin(2);
  tracker.finish(1, 0);
  tracker.finish(2, 1);
  tracker.fail(2);
  CHECK(tracker.failed());
  CHECK_FALSE(tracker.committable(-1));
}

TEST_CASE("offsets must increase", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(3);
  CHECK_THROWS_AS(tracker.begin(3), std::logic_error);
}
