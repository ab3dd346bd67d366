// ThreadPool: workers sleep on a condition variable between jobs; chunk i of a job goes to
// worker i (the caller takes chunk 0), so no queue is needed.
#include "kernels/config/thread_pool.h"

namespace aivm::kernels {
namespace {

thread_local bool t_in_chunk = false;  // set while running a chunk, to run nested calls inline

int64_t chunk_begin(int64_t n, int chunks, int i) { return n * i / chunks; }

// Polls before blocking, some 10-150 us in all (a pause takes 10-140 cycles, by CPU): ops of a
// run follow each other faster than a sleeping thread wakes (a futex wake-up costs tens of
// microseconds, more on a VM), so at 2 threads a small network lost the second thread's gain
// to wake-ups.
constexpr int kSpinPolls = 2000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

template <class Ready>
void poll(Ready ready) {
  for (int i = 0; i < kSpinPolls && !ready(); ++i) cpu_relax();
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(num_threads < 1 ? 1 : num_threads) {
  workers_.reserve(size_t(num_threads_ - 1));
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t, int64_t)>* fn;
    int64_t n;
    int chunks;
    poll([&] { return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_relaxed) != seen; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      fn = fn_;
      n = n_;
      chunks = chunks_;
    }
    if (index >= chunks) continue;  // this job has fewer chunks than threads
    t_in_chunk = true;
    (*fn)(chunk_begin(n, chunks, index), chunk_begin(n, chunks, index + 1));
    t_in_chunk = false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (--pending_ == 0) done_cv_.notify_one();
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (num_threads_ == 1 || n == 1 || t_in_chunk) {
    fn(0, n);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mutex_);
  int chunks = n < num_threads_ ? int(n) : num_threads_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = &fn;
    n_ = n;
    chunks_ = chunks;
    pending_ = chunks - 1;
    ++generation_;
  }
  work_cv_.notify_all();
  t_in_chunk = true;
  fn(0, chunk_begin(n, chunks, 1));
  t_in_chunk = false;
  poll([&] { return pending_.load(std::memory_order_relaxed) == 0; });
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [&] { return pending_ == 0; });
}

void parallel_for(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (!pool || pool->num_threads() == 1) {
    fn(0, n);
    return;
  }
  pool->parallel_for(n, fn);
}

}  // namespace aivm::kernels
