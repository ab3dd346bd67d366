// ThreadPool: exact-once coverage, contiguous chunks, each thread's own share first, dynamic
// claiming, nesting, the inline helper.
#include "kernels/config/thread_pool.h"

#include <gtest/gtest.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace aivm::kernels {
namespace {

// Runs one parallel_for over [0, n) and checks each index was visited exactly once.
void expect_exact_cover(ThreadPool* pool, int64_t n) {
  std::vector<std::atomic<int>> hits(size_t(n > 0 ? n : 0));
  std::atomic<int> calls{0};
  parallel_for(pool, n, [&](int64_t b, int64_t e) {
    ++calls;
    EXPECT_LT(b, e);  // chunks are never empty
    for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
  });
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[size_t(i)].load(), 1) << "n=" << n << " i=" << i;
  EXPECT_TRUE(n > 0 || calls.load() == 0);
}

TEST(ThreadPool, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 4, 7}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.num_threads(), threads);
    for (int64_t n : {-3, 0, 1, 2, 3, 5, 6, 7, 8, 100, 10007}) expect_exact_cover(&pool, n);
  }
}

TEST(ThreadPool, RepeatedCalls) {
  ThreadPool pool(3);
  for (int rep = 0; rep < 2000; ++rep) expect_exact_cover(&pool, 1 + rep % 9);
}

TEST(ThreadPool, NullPoolRunsInlineAsOneChunk) {
  std::vector<std::pair<int64_t, int64_t>> chunks;
  parallel_for(nullptr, 17, [&](int64_t b, int64_t e) { chunks.push_back({b, e}); });
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], std::make_pair(int64_t{0}, int64_t{17}));
  parallel_for(nullptr, 0, [&](int64_t, int64_t) { FAIL() << "n = 0 must not call fn"; });
}

TEST(ThreadPool, ChunksAreContiguousAndBounded) {
  ThreadPool pool(4);
  for (int64_t n : {2, 4, 15, 16, 17, 1000}) {
    std::mutex mu;
    std::vector<std::pair<int64_t, int64_t>> chunks;
    pool.parallel_for(n, [&](int64_t b, int64_t e) {
      std::lock_guard<std::mutex> lock(mu);
      chunks.push_back({b, e});
    });
    const int64_t most = 4 * ThreadPool::kChunksPerThread;
    EXPECT_EQ(int64_t(chunks.size()), n < most ? n : most);
    std::sort(chunks.begin(), chunks.end());
    EXPECT_EQ(chunks.front().first, 0);
    EXPECT_EQ(chunks.back().second, n);
    for (size_t i = 1; i < chunks.size(); ++i) EXPECT_EQ(chunks[i - 1].second, chunks[i].first);
  }
}

// Chunks are claimed, not assigned: whichever thread runs the first chunk waits there until
// every other chunk is done, which only another thread can do. With a fixed share per thread
// the other chunks of the waiting thread's share would never run (the wait times out).
TEST(ThreadPool, StalledThreadDoesNotHoldTheJob) {
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    const int64_t n = int64_t(threads) * ThreadPool::kChunksPerThread;
    std::mutex mu;
    std::condition_variable cv;
    int64_t others_done = 0;
    bool timed_out = false;
    pool.parallel_for(n, [&](int64_t b, int64_t e) {
      std::unique_lock<std::mutex> lock(mu);
      if (b == 0) {
        timed_out = !cv.wait_for(lock, std::chrono::seconds(20), [&] { return others_done == n - 1; });
        return;
      }
      others_done += e - b;
      cv.notify_all();
    });
    EXPECT_FALSE(timed_out) << threads << " threads: " << others_done << " of " << n - 1 << " other chunks ran";
  }
}

TEST(ThreadPool, NestedCallRunsInline) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.parallel_for(8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      pool.parallel_for(10, [&](int64_t b2, int64_t e2) { total += e2 - b2; });
  });
  EXPECT_EQ(total.load(), 80);
}

TEST(ThreadPool, ConcurrentCallersAreSerialized) {
  ThreadPool pool(3);
  auto hammer = [&] {
    for (int rep = 0; rep < 300; ++rep) expect_exact_cover(&pool, 37);
  };
  std::thread a(hammer), b(hammer);
  a.join();
  b.join();
}

// Workers poll only briefly after a job, then block: over 200 ms of idleness, a pool of 4
// (3 workers) must use far less CPU than one polling thread would (200 ms). Not a timing
// assertion on the work: a spinning pool would use ~600 ms, a blocked one ~0.
TEST(ThreadPool, IdleWorkersBlock) {
  ThreadPool pool(4);
  std::atomic<int64_t> sum{0};
  pool.parallel_for(8, [&](int64_t b, int64_t e) { sum += e - b; });
  ASSERT_EQ(sum.load(), 8);
  auto cpu_ms = [] {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the polling window
  const double before = cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(cpu_ms() - before, 100.0);
}

// Each thread runs its own share of a job's chunks first (the caller the first part): the same
// split gives the caller the same data every time. Chunks of 100 us give a polling worker
// time to claim its own share; since a host may stall either thread in any one job, at least
// half of 100 jobs must have had all of the caller's share on the caller (claiming chunks in
// order, the threads would alternate and the caller hold every other chunk).
TEST(ThreadPool, CallerRunsItsOwnShare) {
  ThreadPool pool(2);
  constexpr int64_t kChunks = 2 * ThreadPool::kChunksPerThread;
  const std::thread::id caller = std::this_thread::get_id();
  int jobs_with_whole_share = 0;
  for (int job = 0; job < 100; ++job) {
    std::atomic<int> caller_share_on_caller{0};
    pool.parallel_for(kChunks, [&](int64_t b, int64_t) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
      while (std::chrono::steady_clock::now() < until) {
      }
      if (b < kChunks / 2 && std::this_thread::get_id() == caller) ++caller_share_on_caller;
    });
    if (caller_share_on_caller.load() == kChunks / 2) ++jobs_with_whole_share;
  }
  EXPECT_GE(jobs_with_whole_share, 50);
}

TEST(ThreadPool, DestroyIdlePool) {
  for (int i = 0; i < 20; ++i) std::make_unique<ThreadPool>(4).reset();
}

}  // namespace
}  // namespace aivm::kernels
