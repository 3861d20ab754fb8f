#include "ember/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
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
//
// One job runs at a time. Its identity and progress live in one atomic word
// (generation | chunk count | next chunk): a worker claims a chunk by advancing
// that word, so a worker that wakes late can only ever claim chunks of the job
// that is current, and the caller cannot finish (and overwrite the job) while a
// claimed chunk is still running.
class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop(); }

  int size() const { return nthreads_; }

  void resize(int n) {
    stop();
    nthreads_ = std::max(1, n);
    quit_ = false;
    for (int i = 1; i < nthreads_; ++i) {
      uint64_t seen = wake_.load(std::memory_order_acquire);  // taken now, so no wake-up is missed
      workers_.emplace_back([this, seen] { work_loop(seen); });
    }
  }

  void run(int64_t begin, int64_t end, int64_t grain, detail::RangeFn fn) {
    std::lock_guard<std::mutex> g(run_mu_);  // one parallel region at a time per pool
    int64_t n = end - begin;
    // A few chunks per thread: when a thread is descheduled (a busy machine), the others take
    // the chunks it has not claimed, so more threads do not make a job slower.
    uint64_t chunks = uint64_t(std::min<int64_t>({int64_t(nthreads_) * kChunksPerThread, (n + grain - 1) / grain, kMaxChunks}));
    begin_ = begin;
    end_ = end;
    fn_ = fn;
    error_ = nullptr;
    done_.store(0, std::memory_order_relaxed);
    generation_ = (generation_ + 1) & 0xffffffffu;
    uint64_t gen = generation_;
    work_.store(gen << 32 | chunks << 16, std::memory_order_release);
    wake_.fetch_add(1, std::memory_order_release);
    wake_.notify_all();
    t_in_parallel = true;
    do_chunks(gen);
    t_in_parallel = false;
    while (done_.load(std::memory_order_acquire) < chunks) EMBER_PAUSE();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr int64_t kMaxChunks = 0xffff;
  static constexpr int64_t kChunksPerThread = 4;
  // Pauses a worker spins after a job before it sleeps: long enough to catch the
  // next job of a loop of ops, short enough (tens of microseconds) not to hold a
  // core that OpenBLAS's own threads need for the matrix product that follows.
  static constexpr int kSpins = 1500;

  // Where chunk c of `chunks` starts. With two or more chunks per thread they shrink toward the
  // end of the job (sizes 2k+1 for k = chunks-1 .. 0, quadratic positions), so the threads run
  // out of work together: with equal chunks a worker could finish a quarter of a long job early,
  // spin out its window and fall asleep, and waking it costs the next op ~0.2 ms here.
  int64_t chunk_start(int64_t n, uint64_t c, uint64_t chunks) const {
    if (c >= chunks) return begin_ + n;
    if (chunks < 2 * uint64_t(nthreads_)) return begin_ + n * int64_t(c) / int64_t(chunks);
    const unsigned __int128 r = chunks - c;
    return begin_ + n - int64_t(static_cast<unsigned __int128>(n) * r * r / (static_cast<unsigned __int128>(chunks) * chunks));
  }
  // Runs chunks of job `gen` until none is left (or another job is current).
  void do_chunks(uint64_t gen) {
    for (;;) {
      uint64_t w = work_.load(std::memory_order_acquire);
      uint64_t chunks, c;
      for (;;) {
        chunks = (w >> 16) & 0xffff;
        c = w & 0xffff;
        if ((w >> 32) != gen || c >= chunks) return;
        if (work_.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire)) break;
      }
      int64_t n = end_ - begin_;
      int64_t b = chunk_start(n, c, chunks), e = chunk_start(n, c + 1, chunks);
      try {
        fn_(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> g(err_mu_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void work_loop(uint64_t seen) {
    for (;;) {
      uint64_t w = seen;
      for (int spin = 0; spin < kSpins && w == seen; ++spin) {
        EMBER_PAUSE();
        w = wake_.load(std::memory_order_acquire);
      }
      while (w == seen) {
        wake_.wait(seen, std::memory_order_acquire);
        w = wake_.load(std::memory_order_acquire);
      }
      seen = w;
      if (quit_) return;
      t_in_parallel = true;
      do_chunks(work_.load(std::memory_order_acquire) >> 32);  // the job current now, if any is left
      t_in_parallel = false;
    }
  }

  void stop() {
    if (workers_.empty()) return;
    quit_ = true;
    wake_.fetch_add(1, std::memory_order_release);
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> wake_{0};  // bumped to wake workers (a job, or quit)
  std::atomic<uint64_t> work_{0};  // generation << 32 | chunks << 16 | next chunk
  std::atomic<bool> quit_{false};
  std::mutex run_mu_, err_mu_;
  uint64_t generation_ = 0;        // written under run_mu_
  int64_t begin_ = 0, end_ = 0;
  detail::RangeFn fn_{};
  std::atomic<uint64_t> done_{0};
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

Pool& pool() {
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
