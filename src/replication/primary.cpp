#include "replication/primary.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>

#include "journal/fault_point.h"
#include "journal/journal_format.h"
#include "journal/load_file.h"
#include "replication/file_transfer.h"
#include "replication/handshake.h"
#include "replication/live_tail.h"
#include "replication/segment_cursor.h"

namespace coupond::replication {
namespace {

using journal::RecordHeader;

// How long the fault switch replication.standby_delay holds what the sender has queued before it
// goes to a standby: many loopback round trips, so that the standby lags as one at the end of a
// slow link does (latency, not bandwidth: everything queued meanwhile leaves together).
constexpr std::chrono::milliseconds fault_standby_delay{50};

// The newest snapshot file in directory and the sequence it covers; empty when there is none.
std::filesystem::path newest_snapshot(const std::filesystem::path& directory,
                                      std::uint64_t* covered) {
  std::filesystem::path newest;
  *covered = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::uint64_t sequence = snapshot_file_sequence(entry.path().filename().string());
    if (sequence > *covered) {
      *covered = sequence;
      newest = entry.path();
    }
  }
  return newest;
}

// This node's durable sequence each time it was seen to grow, oldest first.
using DurableSightings = std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>>;

// How long the oldest answer waiting for a standby has waited, at least: *durable_since gains
// local when it grew and loses what the commit sequence covers; its first entry is the first
// sight of the oldest record not yet committed.
std::chrono::steady_clock::duration oldest_wait(DurableSightings* durable_since, std::uint64_t local,
                                               std::uint64_t commit,
                                               std::chrono::steady_clock::time_point now) {
  if (durable_since->empty() || local > durable_since->back().first) {
    durable_since->emplace_back(local, now);
  }
  while (!durable_since->empty() && durable_since->front().first <= commit) {
    durable_since->pop_front();
  }
  return durable_since->empty() ? std::chrono::steady_clock::duration::zero()
                                : now - durable_since->front().second;
}

}  // namespace

struct Primary::Session {
  explicit Session(int fd) : connection(fd), live(std::make_shared<LiveStream>(connection)) {}
  Connection connection;
  // The live tail's view of this stream: the journal's writer sends on it once the sender is
  // caught up.
  const std::shared_ptr<LiveStream> live;
  std::string node;
  std::atomic<bool> streaming{false};
  std::atomic<std::uint64_t> acknowledged{0};
  std::atomic<bool> done{false};
  std::thread sender;
  std::thread ack_reader;
};

Primary::Primary(Engine& engine, PrimaryOptions options)
    : engine_(engine), options_(std::move(options)), tail_(LiveTail::subscribe(engine)) {
  if (options_.sync_standby) engine_.require_standby(true);
}

Primary::~Primary() {
  stopping_.store(true);
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  {
    std::lock_guard lock(watcher_mutex_);
  }
  watcher_wake_.notify_all();
  if (sync_watcher_.joinable()) sync_watcher_.join();
  std::list<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions.swap(sessions_);
  }
  for (const auto& session : sessions) session->connection.shut_down();
  tail_->notify();
  for (const auto& session : sessions) {
    if (session->sender.joinable()) session->sender.join();
    if (session->ack_reader.joinable()) session->ack_reader.join();
  }
}

void Primary::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Status Primary::start(std::string* bound) {
  Status status = listen_on(options_.listen, &listen_fd_, bound);
  if (!status.is_ok()) return status;
  acceptor_ = std::thread([this] { accept_loop(); });
  if (options_.sync_standby) sync_watcher_ = std::thread([this] { watch_sync(); });
  return Status::ok();
}

void Primary::accept_loop() {
  while (!stopping_.load()) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_.load()) return;
      ::usleep(10'000);  // out of descriptors: let them come back rather than spin
      continue;
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    auto session = std::make_shared<Session>(fd);
    std::lock_guard lock(sessions_mutex_);
    // Sessions that ended are forgotten here, their threads joined.
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if ((*it)->done.load()) {
        if ((*it)->sender.joinable()) (*it)->sender.join();
        if ((*it)->ack_reader.joinable()) (*it)->ack_reader.join();
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    sessions_.push_back(session);
    session->sender = std::thread([this, session] { serve(session); });
  }
}

