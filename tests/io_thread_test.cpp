// The I/O thread's answers held for the journal: each is resumed once, on the thread, only after
// its sequence is durable (or the journal failed), and one wake-up releases a whole group.
#include "http/io_thread.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "fake_journal.h"

namespace coupond::http {
namespace {

using coupond::testing::FakeJournal;

// A session that counts its resumptions and what the journal said then.
class CountingSession final : public Connection {
 public:
  explicit CountingSession(const FakeJournal& journal, std::uint64_t sequence)
      : journal_(journal), sequence_(sequence) {}
  void stop_if_idle() override {}
  void resume_durable() override {
    ++resumed;
    durable_when_resumed = journal_.durable_through() >= sequence_;
  }
  int resumed = 0;
  bool durable_when_resumed = false;

 private:
  const FakeJournal& journal_;
  std::uint64_t sequence_;
};

// Runs what the thread's context has queued (a context that ran out of work must be restarted).
void drain(IoThread& thread) {
  thread.context().restart();
  thread.context().poll();
}

// Runs fn on the thread's context and waits for it.
void on_thread(IoThread& thread, const std::function<void()>& fn) {
  std::atomic<bool> done{false};
  boost::asio::post(thread.context(), [&] {
    fn();
    done = true;
  });
  thread.context().restart();
  while (!done) thread.context().run_one();
}

TEST(IoThreadTest, AHeldAnswerIsResumedOnceItsSequenceIsDurableAndNotBefore) {
  IoThread thread;
  FakeJournal journal;
  auto early = std::make_shared<CountingSession>(journal, 5);
  auto late = std::make_shared<CountingSession>(journal, 9);
  on_thread(thread, [&] {
    thread.hold_until_durable(journal, 5, early);
    thread.hold_until_durable(journal, 9, late);
  });
  EXPECT_EQ(journal.subscribers(), 1u);  // once per thread, not per answer
  journal.advance(4);
  drain(thread);
  EXPECT_EQ(early->resumed, 0);
  journal.advance(7);
  drain(thread);
  EXPECT_EQ(early->resumed, 1);
  EXPECT_TRUE(early->durable_when_resumed);
  EXPECT_EQ(late->resumed, 0);
  journal.advance(9);
  journal.advance(9);  // a second wake for nothing new resumes nothing twice
  drain(thread);
  EXPECT_EQ(early->resumed, 1);
  EXPECT_EQ(late->resumed, 1);
  EXPECT_TRUE(late->durable_when_resumed);
}

TEST(IoThreadTest, AnAnswerAlreadyDurableWhenHeldIsResumedWithoutAWake) {
  IoThread thread;
  FakeJournal journal;
  journal.advance(10);
  auto session = std::make_shared<CountingSession>(journal, 3);
  on_thread(thread, [&] { thread.hold_until_durable(journal, 3, session); });
  drain(thread);
  EXPECT_EQ(session->resumed, 1);
}

TEST(IoThreadTest, AFailedJournalResumesEveryHeldAnswerUndurable) {
  IoThread thread;
  FakeJournal journal;
  auto session = std::make_shared<CountingSession>(journal, 3);
  on_thread(thread, [&] { thread.hold_until_durable(journal, 3, session); });
  journal.fail();
  drain(thread);
  EXPECT_EQ(session->resumed, 1);
  EXPECT_FALSE(session->durable_when_resumed);
}

// The journal moves on its own thread while the I/O thread holds answers: none may be lost in
// the gap between holding an answer and the journal's wake (TSan checks the handshake too).
TEST(IoThreadConcurrencyTest, EveryHeldAnswerIsResumedWhileTheJournalMovesOnAnotherThread) {
  IoThread thread;
  FakeJournal journal;
  constexpr std::uint64_t answers = 20'000;
  std::vector<std::shared_ptr<CountingSession>> sessions;
  for (std::uint64_t i = 1; i <= answers; ++i) {
    sessions.push_back(std::make_shared<CountingSession>(journal, i));
  }
  auto work = boost::asio::make_work_guard(thread.context());
  std::thread io([&] { thread.context().run(); });
  std::atomic<std::uint64_t> held{0};
  std::thread writer([&] {
    // Sequences become durable a group at a time, never ahead of what was held.
    std::uint64_t durable = 0;
    while (durable < answers) {
      const std::uint64_t target = held.load();
      if (target > durable) {
        durable = std::min(target, durable + 7);
        journal.advance(durable);
      } else {
        std::this_thread::yield();
      }
    }
  });
  for (std::uint64_t i = 1; i <= answers; ++i) {
    boost::asio::post(thread.context(), [&, i] {
      thread.hold_until_durable(journal, i, sessions[i - 1]);
      held.store(i);
    });
  }
  writer.join();
  std::atomic<bool> settled{false};
  while (!settled) {
    boost::asio::post(thread.context(), [&] {
      bool all = true;
      for (const auto& session : sessions) all = all && session->resumed == 1;
      settled = all;
    });
    std::this_thread::yield();
  }
  work.reset();
  thread.context().stop();
  io.join();
  for (const auto& session : sessions) {
    ASSERT_EQ(session->resumed, 1);
    ASSERT_TRUE(session->durable_when_resumed);
  }
}

}  // namespace
}  // namespace coupond::http
