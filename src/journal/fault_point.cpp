#include "journal/fault_point.h"

#ifdef COUPOND_FAULT_POINTS

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

namespace coupond::journal {
namespace {

struct ArmedPoint {
  std::string name;
  long passes_left = 0;  // 0: nothing is armed
};

ArmedPoint read_armed_point() {
  ArmedPoint point;
  const char* text = std::getenv("COUPOND_FAULT_POINT");
  if (text == nullptr || *text == '\0') return point;
  const std::string value(text);
  const std::size_t colon = value.find(':');
  point.name = value.substr(0, colon);
  point.passes_left = colon == std::string::npos ? 1 : std::atol(value.c_str() + colon + 1);
  return point;
}

const ArmedPoint& armed_point() {
  static const ArmedPoint armed = read_armed_point();
  return armed;
}

// Counts a pass through the armed point; true on the pass it was armed for and every one after.
bool reached(const char* name) {
  static std::atomic<long> passes{0};
  const ArmedPoint& armed = armed_point();
  if (armed.passes_left <= 0 || armed.name != name) return false;
  return passes.fetch_add(1) + 1 >= armed.passes_left;
}

}  // namespace

bool fault_injected(const char* name) { return reached(name); }

bool fault_switched_on(const char* name) {
  static const std::string armed = [] {
    const char* text = std::getenv("COUPOND_FAULT_SWITCH");
    return std::string(text == nullptr ? "" : text);
  }();
  const std::size_t colon = armed.find(':');
  if (colon == std::string::npos || armed.compare(0, colon, name) != 0 ||
      std::strlen(name) != colon) {
    return false;
  }
  struct stat ignored;
  return ::stat(armed.c_str() + colon + 1, &ignored) == 0;
}

void fault_point(const char* name) {
  if (!reached(name)) return;
  static constexpr char message[] = "coupond: fault point reached: killing the process\n";
  [[maybe_unused]] const ssize_t ignored = ::write(2, message, sizeof(message) - 1);
  ::kill(::getpid(), SIGKILL);
}

}  // namespace coupond::journal

#endif
