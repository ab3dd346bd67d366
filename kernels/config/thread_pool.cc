// ThreadPool: workers sleep on a condition variable between jobs; the chunks of a job are
// claimed through one atomic word each, so no queue is needed.
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

ThreadPool::ThreadPool(int num_threads)
    : num_threads_(num_threads < 1 ? 1 : num_threads),
      claimed_(new std::atomic<uint64_t>[size_t(num_threads_) * kChunksPerThread]) {
  for (int i = 0; i < num_threads_ * kChunksPerThread; ++i) claimed_[size_t(i)].store(1);  // claimed, job 0
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

bool ThreadPool::claim(int chunk, uint32_t generation) {
  uint64_t unclaimed = uint64_t(generation) * 2;
  return claimed_[size_t(chunk)].compare_exchange_strong(unclaimed, unclaimed + 1, std::memory_order_acq_rel);
}

void ThreadPool::run_chunks(int index, uint32_t generation, const std::function<void(int64_t, int64_t)>& fn,
                            int64_t n, int chunks) {
  auto run = [&](int i) {
    fn(chunk_begin(n, chunks, i), chunk_begin(n, chunks, i + 1));
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
      std::lock_guard<std::mutex> lock(mutex_);  // the caller tests done_ under it before waiting
      done_cv_.notify_one();
    }
  };
  // Thread t's own chunks: [chunks * t / T, chunks * (t + 1) / T).
  const int threads = num_threads_;
  auto share_begin = [&](int t) { return int(int64_t(chunks) * t / threads); };
  for (int i = share_begin(index); i < share_begin(index + 1); ++i)
    if (claim(i, generation)) run(i);
  // Then the others' leftovers, each share from its end (its owner works from the front).
  for (int step = 1; step < threads; ++step) {
    const int t = (index + step) % threads;
    for (int i = share_begin(t + 1) - 1; i >= share_begin(t); --i)
      if (claim(i, generation)) run(i);
  }
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
    t_in_chunk = true;
    run_chunks(index, uint32_t(seen), *fn, n, chunks);
    t_in_chunk = false;
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (num_threads_ == 1 || n == 1 || t_in_chunk) {
    fn(0, n);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mutex_);
  const int64_t most = int64_t(num_threads_) * kChunksPerThread;
  const int chunks = int(n < most ? n : most);
  uint32_t generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = &fn;
    n_ = n;
    chunks_ = chunks;
    done_ = 0;
    generation = uint32_t(++generation_);
    for (int i = 0; i < chunks; ++i) claimed_[size_t(i)].store(uint64_t(generation) * 2, std::memory_order_relaxed);
  }
  work_cv_.notify_all();
  t_in_chunk = true;
  run_chunks(0, generation, fn, n, chunks);
  t_in_chunk = false;
  poll([&] { return done_.load(std::memory_order_acquire) == chunks; });
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [&] { return done_ == chunks; });
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
