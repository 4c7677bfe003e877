#include "replication/acknowledger.h"

namespace coupond::replication {

std::shared_ptr<Acknowledger> Acknowledger::subscribe(Engine& engine) {
  auto acknowledger = std::make_shared<Acknowledger>(engine);
  engine.subscribe_locally_durable([acknowledger] { acknowledger->acknowledge(); });
  return acknowledger;
}

Status Acknowledger::attach(Connection* connection) {
  std::lock_guard lock(mutex_);
  connection_ = connection;
  sent_ = 0;
  return acknowledge_locked();
}

void Acknowledger::detach() {
  std::lock_guard lock(mutex_);
  connection_ = nullptr;
}

void Acknowledger::acknowledge() {
  std::lock_guard lock(mutex_);
  if (acknowledge_locked().is_ok()) return;
  // The receiving side sees the connection end and reconnects.
  connection_->shut_down();
  connection_ = nullptr;
}

Status Acknowledger::acknowledge_locked() {
  if (connection_ == nullptr) return Status::ok();
  const std::uint64_t durable = engine_.local_durable_sequence();
  if (durable <= sent_) return Status::ok();
  Status status = connection_->send(MessageType::ack, encode_number(durable));
  if (status.is_ok()) sent_ = durable;
  return status;
}

}  // namespace coupond::replication
