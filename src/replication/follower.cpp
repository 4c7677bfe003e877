#include "replication/follower.h"

#include <cstring>

#include "journal/durable_file.h"
#include "journal/journal_format.h"
#include "journal/load_file.h"
#include "replication/base_copy.h"
#include "replication/file_transfer.h"
#include "replication/handshake.h"
#include "replication/record_message.h"
#include "replication/segment_cursor.h"
#include "replication/wire.h"

namespace coupond::replication {

Follower::Follower(Engine& engine, FollowerOptions options)
    : engine_(engine),
      options_(std::move(options)),
      acknowledger_(Acknowledger::subscribe(engine)) {}

Follower::~Follower() { stop(); }

void Follower::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void Follower::start(const std::string& address) {
  stop();
  primary_ = address;
  stopping_.store(false);
  {
    std::lock_guard lock(mutex_);
    stopped_ = false;
    error_.clear();
  }
  thread_ = std::thread([this] { run(); });
}

void Follower::stop() {
  stopping_.store(true);
  {
    std::lock_guard lock(mutex_);
    if (connection_ != nullptr) connection_->shut_down();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  stopped_ = true;
}

FollowerStatus Follower::status() const {
  FollowerStatus status;
  status.primary = primary_;
  status.connected = connected_.load();
  status.received_sequence = engine_.last_sequence();
  status.durable_sequence = engine_.local_durable_sequence();
  std::lock_guard lock(mutex_);
  status.stopped = stopped_;
  status.error = error_;
  return status;
}

void Follower::set_error(const std::string& error, bool fatal) {
  std::lock_guard lock(mutex_);
  error_ = error;
  if (fatal) stopped_ = true;
}

void Follower::run() {
  std::string last_logged;
  while (!stopping_.load()) {
    int fd = -1;
    Status status = connect_to(primary_, &fd);
    if (status.is_ok()) {
      Connection connection(fd);
      bool go = false;
      {
        // Under the lock stop() cuts the connection with: either it sees this connection, or
        // this sees that it stops.
        std::lock_guard lock(mutex_);
        connection_ = &connection;
        go = !stopping_.load();
      }
      if (go) status = follow_once(connection);
      connected_.store(false);
      std::lock_guard lock(mutex_);
      connection_ = nullptr;
    }
    if (stopping_.load()) break;
    const std::string line = "replication: following " + primary_ + ": " + status.message();
    // A refusal or a broken connection is said once, not at every retry.
    if (line != last_logged) log(line);
    last_logged = line;
    const bool fatal = status.code() == Status::Code::corruption;
    set_error(status.message(), fatal);
    if (fatal) {
      log("replication: STOPPED following " + primary_ +
          ": this node's journal cannot take the primary's records; it answers reads only");
      return;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.retry_interval, [this] { return stopping_.load(); });
  }
}

Status Follower::follow_once(Connection& connection) {
  Message message;
  Status status = connection.receive(&message);
  if (!status.is_ok()) return status;
  Challenge challenge;
  if (message.type != MessageType::challenge || !decode(message.body, &challenge)) {
    return Status::io_error("the primary did not open with a challenge");
  }
  Hello hello;
  hello.version = protocol_version;
  hello.node = options_.node;
  hello.last_sequence = engine_.last_sequence();
  hello.last_identity = identity_of_record(engine_.data_dir() / "journal", hello.last_sequence);
  hello.token_proof = token_proof(options_.admin_token, challenge.nonce);
  status = key_proof(engine_.key_file(), challenge.nonce, &hello.key_proof);
  if (status.is_ok()) status = connection.send(MessageType::hello, encode(hello));
  if (status.is_ok()) status = connection.receive(&message);
  if (!status.is_ok()) return status;
  if (message.type == MessageType::refuse) {
    return Status::failed_precondition("the primary refused this standby: " + message.body);
  }
  Start start;
  if (message.type != MessageType::start || !decode(message.body, &start)) {
    return Status::io_error("the primary answered the hello with something else than a start");
  }
  if (start.mode == StartMode::base_copy) return receive_base_copy(connection);

  connected_.store(true);
  log("replication: following " + primary_ + " from sequence " +
      std::to_string(hello.last_sequence + 1) + " (the primary is at " +
      std::to_string(start.primary_sequence) + ")");
  status = acknowledger_->attach(&connection);
  if (!status.is_ok()) return status;
  const std::filesystem::path imports = engine_.data_dir() / "imports";
  for (;;) {
    status = connection.receive(&message);
    if (!status.is_ok()) break;
    if (message.type == MessageType::file_begin) {
      std::uint64_t bytes = 0, id = 0;
      if (!decode_file_begin(message.body, &bytes, &id)) {
        status = Status::io_error("a file's announcement does not decode");
        break;
      }
      status = journal::create_directories_durably(imports);
      // Under its pending name: the record's apply verifies and renames it, as recovery does.
      if (status.is_ok()) {
        status = receive_file(connection, bytes, MessageType::file_chunk, MessageType::file_end,
                              imports / journal::pending_load_file_name(id));
      }
      if (!status.is_ok()) break;
      continue;
    }
    if (message.type != MessageType::record) {
      status = Status::io_error("the primary sent an unexpected message");
      break;
    }
    journal::RecordHeader header;
    std::string_view payload;
    status = check_record_message(message.body, &header, &payload);
    if (!status.is_ok()) break;
    status = engine_.apply_replicated(header.sequence, header.type, payload);
    if (!status.is_ok()) {
      // A sequence out of order, or a record the state cannot take: retrying cannot mend it.
      status = Status::corruption("record " + std::to_string(header.sequence) + ": " +
                                  status.message());
      break;
    }
    // Every record that came in one read is one group: written and synced here, on this thread,
    // before waiting for more (what arrives meanwhile makes the next group).
    if (!connection.holds_message()) {
      status = engine_.write_replicated();
      if (!status.is_ok()) break;
    }
  }
  // What was taken before the loop ended is written too: nothing else would write it while this
  // node follows, and the primary may send nothing more that would.
  const Status written = engine_.write_replicated();
  if (status.is_ok()) status = written;
  acknowledger_->detach();
  connected_.store(false);
  connection.shut_down();
  return status;
}

Status Follower::receive_base_copy(Connection& connection) {
  log("replication: the primary " + primary_ +
      " sends a base copy: this node's journal cannot go on from the primary's");
  Message message;
  Status status = connection.receive(&message);
  if (!status.is_ok()) return status;
  std::uint64_t bytes = 0, covered = 0;
  if (message.type != MessageType::snapshot_begin ||
      !decode_file_begin(message.body, &bytes, &covered)) {
    return Status::io_error("the primary's base copy does not begin with a snapshot");
  }
  const std::filesystem::path data_dir = engine_.data_dir();
  status = receive_file(connection, bytes, MessageType::snapshot_chunk, MessageType::snapshot_end,
                        base_copy_partial_path(data_dir));
  if (!status.is_ok()) return status;
  // From here the directory is no longer what the engine was opened from: no snapshot of the
  // old state may land in it, until the process starts again.
  auto snapshots_held = engine_.hold_snapshots();
  std::filesystem::path moved_to;
  status = install_base_copy(data_dir, covered, &moved_to);
  if (!status.is_ok()) return Status::corruption("installing the base copy: " + status.message());
  log("replication: this node's data moved aside to " + moved_to.string() +
      "; installed the primary's snapshot at sequence " + std::to_string(covered));
  if (!options_.restart) {
    return Status::corruption("a base copy is installed: start this node again to follow from it");
  }
  log("replication: starting again on the base copy");
  options_.restart();
  return Status::corruption("could not start again on the base copy");
}

}  // namespace coupond::replication
