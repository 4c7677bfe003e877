#include "replication/record_message.h"

#include <cstring>
#include <string>

namespace coupond::replication {

Status check_record_message(std::string_view body, journal::RecordHeader* header,
                            std::string_view* payload) {
  if (body.size() < sizeof(*header)) {
    return Status::io_error("the primary sent an unexpected message");
  }
  std::memcpy(header, body.data(), sizeof(*header));
  *payload = body.substr(sizeof(*header));
  // The length first: the checksum reads payload_bytes bytes of the payload.
  if (payload->size() != header->payload_bytes ||
      header->checksum != journal::record_checksum(*header, payload->data())) {
    return Status::io_error("record " + std::to_string(header->sequence) + " arrived damaged");
  }
  return Status::ok();
}

}  // namespace coupond::replication
