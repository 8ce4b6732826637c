// lowbit: Executor, how kernels run their independent tasks: serially (the default), on lowbit's
// small ThreadPool, or through an engine's own parallel_for. Kernels split work so that every
// output element is computed by exactly one task in a fixed order: results do not depend on the
// executor or the thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#include "lowbit/core/error.hpp"

LOWBIT_BEGIN_NAMESPACE

class Executor {
 public:
  /// An engine's parallel_for: must call task(i) exactly once for every i in [0, n), in any
  /// order and on any threads, and return when all calls have returned.
  using ParallelFor = std::function<void(std::size_t n, const std::function<void(std::size_t)>& task)>;

  Executor() = default;  ///< serial
  explicit Executor(ParallelFor pf) : pf_(std::move(pf)) {}

  template <class Task>
  void parallel_for(std::size_t n, Task&& task) const {
    if (!pf_ || n <= 1) {
      for (std::size_t i = 0; i < n; ++i) task(i);
    } else {
      pf_(n, std::function<void(std::size_t)>(std::forward<Task>(task)));
    }
  }

 private:
  ParallelFor pf_;
};

/// A fixed set of worker threads (the caller is one of them), optionally pinned one per core:
/// unpinned threads on small VMs often end up sharing a core.
class ThreadPool {
 public:
  explicit ThreadPool(std::size_t threads = std::thread::hardware_concurrency(), bool pin = true) {
    LOWBIT_CHECK(threads >= 1, "threads: expected at least 1, got ", threads);
    if (pin) pin_to(0);
    for (std::size_t t = 1; t < threads; ++t)
      workers_.emplace_back([this, t, pin] {
        if (pin) pin_to(t);
        work(t);
      });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t threads() const noexcept { return workers_.size() + 1; }

  /// Runs task(i) for i in [0, n) on all threads; returns when all are done. Not reentrant.
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& task) {
    if (workers_.empty() || n <= 1) {
      for (std::size_t i = 0; i < n; ++i) task(i);
      return;
    }
    {
      std::lock_guard lock(mu_);
      task_ = &task;
      n_ = n;
      next_.store(0);
      busy_ = workers_.size();
      ++generation_;
    }
    cv_.notify_all();
    drain();
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [this] { return busy_ == 0; });
    task_ = nullptr;
  }

  Executor executor() {
    return Executor([this](std::size_t n, const std::function<void(std::size_t)>& task) { parallel_for(n, task); });
  }

 private:
  static void pin_to(std::size_t core) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<int>(core % std::thread::hardware_concurrency()), &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#else
    (void)core;
#endif
  }
  void drain() {
    for (std::size_t i = next_.fetch_add(1); i < n_; i = next_.fetch_add(1)) (*task_)(i);
  }
  void work(std::size_t) {
    std::size_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      drain();
      std::lock_guard lock(mu_);
      if (--busy_ == 0) done_cv_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t n_ = 0, busy_ = 0, generation_ = 0;
  std::atomic<std::size_t> next_{0};
  bool stop_ = false;
};

LOWBIT_END_NAMESPACE