void Primary::serve(const std::shared_ptr<Session>& session) {
  std::uint64_t next_sequence = 0;
  bool base_copy = false;
  // A peer that connects and says nothing holds a thread: not for longer than this.
  session->connection.set_receive_timeout(std::chrono::seconds(10));
  // A hello's room, and after it as much for each ack: a standby sends nothing larger, so nothing
  // it claims is waited for or held beyond that.
  session->connection.set_body_limit(hello_bytes_max);
  Status status = handshake(*session, &next_sequence, &base_copy);
  session->connection.set_receive_timeout(std::chrono::seconds(0));
  if (status.is_ok() && base_copy) {
    status = send_base_copy(*session);
    if (status.is_ok()) log("replication: base copy sent to standby " + session->node);
  } else if (status.is_ok()) {
    log("replication: standby " + session->node + " connected, sending from sequence " +
        std::to_string(next_sequence));
    session->acknowledged.store(next_sequence - 1);
    session->streaming.store(true);
    session->ack_reader = std::thread([this, session] { read_acks(session); });
    status = stream(*session, next_sequence);
    log("replication: standby " + session->node + " disconnected: " +
        (status.is_ok() ? std::string("this node stops") : status.message()));
  }
  session->streaming.store(false);
  session->connection.shut_down();
  session->done.store(true);
}

Status Primary::handshake(Session& session, std::uint64_t* next_sequence, bool* base_copy) {
  const Challenge challenge = new_challenge();
  Status status = session.connection.send(MessageType::challenge, encode(challenge));
  if (!status.is_ok()) return status;
  Message message;
  status = session.connection.receive(&message);
  if (!status.is_ok()) return status;
  Hello hello;
  const auto refuse = [&](const std::string& why) {
    // The name only once it is one: before, it is whatever bytes an unauthenticated peer sent,
    // and would write them into the log (a line break makes a line of its own).
    const bool named = valid_node_name(hello.node);
    log("replication: refused a standby" + (named ? " " + hello.node : "") + ": " + why);
    (void)session.connection.send(MessageType::refuse, why);
    return Status::failed_precondition(why);
  };
  if (message.type != MessageType::hello || !decode(message.body, &hello)) {
    return refuse("the first message is not a hello");
  }
  if (hello.version != protocol_version) {
    return refuse("protocol version " + std::to_string(hello.version) + ", this node speaks " +
                  std::to_string(protocol_version));
  }
  if (!valid_node_name(hello.node)) return refuse("a node name is 1 to 64 letters, digits, '.', '_' or '-'");
  if (!same_digest(hello.token_proof, token_proof(options_.admin_token, challenge.nonce))) {
    return refuse("wrong admin token");
  }
  Digest keys{};
  status = key_proof(engine_.key_file(), challenge.nonce, &keys);
  if (!status.is_ok()) return refuse(status.message());
  if (!same_digest(hello.key_proof, keys)) {
    return refuse("the standby's HMAC key file differs from this node's: its codes would not "
                  "verify here (copy this node's key file to it)");
  }
  session.node = hello.node;

  const std::filesystem::path journal_directory = engine_.data_dir() / "journal";
  const std::uint64_t durable = engine_.local_durable_sequence();
  const std::uint64_t written = engine_.written_sequence();
  const std::uint64_t last = hello.last_sequence;
  std::string why;
  if (last > written) {
    why = "it holds records up to " + std::to_string(last) + " and this node only up to " +
          std::to_string(written);
  } else if (last > 0 && hello.last_identity != 0 &&
             identity_of_record(journal_directory, last) != hello.last_identity) {
    why = "its record " + std::to_string(last) + " is not this node's (it diverged)";
  } else if (!journal_reaches(journal_directory, last + 1)) {
    why = "this node's journal no longer holds record " + std::to_string(last + 1);
  }
  *base_copy = !why.empty();
  if (*base_copy) log("replication: standby " + hello.node + " needs a base copy: " + why);
  *next_sequence = last + 1;
  Start start{*base_copy ? StartMode::base_copy : StartMode::records, durable};
  return session.connection.send(MessageType::start, encode(start));
}

