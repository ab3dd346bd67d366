// Fixed-size worker pool that splits an index range into contiguous chunks, claimed
// dynamically by its threads (kernels/config).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/common.h"

namespace aivm::kernels {

// A pool of num_threads - 1 workers plus the calling thread.
// Thread safety: parallel_for may be called from several threads; calls are serialized. A
// parallel_for issued from inside a running chunk (nested) runs inline on that thread.
class ThreadPool {
 public:
  explicit ThreadPool(int num_threads /* total incl. caller; < 1 counts as 1 */);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) over [0, n) in contiguous, non-empty chunks, at most
  // kChunksPerThread per thread, that the caller and the workers claim one at a time. Thread
  // t (the caller is 0, workers 1..) first claims its own share of the chunks, the t-th of
  // num_threads contiguous parts, in order, then takes what is left of the others' from their
  // ends: jobs split the same way give each thread the same part of the data every time (in
  // its cache from the op before), while a thread the host takes away (a shared 2-vCPU
  // machine does, for milliseconds) still holds up only the chunk it is running. Returns when
  // all chunks are done.
  // Between jobs a worker polls briefly (tens of microseconds: the next op of a run comes
  // sooner than a futex wake-up would), then blocks on a condition variable; an idle pool uses
  // no CPU. n <= 0 returns immediately.
  static constexpr int kChunksPerThread = 4;
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker_loop(int index);
  // Claims and runs chunks of the job |generation| until none is left (or a newer job began),
  // thread |index|'s own share first.
  void run_chunks(int index, uint32_t generation, const std::function<void(int64_t, int64_t)>& fn, int64_t n,
                  int chunks);
  bool claim(int chunk, uint32_t generation);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // one parallel_for at a time

  std::mutex mutex_;  // guards the job fields below
  std::condition_variable work_cv_, done_cv_;
  // Written under mutex_ (so the condition variables' waits stay exact), read without it while
  // polling.
  std::atomic<uint64_t> generation_{0};  // bumped per job; workers wake on a change
  std::atomic<bool> stop_{false};
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0;
  int chunks_ = 0;
  // Per chunk, 2 x the generation of the job that last set it up, + 1 once claimed: a worker
  // that wakes late, holding an older job's fields, fails its claims instead of running them.
  std::unique_ptr<std::atomic<uint64_t>[]> claimed_;
  std::atomic<int> done_{0};  // chunks of the current job finished
};

// Runs fn over [0, n) on |pool|, or inline on the caller's thread when pool is null or has
// a single thread.
void parallel_for(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace aivm::kernels
