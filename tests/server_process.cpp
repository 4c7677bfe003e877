#include "server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace coupond::testing {
namespace {

constexpr auto start_timeout = std::chrono::seconds(10);
constexpr auto stop_timeout = std::chrono::seconds(10);

pid_t spawn(const std::string& binary_path, const std::vector<std::string>& args, int* output_fd,
            bool merge_stderr) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  if (merge_stderr) posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> argv;
  std::string binary = binary_path;
  argv.push_back(binary.data());
  std::vector<std::string> copies = args;
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (error != 0) {
    ::close(pipe_fds[0]);
    return -1;
  }
  *output_fd = pipe_fds[0];
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

ServerProcess::ServerProcess(std::vector<std::string> extra_flags) {
  std::vector<std::string> args = {"--data-dir", directory_.path().string(), "--listen",
                                   "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                                   "--threads", "2"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  pid_ = spawn(COUPOND_BINARY, args, &stdout_fd_, /*merge_stderr=*/false);
  if (pid_ < 0) return;
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
  std::ifstream token(directory_.path() / "admin-token");
  std::getline(token, admin_token_);
}

ServerProcess::~ServerProcess() { stop(); }

int ServerProcess::stop() {
  if (pid_ < 0) return -1;
  ::kill(pid_, SIGTERM);
  const int status = wait_for_exit(pid_, stop_timeout);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  return status;
}

int run_program(const std::string& binary, const std::vector<std::string>& args,
                std::string* output) {
  int fd = -1;
  const pid_t pid = spawn(binary, args, &fd, /*merge_stderr=*/true);
  if (pid < 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + stop_timeout;
  while (read_some(fd, deadline, output)) {
  }
  ::close(fd);
  return wait_for_exit(pid, stop_timeout);
}

}  // namespace coupond::testing