Status Primary::send_base_copy(Session& session) {
  const std::filesystem::path snapshots = engine_.data_dir() / "snapshots";
  std::uint64_t covered = 0;
  std::filesystem::path path = newest_snapshot(snapshots, &covered);
  if (path.empty()) {
    SnapshotInfo info;
    Status status = engine_.snapshot(&info);
    if (!status.is_ok()) return status;
    path = info.path;
    covered = info.sequence;
  }
  return send_file(session.connection, path, MessageType::snapshot_begin, covered,
                   MessageType::snapshot_chunk, MessageType::snapshot_end);
}

Status Primary::stream(Session& session, std::uint64_t next_sequence) {
  const std::filesystem::path journal_directory = engine_.data_dir() / "journal";
  auto cursor = std::make_unique<SegmentCursor>(journal_directory, next_sequence);
  const std::shared_ptr<LiveStream>& live = session.live;
  tail_->add(live);
  struct Unlist {
    LiveTail& tail;
    const LiveStream* stream;
    ~Unlist() { tail.remove(stream); }
  } unlist{*tail_, live.get()};
  std::string bytes;
  while (!stopping_.load() && !session.done.load()) {
    const std::uint64_t seen = tail_->generation();
    LiveStream::Handback handback = live->take();
    if (handback.live) {
      // A slowed link (the fault switch below) is the sender's to play: the writer would not wait.
      if (journal::fault_switched_on("replication.standby_delay")) {
        live->end();
      } else {
        live->wait_while_live(std::chrono::milliseconds(500));
      }
      continue;
    }
    // Handed back by the writer: the rest of a message it began goes first, then the records
    // from the first it did not send.
    if (!handback.unsent.empty()) session.connection.queue_framed(handback.unsent);
    // Past what the writer sent, reading on from where this cursor stands (the records are
    // right after it, mostly in what it read ahead).
    while (cursor->next_sequence() < handback.next &&
           cursor->next(handback.next - 1, &bytes) == SegmentCursor::Read::record) {
    }
    if (cursor->next_sequence() < handback.next) {  // the segments moved on: look afresh
      cursor = std::make_unique<SegmentCursor>(journal_directory, handback.next);
    }
    // Sent once written, before the sync: the standby's sync runs beside this node's. An answer
    // still waits for both (the commit sequence).
    const SegmentCursor::Read read = cursor->next(engine_.written_sequence(), &bytes);
    if (read == SegmentCursor::Read::record) {
      RecordHeader header;
      std::memcpy(&header, bytes.data(), sizeof(header));
      if (header.type == static_cast<std::uint8_t>(journal::RecordType::codes_imported_from_file)) {
        Status status = session.connection.flush();
        if (status.is_ok()) {
          status = send_load_file(session.connection, engine_.data_dir() / "imports", header.sequence,
                                  std::string_view(bytes).substr(sizeof(header)));
        }
        if (!status.is_ok()) return status;
      }
      session.connection.queue(MessageType::record, bytes);
      if (session.connection.queued_bytes() < chunk_bytes) continue;
    } else if (read == SegmentCursor::Read::gone) {
      return Status::failed_precondition("its next record " + std::to_string(cursor->next_sequence()) +
                                         " was removed after a snapshot: it will get a base copy");
    } else if (read == SegmentCursor::Read::damaged) {
      return Status::corruption("record " + std::to_string(cursor->next_sequence()) +
                                " cannot be read back from this node's journal");
    }
    // The failover tests slow a standby's link this way: on loopback a standby otherwise
    // receives each record the moment it is written, and what a failover can lose never shows.
    if (session.connection.queued_bytes() > 0 &&
        journal::fault_switched_on("replication.standby_delay")) {
      std::this_thread::sleep_for(fault_standby_delay);
    }
    Status status = session.connection.flush();
    if (!status.is_ok()) return status;
    if (read != SegmentCursor::Read::not_yet) continue;
    // Caught up: the writer sends from here, unless it wrote more meanwhile.
    if (!journal::fault_switched_on("replication.standby_delay") &&
        live->go_live(cursor->next_sequence(), engine_)) {
      continue;
    }
    tail_->wait_past(seen, std::chrono::milliseconds(500));
  }
  return Status::ok();
}

