// The admin port under faults, end to end with the real binary: a request without the token is
// refused from its head, before its body is read or (with Expect: 100-continue) even sent, and
// the client reads that 401 instead of a reset; a handler that throws (a streamed import's
// consumer or its finish, a streamed answer's producer) costs that request a 500, or a cut-off
// body once its head is out, and the server goes on serving.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "http_client.h"
#include "server_process.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::connect_loopback;
using testing::http_request;
using testing::read_until_closed;
using testing::send_all;
using testing::ServerOptions;
using testing::ServerProcess;

constexpr std::size_t upload_bytes = 8 << 20;  // well under the admin body limit (64 MiB)
constexpr auto answer_wait = std::chrono::seconds(5);

std::string upload_head(const std::string& target, const std::string& authorization) {
  std::string head =
      "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n";
  if (!authorization.empty()) head += "Authorization: " + authorization + "\r\n";
  return head + "Content-Length: " + std::to_string(upload_bytes) + "\r\n\r\n";
}

// Sends only the head of a large upload and reads what comes back before any of the body is sent.
// True when the server answered and closed the connection.
bool answer_to_head(unsigned short port, const std::string& head, std::string* answer) {
  const int fd = connect_loopback(port);
  if (fd < 0) return false;
  const bool closed = send_all(fd, head) && read_until_closed(fd, answer_wait, answer);
  ::close(fd);
  return closed;
}

void create_batch(const ServerProcess& server, const std::string& id) {
  const std::string body = R"({"id": ")" + id + R"(",
      "discount": {"type": "amount_off", "amount": 500},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})";
  ASSERT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/batches", body,
                         server.admin_token())
                .status,
            201);
}

// The server still answers, on both ports, after a failed request.
void expect_still_serving(const ServerProcess& server) {
  EXPECT_EQ(http_request(server.admin_port(), "GET", "/admin/v1/batches", {}, server.admin_token())
                .status,
            200);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(::kill(server.pid(), 0), 0);
}

TEST(AdminEarlyRefusalTest, AnUploadWithoutTheTokenGets401BeforeItsBodyIsSent) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  create_batch(server, "spring");
  for (const std::string target : {"/admin/v1/batches/spring/import", "/admin/v1/batches"}) {
    for (const std::string authorization : {"", "Bearer wrong-token", "Basic c2VjcmV0"}) {
      SCOPED_TRACE(target + " with '" + authorization + "'");
      std::string answer;
      // Closed by the server after the answer: the unread body cannot precede a next request.
      EXPECT_TRUE(answer_to_head(server.admin_port(), upload_head(target, authorization), &answer));
      EXPECT_TRUE(answer.starts_with("HTTP/1.1 401 ")) << answer;
      EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
      EXPECT_NE(answer.find("unauthorized"), std::string::npos) << answer;
    }
  }
  expect_still_serving(server);
}

TEST(AdminEarlyRefusalTest, ARequestWithoutABodyKeepsItsConnectionAfterThe401) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  const std::string get = "GET /admin/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string answers = testing::raw_exchange(
      server.admin_port(), get + get + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      std::chrono::seconds(2));
  // Both refusals and the health check, on one connection.
  EXPECT_EQ(answers.find("HTTP/1.1 401 "), 0u) << answers;
  EXPECT_NE(answers.find("HTTP/1.1 401 ", 1), std::string::npos) << answers;
  EXPECT_NE(answers.find("HTTP/1.1 200 "), std::string::npos) << answers;
  EXPECT_EQ(answers.find("Connection: close"), std::string::npos) << answers;
}

// A client that sends its body without waiting for an answer: the server, having answered from
// the head, reads and drops the body rather than resetting the connection under the client's
// writes, and the client then reads the 401.
TEST(AdminEarlyRefusalTest, AClientSendingItsBodyAnywayReadsThe401InsteadOfAReset) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  const int fd = connect_loopback(server.admin_port());
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(send_all(fd, upload_head("/admin/v1/batches/spring/import", "")));
  const std::string line(1024, 'x');
  bool sent = true;
  for (std::size_t written = 0; sent && written < upload_bytes; written += line.size()) {
    sent = send_all(fd, line);
  }
  EXPECT_TRUE(sent) << "the upload was cut off: " << std::strerror(errno);
  std::string answer;
  EXPECT_TRUE(read_until_closed(fd, answer_wait, &answer));
  ::close(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 401 ")) << answer;
  expect_still_serving(server);
}

