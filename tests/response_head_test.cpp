// The head the server writes for a whole answer: what Beast's serializer would write, the
// Connection header only where it changes the version's default.
#include "http/response_head.h"

#include <gtest/gtest.h>

namespace coupond::http {
namespace {

TEST(ResponseHeadTest, AnHttp11AnswerKeptAliveNamesNoConnection) {
  std::string head = "left over from the last answer";
  write_response_head(head, 200, 11, "application/json", 14, true);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: coupond\r\nContent-Type: application/json\r\n"
            "Content-Length: 14\r\n\r\n");
}

TEST(ResponseHeadTest, AnHttp11AnswerThatClosesSaysSo) {
  std::string head;
  write_response_head(head, 503, 11, "application/json", 0, false);
  EXPECT_EQ(head,
            "HTTP/1.1 503 Service Unavailable\r\nServer: coupond\r\n"
            "Content-Type: application/json\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHeadTest, AnHttp10AnswerKeptAliveSaysSo) {
  std::string head;
  write_response_head(head, 404, 10, "text/plain", 1234567, true);
  EXPECT_EQ(head,
            "HTTP/1.0 404 Not Found\r\nServer: coupond\r\nContent-Type: text/plain\r\n"
            "Connection: keep-alive\r\nContent-Length: 1234567\r\n\r\n");
  write_response_head(head, 429, 10, "text/plain", 0, false);
  EXPECT_EQ(head,
            "HTTP/1.0 429 Too Many Requests\r\nServer: coupond\r\nContent-Type: text/plain\r\n"
            "Content-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace coupond::http