void Primary::read_acks(const std::shared_ptr<Session>& session) {
  Message message;
  while (session->connection.receive(&message).is_ok()) {
    std::uint64_t sequence = 0;
    if (message.type != MessageType::ack || !decode_number(message.body, &sequence)) break;
    if (sequence > session->acknowledged.load()) session->acknowledged.store(sequence);
    engine_.standby_acknowledged(sequence);
    watcher_wake_.notify_all();
  }
  session->done.store(true);
  session->connection.shut_down();
  // The sender may be waiting for the journal, or for the writer to hand the stream back.
  tail_->notify();
  session->live->end();
}

std::vector<StandbyStatus> Primary::standbys() const {
  std::vector<StandbyStatus> out;
  const std::uint64_t durable = engine_.local_durable_sequence();
  std::lock_guard lock(sessions_mutex_);
  for (const auto& session : sessions_) {
    if (!session->streaming.load()) continue;
    StandbyStatus status;
    status.node = session->node;
    status.acknowledged_sequence = session->acknowledged.load();
    status.lag_records = durable - std::min(durable, status.acknowledged_sequence);
    status.synchronous = options_.sync_standby;
    out.push_back(std::move(status));
  }
  return out;
}

// Synchronous mode's watch. When answers have waited for a standby longer than the timeout:
// strict mode says so once and goes on waiting; non-strict mode goes on alone, loudly. Once a
// standby keeps up again (an answer would wait for it less than half the timeout: a standby that
// is always a little behind under load keeps up too), either says so, and non-strict mode waits
// for standbys again.
void Primary::watch_sync() {
  using Clock = std::chrono::steady_clock;
  // Not the time the commit sequence has been behind: under steady load a standby is always a
  // few records behind, each answer waiting briefly. Only an answer that waited the whole timeout
  // counts.
  DurableSightings durable_since;
  // The same measure while answers do not wait for a standby (or while strict mode is loud): how
  // long an answer would wait for the best standby now. Below half the timeout, it keeps up.
  DurableSightings standby_behind_since;
  bool waiting_logged = false;
  std::unique_lock lock(watcher_mutex_);
  while (!stopping_.load()) {
    watcher_wake_.wait_for(lock, std::chrono::milliseconds(50));
    const std::uint64_t local = engine_.local_durable_sequence();
    const Clock::time_point now = Clock::now();
    if (suspended_.load() || waiting_logged) {
      std::uint64_t best = 0;
      for (const StandbyStatus& standby : standbys()) {
        best = std::max(best, standby.acknowledged_sequence);
      }
      if (best > 0 &&
          oldest_wait(&standby_behind_since, local, best, now) < options_.sync_timeout / 2) {
        standby_behind_since.clear();
        if (suspended_.load()) engine_.require_standby(true);
        suspended_.store(false);
        waiting_logged = false;
        log("replication: a standby caught up (sequence " + std::to_string(best) +
            "): answers wait for a standby again");
      }
    } else if (oldest_wait(&durable_since, local, engine_.durable_sequence(), now) >=
               options_.sync_timeout) {
      durable_since.clear();
      standby_behind_since.clear();
      const std::string waited = std::to_string(options_.sync_timeout.count());
      if (options_.strict) {
        log("replication: WARNING: no standby acknowledged within " + waited +
            " ms: answers keep waiting for a standby (--sync-standby-strict)");
      } else {
        suspended_.store(true);
        engine_.require_standby(false);
        log("replication: WARNING: no standby acknowledged within " + waited +
            " ms: answering without a standby (--sync-standby-strict=false); a loss of this "
            "node now loses what only it holds");
      }
      waiting_logged = true;
    }
  }
}

}  // namespace coupond::replication
