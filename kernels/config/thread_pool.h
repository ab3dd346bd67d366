// Fixed-size worker pool that splits an index range into contiguous chunks, claimed
// dynamically by its threads (kernels/config).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
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
  // kChunksPerThread per thread, that the caller and the workers claim one at a time: a thread
  // the host takes away (a shared 2-vCPU machine does, for milliseconds) holds up only the
  // chunk it is running, not a fixed half of the job. Returns when all chunks are done.
  // Between jobs a worker polls briefly (tens of microseconds: the next op of a run comes
  // sooner than a futex wake-up would), then blocks on a condition variable; an idle pool uses
  // no CPU. n <= 0 returns immediately.
  static constexpr int kChunksPerThread = 4;
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker_loop();
  // Claims and runs chunks of the job |generation| until none is left (or a newer job began).
  void run_chunks(uint32_t generation, const std::function<void(int64_t, int64_t)>& fn, int64_t n, int chunks);

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
  // The job's generation (low 32 bits) above the next unclaimed chunk: a worker that wakes
  // late, holding an older job's fields, fails its claim instead of running them.
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};  // chunks of the current job finished
};

// Runs fn over [0, n) on |pool|, or inline on the caller's thread when pool is null or has
// a single thread.
void parallel_for(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace aivm::kernels
