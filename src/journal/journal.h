// The redemption journal: every state change is appended here as a record, and made durable with
// one fdatasync for every group of records that arrived while the previous sync ran (group
// commit). A change is acknowledged only once its record is durable.
//
// Appending is cheap and never waits for the disk: it copies the record into the pending group
// under a short lock and returns its sequence number. One writer thread takes the pending group,
// writes it, syncs it, and then tells whoever waits for those sequences. The wait is the sync, not
// a timer: under load a group holds every record that arrived during the previous sync.
//
// A failed write or sync is fatal: the journal stops, nothing after the failure ever becomes
// durable, waiters hear false, and on_failure is called once (coupond exits there).
//
// Segments are preallocated and the next one is made ahead by a thread of the journal
// (journal/next_segment.h): groups are written in place, so their fdatasync commits data alone,
// and rotating to a new segment opens no file.
//
// A journal can follow another node's (replication): append_replicated() then writes the
// primary's records under the primary's sequence numbers, and a local append() is a breach of an
// invariant, since it would take a sequence the primary's stream will use. With a synchronous
// standby required, a record counts as durable (durable_sequence(), the waiters) only once the
// local disk and a standby both hold it: the commit sequence is the lower of the two.
//
// A Journal is safe for concurrent use by many threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "coupond/durability.h"
#include "coupond/status.h"
#include "journal/journal_format.h"
#include "journal/next_segment.h"

namespace coupond::journal {

using coupond::Durability;

struct JournalOptions {
  std::filesystem::path directory;
  Durability durability = Durability::group;
  // Every segment is preallocated to this size; a group that would not fit in what is left of
  // one goes to the next (a group larger than a whole segment grows its own). Segments are the
  // unit of deletion once a snapshot covers them: smaller ones free space sooner, larger ones
  // mean fewer files and directory syncs.
  std::uint64_t segment_bytes_max = 64u << 20;
  // Called once, from the writer thread, with the first write or sync failure.
  std::function<void(const Status&)> on_failure;
};

class Journal {
 public:
  // Starts a new segment whose first record will have sequence next_sequence (recovery says which),
  // preallocating it on the caller's thread.
  static Status open(JournalOptions options, std::uint64_t next_sequence,
                     std::unique_ptr<Journal>* out);
  // Writes and syncs every record appended so far, then stops the writer thread.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends a record and returns its sequence number; 0 when the payload is larger than
  // record_payload_bytes_max (nothing is appended then). Never while following.
  std::uint64_t append(RecordType type, std::string_view payload);

  // While following: appends the primary's record under its own sequence, which must be the next
  // one (failed_precondition otherwise, and nothing is appended). Not written until
  // write_replicated (or the writer thread, after set_following(false) or at the end).
  Status append_replicated(std::uint64_t sequence, RecordType type, std::string_view payload);
  // Writes and syncs, on the caller's thread, the records append_replicated took: a follower calls
  // it once it has taken what arrived, so that its group is what came in one read, and no thread
  // is woken for it. A failure stops the journal as the writer's would.
  Status write_replicated();
  void set_following(bool following);
  bool following() const { return following_.load(std::memory_order_acquire); }

  // Synchronous standby: while required, durable_sequence() is the lower of the local durable
  // sequence and the one a standby acknowledged; never lowered once published.
  void require_standby(bool required);
  bool standby_required() const { return standby_required_.load(std::memory_order_acquire); }
  void standby_acknowledged(std::uint64_t sequence);
  // Every record up to this sequence is on the local disk, whatever a standby holds.
  std::uint64_t local_durable_sequence() const {
    return local_durable_.load(std::memory_order_acquire);
  }
  // Blocks until the record is on the local disk (a snapshot needs no standby).
  Status wait_locally_durable(std::uint64_t sequence);
  // Every record up to this sequence is written to its segment (in the page cache at least),
  // perhaps not yet synced: what a standby may be sent, so that both syncs run at once.
  std::uint64_t written_sequence() const { return written_.load(std::memory_order_acquire); }
  // Calls wake, from the writer thread, after each group is written and before it is synced, with
  // the group's records as the segment holds them (headers sealed). wake must be quick: post
  // elsewhere, or one send that never blocks.
  using WrittenListener = std::function<void(std::string_view group)>;
  void subscribe_written(WrittenListener wake);
  // Calls wake, from the writer thread, after each group is on the local disk (what a standby
  // acknowledges), whatever the commit sequence does, and once on failure.
  void subscribe_locally_durable(std::function<void()> wake);

