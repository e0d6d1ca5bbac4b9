#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "medpipe/core/parallel.h"

namespace medpipe {

TEST(Parallel, PartsCoverTheRangeOnceInContiguousPieces) {
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    std::mutex m;
    std::set<std::pair<size_t, size_t>> parts;
    std::atomic<size_t> sum{0};
    forEachPart(10, threads, [&](size_t begin, size_t end) {
      std::lock_guard<std::mutex> lock(m);
      parts.insert({begin, end});
      for (size_t i = begin; i < end; ++i) sum += i;
    });
    EXPECT_EQ(sum, 45u) << threads << " threads";
    EXPECT_EQ(parts.size(), std::min<size_t>(threads, 10)) << threads << " threads";
    EXPECT_EQ(parts.begin()->first, 0u);
    EXPECT_EQ(parts.rbegin()->second, 10u);
  }
}

TEST(Parallel, RethrowsTheErrorOfTheLowestPart) {
  // Every part fails; the first part's error is the one a sequential loop meets first.
  try {
    forEachPart(4, 4, [](size_t begin, size_t) { throw std::runtime_error("part at " + std::to_string(begin)); });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "part at 0");
  }
  try {
    forEachPart(4, 2, [](size_t begin, size_t) {
      if (begin > 0) throw std::runtime_error("second part");
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "second part");
  }
}

// forEachPart keeps its threads between calls: calls one after the other with changing part counts
// (workers a call does not need sit it out), calls from several threads at once, and calls from
// inside a part each cover their range exactly once.
size_t sumOfParts(size_t count, unsigned threads) {
  std::atomic<size_t> sum{0};
  forEachPart(count, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) sum += i + 1;
  });
  return sum;
}

TEST(Parallel, CallsOfChangingPartCountsEachCoverTheirRange) {
  for (int call = 0; call < 3000; ++call) {
    const unsigned threads = std::vector<unsigned>{2, 3, 8, 2, 5, 1}[size_t(call) % 6];
    const size_t count = size_t(call % 17);
    ASSERT_EQ(sumOfParts(count, threads), count * (count + 1) / 2) << "call " << call << ", " << threads << " threads";
  }
}

TEST(Parallel, ConcurrentAndNestedCallsEachCoverTheirRange) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&] {
      for (int call = 0; call < 300; ++call) {
        std::atomic<size_t> inner{0};
        forEachPart(4, 2, [&](size_t begin, size_t end) {
          for (size_t i = begin; i < end; ++i) inner += sumOfParts(10, 3);
        });
        wrong += inner != 4 * 55;
      }
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(wrong, 0);
}

TEST(Parallel, EmptyRangeCallsNothing) {
  bool called = false;
  forEachPart(0, 2, [&](size_t, size_t) { called = true; });
  EXPECT_FALSE(called);
}

}  // namespace medpipe
