#include "ember/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <pthread.h>
#include <thread>
#include <vector>

#include "ember/core/error.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define EMBER_PAUSE() _mm_pause()
#else
#define EMBER_PAUSE() ((void)0)
#endif

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace ember {

namespace {

thread_local bool t_in_parallel = false;

// Workers spin briefly after a job (the next op usually follows within
// microseconds), then sleep on a futex so idle threads do not take CPU from BLAS.
class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop(); }

  int size() const { return nthreads_; }

  void resize(int n) {
    stop();
    nthreads_ = std::max(1, n);
    quit_ = false;
    // Workers start from the generation seen here: one that reads it only once running
    // could miss a stop() issued meanwhile and never wake up to be joined.
    const uint64_t start = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < nthreads_; ++i) workers_.emplace_back([this, start] { work_loop(start); });
  }

  void run(int64_t begin, int64_t end, int64_t grain, detail::RangeFn fn) {
    std::lock_guard<std::mutex> g(run_mu_);  // one parallel region at a time per pool
    int64_t n = end - begin;
    int64_t chunks = std::min<int64_t>(nthreads_, (n + grain - 1) / grain);
    begin_ = begin;
    end_ = end;
    chunks_ = chunks;
    fn_ = fn;
    error_ = nullptr;
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    do_chunks();
    while (done_.load(std::memory_order_acquire) < chunks) EMBER_PAUSE();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void do_chunks() {
    t_in_parallel = true;
    for (;;) {
      int64_t c = next_.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks_) break;
      int64_t n = end_ - begin_;
      int64_t b = begin_ + n * c / chunks_, e = begin_ + n * (c + 1) / chunks_;
      try {
        fn_(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> g(err_mu_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
    t_in_parallel = false;
  }

  void work_loop(uint64_t seen) {
    for (;;) {
      uint64_t g = seen;
      for (int spin = 0; spin < 20000 && g == seen; ++spin) {
        EMBER_PAUSE();
        g = generation_.load(std::memory_order_acquire);
      }
      while (g == seen) {
        generation_.wait(seen, std::memory_order_acquire);
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (quit_) return;
      do_chunks();
    }
  }

  void stop() {
    if (workers_.empty()) return;
    quit_ = true;
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> quit_{false};
  std::mutex run_mu_, err_mu_;
  int64_t begin_ = 0, end_ = 0, chunks_ = 0;
  detail::RangeFn fn_{};
  std::atomic<int64_t> next_{0}, done_{0};
  std::exception_ptr error_;
};

int initial_threads() {
  for (const char* var : {"EMBER_NUM_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* v = std::getenv(var)) {
      int n = std::atoi(v);
      if (n > 0) return n;
    }
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? int(hc) : 1;
}

std::mutex g_pool_mu;
Pool* g_pool = nullptr;
std::atomic<int> g_nthreads{0};  // cached size, read on every op

// After fork() the child has only the forking thread: the pool's workers are
// gone, so forget the pool (leaking it: its threads cannot be joined) and let
// the child build a fresh one on first use.
void reset_pool_in_child() {
  new (&g_pool_mu) std::mutex();
  g_pool = nullptr;
  g_nthreads.store(0);
}

Pool& pool() {
  static bool atfork_registered = [] {
    pthread_atfork(nullptr, nullptr, reset_pool_in_child);
    return true;
  }();
  (void)atfork_registered;
  std::lock_guard<std::mutex> g(g_pool_mu);
  if (!g_pool) {
    g_pool = new Pool(initial_threads());  // never destroyed: joining at exit races with static teardown
    if (openblas_set_num_threads) openblas_set_num_threads(g_pool->size());
    g_nthreads.store(g_pool->size());
  }
  return *g_pool;
}

}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK_VALUE(n > 0, "set_num_threads", "Expected positive number of threads, got ", n);
  Pool& p = pool();
  if (p.size() != n) p.resize(n);
  g_nthreads.store(n);
  if (openblas_set_num_threads) openblas_set_num_threads(n);
}

int get_num_threads() {
  int n = g_nthreads.load(std::memory_order_relaxed);
  return n ? n : pool().size();
}
bool in_parallel_region() { return t_in_parallel; }

void detail::parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn) {
  pool().run(begin, end, grain, fn);
}

}  // namespace ember