  // The sequence of the last record appended.
  std::uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_acquire); }
  // Every record up to this sequence is durable (in mode none: written or about to be).
  std::uint64_t durable_sequence() const { return durable_.load(std::memory_order_acquire); }

  // Blocks until the record is durable: ok, or the failure that stopped the journal.
  Status wait_durable(std::uint64_t sequence);
  // Calls done(true) once the record is durable, or done(false) if the journal failed first:
  // at once, on the caller's thread, when that is already known; otherwise on the writer thread.
  using DurableCallback = std::function<void(bool durable)>;
  void when_durable(std::uint64_t sequence, DurableCallback done);
  // Calls wake, from the writer thread (or the thread acknowledging for a standby), each time the
  // commit sequence moves and once on failure, for the journal's life: a server waiting on many
  // answers hears once per group, not per answer, and never when nothing moved (a synchronous
  // standby's primary syncs its own disk before the commit sequence may move).
  // wake must be quick (post elsewhere, do not work).
  void subscribe(std::function<void()> wake);

  // Deletes the segments whose records all have sequences at most sequence (a snapshot covers
  // them). The segment being written is never deleted. Returns how many were deleted.
  std::size_t remove_segments_through(std::uint64_t sequence);

  // Whether the next segment has been made ahead and is waiting for the writer.
  bool next_segment_ready() const { return next_segment_ && next_segment_->ready(); }

  Durability durability() const { return options_.durability; }
  bool failed() const { return failed_.load(std::memory_order_acquire); }

 private:
  explicit Journal(JournalOptions options) : options_(std::move(options)) {}
  Status start_segment(int fd, std::uint64_t first_sequence);
  Status rotate_if_full(const std::string& group);
  Status write_in_place(const char* bytes, std::size_t size);
  void run_writer();
  // Takes every record appended so far into group (its buffer kept from call to call) and writes
  // it; a failure stops the journal (fail). Either the writer thread or a follower.
  Status write_pending(std::string& group);
  Status write_group(std::string& group, std::uint64_t last_in_group);
  void publish(std::uint64_t durable_through);
  // Moves durable_ to what the local disk and the standby rule allow and releases the waiters it
  // covers.
  void commit();
  void fail(const Status& status);

  const JournalOptions options_;

  std::mutex append_mutex_;
  std::mutex write_mutex_;  // held while a group is taken and written: the writer or a follower
  std::string replicated_group_;  // under write_mutex_: the follower's group buffer
  std::condition_variable group_ready_;
  std::string pending_;   // records appended since the writer last took a group
  bool stopping_ = false;
  std::atomic<std::uint64_t> last_sequence_{0};

  std::atomic<std::uint64_t> durable_{0};        // the commit sequence: what answers wait for
  std::atomic<std::uint64_t> local_durable_{0};  // on this node's disk
  std::atomic<std::uint64_t> standby_acked_{0};
  std::atomic<std::uint64_t> written_{0};
  std::vector<WrittenListener> written_listeners_;                // under listeners_mutex_
  std::vector<std::function<void()>> locally_durable_listeners_;  // under listeners_mutex_
  std::atomic<bool> standby_required_{false};
  std::atomic<bool> following_{false};
  std::atomic<bool> failed_{false};
  std::mutex waiters_mutex_;
  std::condition_variable durable_changed_;
  std::vector<std::pair<std::uint64_t, DurableCallback>> waiters_;
  Status failure_;  // under waiters_mutex_
  std::mutex listeners_mutex_;
  std::vector<std::function<void()>> listeners_;
  void notify_listeners();
  void notify(const std::vector<std::function<void()>>& listeners);
  void announce_written(std::uint64_t written_through, std::string_view group);

  // The writer thread's own: the segment being written, and where the next group goes in it.
  int fd_ = -1;
  std::filesystem::path segment_path_;
  std::uint64_t segment_bytes_ = 0;
  int directory_fd_ = -1;  // held: rotation and its directory sync open nothing
  std::unique_ptr<NextSegment> next_segment_;
  std::mutex segments_mutex_;
  std::vector<std::uint64_t> segment_firsts_;  // first sequence of every segment on disk, in order

  std::thread writer_;
};

}  // namespace coupond::journal
