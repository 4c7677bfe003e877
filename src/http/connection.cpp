// What both sessions share: see connection.h.
#include "http/connection.h"

#include <exception>
#include <iostream>

#include "api/responses.h"
#include "journal/fault_point.h"

namespace coupond::http {

std::string peer_address_of(const Socket& socket) {
  boost::system::error_code error;
  const boost::asio::ip::tcp::endpoint endpoint = socket.remote_endpoint(error);
  if (error) return {};
  // The tests reach the server over loopback only; this fault point makes every client look like
  // one from elsewhere (TEST-NET-1), to check what such clients get.
  if (journal::fault_injected("http.peer_not_loopback")) return "192.0.2.1";
  boost::asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& exception) {
    return exception.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

void log_handler_failure(api::Port port, std::string_view outcome) {
  std::cerr << "coupond: " << (port == api::Port::admin ? "admin" : "data")
            << " port: a request's handler failed (" << current_exception_text() << "); "
            << outcome << "\n";
}

api::ApiResponse handler_failure_response(api::Port port) {
  log_handler_failure(port, "answered 500");
  return api::error_response(500, "internal", "the server failed to answer");
}

}  // namespace coupond::http
