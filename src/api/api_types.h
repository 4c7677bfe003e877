// The HTTP API seen without HTTP: a request is a method, a path and a body; a response is a
// status, a content type and either a body or a producer of body chunks (for answers too large to
// build first, like a million generated codes). The api module turns these into engine calls and
// back; the http module moves them over sockets. Neither knows the other's insides.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace coupond::api {

struct ApiRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // without the query string
  std::string_view body;
  std::string_view authorization;  // the Authorization header, or empty
  // The client's IP address as text ("203.0.113.7", "2001:db8::1"; an IPv4 client of a dual-stack
  // listener as IPv4), or empty when it is not known.
  std::string_view peer;
};

struct ApiResponse {
  int status = 200;
  // Static text (a literal): "application/json" is one byte too long for a std::string's own
  // buffer, and would cost every answer an allocation.
  std::string_view content_type = "application/json";
  std::string body;
  // When set, the body is streamed: each call appends the next chunk to *chunk and returns true
  // while more may follow; false ends the body (after appending the last chunk, if any). A
  // producer that cannot go on throws: the server then cuts the body off without its end.
  std::function<bool(std::string* chunk)> stream;
  // When not 0, the answer may leave only once the journal holds this sequence on disk: a 200 to
  // a redemption is a promise that survives a crash. The server waits for it without blocking a
  // thread (Engine::when_durable).
  std::uint64_t durable_after = 0;
  // When set, the answer comes later: the server calls this once, handing it the function to
  // call with the real answer (from any thread). For work too slow to hold an I/O thread, like a
  // snapshot of ten million coupons.
  std::function<void(std::function<void(ApiResponse)> answer)> deferred;
};

// Takes a request body piece by piece as it arrives, then answers.
struct BodyConsumer {
  std::function<void(std::string_view chunk)> consume;
  std::function<ApiResponse()> finish;
};

// What a request's head alone decides, before any of its body is read. Neither set: the body is
// read whole and the request answered the ordinary way.
struct HeadDecision {
  // The body is taken piece by piece as it arrives.
  std::optional<BodyConsumer> consumer;
  // The request is answered at once, its body never read (a 401 to a client without the token,
  // who need not upload 50 MiB to learn it).
  std::optional<ApiResponse> answer;
};

}  // namespace coupond::api
