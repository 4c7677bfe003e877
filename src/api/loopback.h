// Which peers the data plane serves when it has no API keys: only this machine's own (loopback),
// unless the operator opens it. The decision is on the peer's address as text, so that it can be
// tested without sockets.
#pragma once

#include <string_view>

namespace coupond::api {

// True for 127.0.0.0/8, ::1 and 127.0.0.0/8 written as IPv4-mapped IPv6 (::ffff:127.0.0.1, how a
// dual-stack listener sees an IPv4 loopback client). False for every other address and for text
// that is not an address.
bool is_loopback_address(std::string_view address);

}  // namespace coupond::api
