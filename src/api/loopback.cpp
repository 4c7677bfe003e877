#include "api/loopback.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <string>

namespace coupond::api {

bool is_loopback_address(std::string_view address) {
  const std::string text(address);  // inet_pton wants a terminated string
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return bytes[0] == 127;
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return false;
  const auto zero = [](unsigned char byte) { return byte == 0; };
  if (std::all_of(bytes.begin(), bytes.begin() + 15, zero) && bytes[15] == 1) return true;  // ::1
  const bool v4_mapped = std::all_of(bytes.begin(), bytes.begin() + 10, zero) &&
                         bytes[10] == 0xff && bytes[11] == 0xff;
  return v4_mapped && bytes[12] == 127;
}

}  // namespace coupond::api
