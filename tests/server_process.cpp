#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace coupond::testing {
namespace {

constexpr auto start_timeout = std::chrono::seconds(10);
constexpr auto stop_timeout = std::chrono::seconds(10);

// Starts binary with args. Its standard output goes to *output_fd; its standard error too when
// merge_stderr is set, or else to *error_fd when that is given (to the test's own otherwise).
pid_t spawn(const std::string& binary_path, const std::vector<std::string>& args, int* output_fd,
            bool merge_stderr, int* error_fd = nullptr,
            const std::vector<std::string>& environment = {}) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  int error_fds[2] = {-1, -1};
  if (error_fd != nullptr && ::pipe2(error_fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  if (merge_stderr) posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  if (error_fd != nullptr) posix_spawn_file_actions_adddup2(&actions, error_fds[1], STDERR_FILENO);
  std::vector<std::string> environment_copies = environment;
  std::vector<char*> envp;
  // An entry given here replaces the inherited one of the same name.
  const auto given = [&](std::string_view entry) {
    const std::string_view name = entry.substr(0, entry.find('=') + 1);
    return std::any_of(environment.begin(), environment.end(),
                       [&](const std::string& mine) { return mine.rfind(name, 0) == 0; });
  };
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!given(*entry)) envp.push_back(*entry);
  }
  for (std::string& entry : environment_copies) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  std::string binary = binary_path;
  argv.push_back(binary.data());
  std::vector<std::string> copies = args;
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (error_fd != nullptr) ::close(error_fds[1]);
  if (error != 0) {
    ::close(pipe_fds[0]);
    if (error_fd != nullptr) ::close(error_fds[0]);
    return -1;
  }
  *output_fd = pipe_fds[0];
  if (error_fd != nullptr) *error_fd = error_fds[0];
  return pid;
}

// Reads what is available within the deadline; false at end of file or past the deadline.
bool read_some(int fd, std::chrono::steady_clock::time_point deadline, std::string* out) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd poll_fd{fd, POLLIN, 0};
  if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[4096];
  const ssize_t got = ::read(fd, buffer, sizeof(buffer));
  if (got <= 0) return false;
  out->append(buffer, static_cast<std::size_t>(got));
  return true;
}

int wait_for_exit(pid_t pid, std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extra_flags)
    : ServerProcess(ServerOptions{std::move(extra_flags), {}, {}, false}) {}

ServerProcess::ServerProcess(const ServerOptions& options)
    : data_dir_(options.data_dir.empty() ? directory_.path() : options.data_dir) {
  std::vector<std::string> args = {"--data-dir", data_dir_.string(), "--listen",
                                   "127.0.0.1:" + std::to_string(options.data_port),
                                   "--admin-listen", "127.0.0.1:0",
                                   "--threads", "2"};
  args.insert(args.end(), options.extra_flags.begin(), options.extra_flags.end());
  pid_ = spawn(COUPOND_BINARY, args, &stdout_fd_, /*merge_stderr=*/false,
               options.capture_error_output ? &stderr_fd_ : nullptr, options.environment);
  if (pid_ < 0) return;
  if (stderr_fd_ >= 0) ::fcntl(stderr_fd_, F_SETFL, ::fcntl(stderr_fd_, F_GETFL) | O_NONBLOCK);
  // The server prints one "listening on HOST:PORT" line per port once it accepts: data plane
  // first, then the admin port.
  std::string output;
  std::vector<unsigned short> ports;
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  const std::string marker = "listening on ";
  std::size_t parsed = 0;
  while (ports.size() < 2) {
    const std::size_t end = output.find('\n', parsed);
    if (end == std::string::npos) {
      if (!read_some(stdout_fd_, deadline, &output)) return;
      continue;
    }
    const std::string line = output.substr(parsed, end - parsed);
    if (line.rfind(marker, 0) == 0) {
      ports.push_back(static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1))));
    }
    parsed = end + 1;
  }
  data_port_ = ports[0];
  admin_port_ = ports[1];
  std::ifstream token(data_dir_ / "admin-token");
  std::getline(token, admin_token_);
}

ServerProcess::~ServerProcess() {
  stop();
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

// Takes what the server has written on its standard error, without waiting: the pipe must not
// fill up, or the server would block on its next log line.
void ServerProcess::drain_error_output() {
  if (stderr_fd_ < 0) return;
  char buffer[4096];
  ssize_t got = 0;
  while ((got = ::read(stderr_fd_, buffer, sizeof(buffer))) > 0) {
    error_output_.append(buffer, static_cast<std::size_t>(got));
  }
}

int ServerProcess::stop() {
  if (pid_ < 0) return -1;
  ::kill(pid_, SIGTERM);
  const int status = wait_for_exit(pid_, stop_timeout);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  drain_error_output();
  return status;
}

void ServerProcess::kill_now() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  drain_error_output();
}

int ServerProcess::wait_for_end(std::chrono::milliseconds timeout, int* killed_by) {
  if (pid_ < 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  do {
    drain_error_output();
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (stdout_fd_ >= 0) ::close(stdout_fd_);
      stdout_fd_ = -1;
      drain_error_output();
      if (WIFSIGNALED(status)) {
        if (killed_by != nullptr) *killed_by = WTERMSIG(status);
        return -1;
      }
      return WEXITSTATUS(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return -2;
}

int run_program(const std::string& binary, const std::vector<std::string>& args,
                std::string* output, const std::vector<std::string>& environment) {
  int fd = -1;
  const pid_t pid = spawn(binary, args, &fd, /*merge_stderr=*/true, nullptr, environment);
  if (pid < 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + stop_timeout;
  while (read_some(fd, deadline, output)) {
  }
  ::close(fd);
  return wait_for_exit(pid, stop_timeout);
}

unsigned short free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  unsigned short port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace coupond::testing
