// The I/O thread's sweep and its answers held for the journal: see io_thread.h.
#include "http/io_thread.h"

#include <boost/asio/post.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "coupond/invariant.h"

namespace coupond::http {

namespace {
constexpr auto sweep_interval = std::chrono::seconds(1);
// A nice value of 10 weighs about a tenth of the default in Linux's scheduler: admin work still
// runs on an idle machine at full speed, and yields to checkouts on a busy one.
constexpr int background_nice = 10;
}  // namespace

// The context's hint is 1: one thread runs it, so its scheduler skips the work of waking others;
// other threads still post to it (the journal's, the stopping one), so it keeps its locks.
IoThread::IoThread() : sweep_timer_(context_) {}

void IoThread::start() {
  started_ = std::chrono::steady_clock::now();
  sweep_timer_.expires_after(sweep_interval);
  sweep_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) sweep();
  });
}

void IoThread::run(bool background) {
  if (background) {
    // Per thread on Linux: setpriority on a thread id changes that thread alone. Failing leaves
    // the thread at the default priority, which is what it was.
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), background_nice);
  }
  context_.run();
}

void IoThread::stop() {
  boost::asio::post(context_, [this] { sweep_timer_.cancel(); });
  context_.stop();
}

void IoThread::sweep() {
  seconds_ = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::steady_clock::now() - started_)
                                            .count());
  {
    std::vector<std::shared_ptr<Connection>> due;
    {
      std::lock_guard lock(watched_mutex_);
      due.reserve(watched_.size());
      for (Connection* session : watched_) {
        // A session being destroyed on another thread is still in the set; weak_from_this tells.
        if (auto alive = session->weak_from_this().lock()) due.push_back(std::move(alive));
      }
    }
    for (const auto& session : due) session->check_deadline(seconds_);
  }
  sweep_timer_.expires_after(sweep_interval);
  sweep_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) sweep();
  });
}

void IoThread::watch(Connection* session) {
  std::lock_guard lock(watched_mutex_);
  watched_.insert(session);
}

void IoThread::unwatch(Connection* session) {
  std::lock_guard lock(watched_mutex_);
  watched_.erase(session);
}

void IoThread::hold_until_durable(const api::DurableSequences& journal, std::uint64_t sequence,
                                  std::shared_ptr<Connection> session) {
  if (journal_ == nullptr) {
    journal_ = &journal;
    journal.subscribe([this] { wake(); });
  }
  // One journal per server: an answer cannot wait for another one's sequences here.
  COUPOND_INVARIANT(journal_ == &journal);
  held_.push_back(Held{sequence, std::move(session)});
  holding_.store(true, std::memory_order_seq_cst);
  // Said before looking: either the journal's next wake sees holding_, or this look sees the
  // sequence durable (the journal fences between publishing and waking).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (journal.durable_through() >= sequence || journal.failed()) wake();
}

void IoThread::wake() {
  if (!holding_.load(std::memory_order_seq_cst)) return;
  if (wake_posted_.exchange(true, std::memory_order_acq_rel)) return;
  boost::asio::post(context_, [this] { release_durable(); });
}

void IoThread::release_durable() {
  wake_posted_.store(false, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const std::uint64_t durable = journal_->durable_through();
  const bool failed = journal_->failed();
  still_held_.clear();
  ready_.clear();
  for (Held& held : held_) {
    if (held.sequence <= durable || failed) {
      ready_.push_back(std::move(held));
    } else {
      still_held_.push_back(std::move(held));
    }
  }
  held_.swap(still_held_);
  holding_.store(!held_.empty(), std::memory_order_seq_cst);
  // A resumed session may hold a new answer at once: that goes into held_, not ready_.
  for (Held& held : ready_) held.session->resume_durable();
  ready_.clear();
}

}  // namespace coupond::http
