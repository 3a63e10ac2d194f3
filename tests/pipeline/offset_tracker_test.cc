#include "pipeline/runtime/offset_tracker.h"

#include <catch2/catch.hpp>

using modstream::Offset;
using modstream::OffsetTracker;

TEST_CASE("nothing is committable before the first record completes", "[offset_tracker]") {
  OffsetTracker tracker;
  CHECK_FALSE(tracker.committable(Offset{-1}));
  tracker.begin(Offset{10});
  CHECK_FALSE(tracker.committable(Offset{-1}));
  CHECK(tracker.inFlight() == 1);
}

TEST_CASE("a record with no outputs completes when finished", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(Offset{10});
  tracker.finish(Offset{10}, 0);
  REQUIRE(tracker.committable(Offset{-1}) == Offset{11});
  CHECK(tracker.inFlight() == 0);
  CHECK_FALSE(tracker.committable(Offset{11}));
}

TEST_CASE("an offset waits for every output of every earlier record", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(Offset{1});
  tracker.begin(Offset{2});
  tracker.begin(Offset{3});
  tracker.finish(Offset{1}, 2);
  tracker.finish(Offset{2}, 0);
  tracker.finish(Offset{3}, 1);
  tracker.acknowledge(Offset{3});
  CHECK_FALSE(tracker.committable(Offset{-1}));  // record 1 still has two unacknowledged outputs
  tracker.acknowledge(Offset{1});
  CHECK_FALSE(tracker.committable(Offset{-1}));
  tracker.acknowledge(Offset{1});
  CHECK(tracker.committable(Offset{-1}) == Offset{4});
}

TEST_CASE("an acknowledgement may arrive before finish", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(Offset{5});
  tracker.acknowledge(Offset{5});  // delivery report raced ahead of the worker
  CHECK_FALSE(tracker.committable(Offset{-1}));
  tracker.finish(Offset{5}, 1);
  CHECK(tracker.committable(Offset{-1}) == Offset{6});
}

TEST_CASE("offsets with gaps from compaction or transaction markers commit past the gap",
          "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(Offset{100});
  tracker.begin(Offset{107});
  tracker.finish(Offset{107}, 0);
  CHECK_FALSE(tracker.committable(Offset{-1}));
  tracker.finish(Offset{100}, 0);
  CHECK(tracker.committable(Offset{-1}) == Offset{108});
}

TEST_CASE("a failed delivery stops all further commits", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(Offset{1});
  tracker.begin(Offset{2});
  tracker.finish(Offset{1}, 0);
  tracker.finish(Offset{2}, 1);
  tracker.fail(Offset{2});
  CHECK(tracker.failed());
  CHECK_FALSE(tracker.committable(Offset{-1}));
}

TEST_CASE("offsets must increase", "[offset_tracker]") {
  OffsetTracker tracker;
  tracker.begin(Offset{3});
  CHECK_THROWS_AS(tracker.begin(Offset{3}), std::logic_error);
}