// curl as operators run it: "Expect: 100-continue" for a large body, which it then sends only
// when told to go on; and, without Expect, the body sent at once while the 401 is on its way.
TEST(AdminEarlyRefusalTest, CurlReads401WithAndWithoutExpectContinue) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  create_batch(server, "spring");
  testing::TemporaryDirectory directory;
  const auto file = directory.path() / "codes.csv";
  {
    std::ofstream out(file);
    for (std::size_t written = 0; written < upload_bytes; written += 16) out << "CODE-0123456789\n";
  }
  const std::string url =
      "http://127.0.0.1:" + std::to_string(server.admin_port()) + "/admin/v1/batches/spring/import";
  // Built by appending: "literal" + std::string trips GCC 12's false -Wrestrict at -O3.
  std::string upload = "@";
  upload += file.string();
  auto curl = [&](const std::string& expect, std::string* output) {
    return testing::run_program(
        "/usr/bin/curl",
        // However long the 401 takes, curl waits for it rather than send the body after 1 s.
        {"--silent", "--show-error", "--expect100-timeout", "60", "--output", "/dev/null",
         "--write-out", "%{http_code} %{size_upload}", "--header", "Content-Type: text/csv",
         "--header", expect, "--header", "Authorization: Bearer wrong-token", "--data-binary",
         upload, url},
        output);
  };
  std::string output;
  ASSERT_EQ(curl("Expect: 100-continue", &output), 0) << output;
  EXPECT_EQ(output, "401 0") << "the body was sent: " << output;
  // The body goes out as the 401 comes back: the client reads the 401, not a reset.
  output.clear();
  ASSERT_EQ(curl("Expect:", &output), 0) << output;
  EXPECT_TRUE(output.starts_with("401 ")) << output;
  expect_still_serving(server);
}

struct FaultRun {
  explicit FaultRun(const std::string& point)
      : server(ServerOptions{{}, {}, {"COUPOND_FAULT_POINT=" + point}, true}) {}
  // The server's log, read once it has stopped.
  std::string log() {
    server.stop();
    return server.error_output();
  }
  ServerProcess server;
};

// With the fault point armed, POST /admin/v1/batches/spring/<action> gets a 500, the server logs
// why, and it goes on serving.
void expect_500_and_still_serving(const std::string& point, const std::string& action,
                                  const std::string& body) {
  FaultRun run(point);
  ASSERT_TRUE(run.server.started());
  create_batch(run.server, "spring");
  const auto result = http_request(run.server.admin_port(), "POST",
                                   "/admin/v1/batches/spring/" + action, body,
                                   run.server.admin_token());
  EXPECT_EQ(result.status, 500) << result.body;
  expect_still_serving(run.server);
  EXPECT_NE(run.log().find("coupond: admin port: a request's handler failed (fault point " + point +
                           "); answered 500"),
            std::string::npos);
}

TEST(HandlerFailureTest, AnImportWhoseConsumerThrowsGets500) {
  expect_500_and_still_serving("admin.import_consume", "import", "CODE1\nCODE2\n");
}

TEST(HandlerFailureTest, AnImportWhoseFinishThrowsGets500) {
  expect_500_and_still_serving("admin.import_finish", "import", "CODE1\nCODE2\n");
}

TEST(HandlerFailureTest, AStreamedAnswerFailingBeforeItsHeadGets500) {
  expect_500_and_still_serving("admin.generate_chunk", "generate", R"({"count": 5})");
}

TEST(HandlerFailureTest, AStreamedAnswerFailingAfterItsHeadIsCutOffWithoutItsLastChunk) {
  // The second chunk of ten thousand codes fails: the first is out, and the 200 with it.
  FaultRun run("admin.generate_chunk:2");
  ASSERT_TRUE(run.server.started());
  create_batch(run.server, "spring");
  const std::string body = R"({"count": 25000})";
  const std::string request =
      "POST /admin/v1/batches/spring/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " + run.server.admin_token() +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  const int fd = connect_loopback(run.server.admin_port());
  ASSERT_GE(fd, 0);
  std::string answer;
  EXPECT_TRUE(send_all(fd, request) && read_until_closed(fd, answer_wait, &answer));
  ::close(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer.substr(0, 200);
  EXPECT_NE(answer.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_GT(answer.size(), 10'000u * 10) << "the first chunk went out";
  EXPECT_FALSE(answer.ends_with("\r\n0\r\n\r\n")) << "the body was ended as if complete";
  // The fault point stays armed: the next answer fails at its first chunk, before its head.
  EXPECT_EQ(http_request(run.server.admin_port(), "POST", "/admin/v1/batches/spring/generate",
                         R"({"count": 25000})", run.server.admin_token())
                .status,
            500);
  expect_still_serving(run.server);
  EXPECT_NE(run.log().find("the streamed answer was cut off"), std::string::npos);
}

}  // namespace
}  // namespace coupond
