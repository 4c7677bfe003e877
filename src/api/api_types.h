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

namespace coupond::cluster {
class NodeRole;
}

namespace coupond::api {

struct ApiRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // without the query string
  std::string_view body;
  std::string_view authorization;  // the Authorization header, or empty
  // The client's IP address as text ("203.0.113.7", "2001:db8::1"; an IPv4 client of a dual-stack
  // listener as IPv4), or empty when it is not known.
  std::string_view peer;
  // What follows the target's '?', as sent (not decoded); empty without one.
  std::string_view query;
};

// What an answer that promises durability waits for: the journal, seen from the transport.
// Sequences become durable in order; the transport asks where the journal stands and subscribes
// once to hear when it moves, so that a whole group's answers are released by one wake-up rather
// than by a callback per request.
class DurableSequences {
 public:
  virtual ~DurableSequences() = default;
  // Every sequence up to this one is durable.
  virtual std::uint64_t durable_through() const = 0;
  // True once the journal has failed: nothing more will become durable.
  virtual bool failed() const = 0;
  // wake is called, from the journal's thread, every time durable_through advances or the
  // journal fails, for as long as the source lives. It must be quick: post, do not work.
  virtual void subscribe(std::function<void()> wake) const = 0;
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
  // When durable_in is set, the answer completes itself only once durable_in holds sequence on
  // disk: a 200 to a redemption is a promise that survives a crash. The transport holds it back
  // until then without blocking a thread, or answers 503 not_durable if the journal fails.
  const DurableSequences* durable_in = nullptr;
  std::uint64_t sequence = 0;
  // When set, the answer acknowledges a change on a cluster node, and leaves only while this node
  // may acknowledge (it holds its partition's lease: cluster::NodeRole::may_acknowledge), checked
  // at the moment it is sent, after any wait for the journal: otherwise it becomes a 503
  // not_primary. Never set on a node without a cluster.
  const cluster::NodeRole* acknowledged_by = nullptr;
  // When set, the answer comes later: the server calls this once, handing it the function to
  // call with the real answer (from any thread). For work too slow to hold an I/O thread, like a
  // snapshot of ten million coupons.
  std::function<void(std::function<void(ApiResponse)> answer)> deferred;

  // Back to a fresh 200 with an empty body, keeping the body's memory: a connection reuses one
  // answer for all its requests.
  void reset() {
    status = 200;
    content_type = "application/json";
    body.clear();
    stream = nullptr;
    durable_in = nullptr;
    sequence = 0;
    acknowledged_by = nullptr;
    deferred = nullptr;
  }
  // Whether the answer may leave now.
  bool is_complete() const {
    return durable_in == nullptr || durable_in->durable_through() >= sequence;
  }
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
