// A small synchronous client of etcd's v3 JSON gateway (POST /v3/...), over Boost.Beast, for the
// election: leases (grant, keepalive, revoke) and the one key it needs (a create-if-absent
// transaction, range, delete). Every call is bounded by a timeout, so that a hung etcd cannot hang
// the caller; a call that fails tries the next endpoint on the following call. Keys and values
// are sent base64-encoded, as the gateway wants; int64 fields arrive as JSON strings.
//
// Not thread-safe: one election thread owns one client.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coupond/status.h"

namespace coupond::cluster {

struct EtcdEndpoint {
  std::string host;
  std::uint16_t port = 0;
};

// "http://HOST:PORT[,http://HOST:PORT...]" into endpoints; an error names what does not parse.
Status parse_etcd_endpoints(std::string_view text, std::vector<EtcdEndpoint>* endpoints);

struct EtcdKeyValue {
  std::string value;
  std::int64_t lease = 0;  // 0: the key has no lease
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
};

struct EtcdLease {
  std::int64_t id = 0;
  std::chrono::seconds ttl{0};  // as granted: etcd may raise a ttl below its minimum
};

// How a create-if-absent transaction went.
struct EtcdTxnResult {
  bool created = false;
  std::int64_t revision = 0;          // the store's revision after the transaction
  std::optional<EtcdKeyValue> holder; // when not created: the key as it is
};

class EtcdClient {
 public:
  EtcdClient(std::vector<EtcdEndpoint> endpoints, std::chrono::milliseconds timeout);

  Status grant(std::chrono::seconds ttl, EtcdLease* lease);
  // Renews the lease once. *ttl_left is its ttl after the renewal, or 0 when the lease is gone
  // (expired or revoked): etcd answers that with no error.
  Status keepalive(std::int64_t lease, std::chrono::seconds* ttl_left);
  // Revokes the lease (deleting its keys); a lease that is gone already is no error.
  Status revoke(std::int64_t lease);
  // Puts key = value under lease only if the key does not exist (its create_revision is 0).
  Status create_if_absent(std::string_view key, std::string_view value, std::int64_t lease,
                          EtcdTxnResult* result);
  // The key, or nothing when it does not exist; *revision, when not null, the store's revision.
  Status get(std::string_view key, std::optional<EtcdKeyValue>* found,
             std::int64_t* revision = nullptr);
  Status remove(std::string_view key);

  // The endpoint the next call goes to, as "host:port" (for logs).
  std::string current_endpoint() const;

 private:
  // POSTs body (JSON) to path on the current endpoint and parses the answer into *answer (a JSON
  // object's text). On any failure the next call goes to the next endpoint.
  Status post(std::string_view path, const std::string& body, std::string* answer);

  std::vector<EtcdEndpoint> endpoints_;
  std::size_t current_ = 0;
  std::chrono::milliseconds timeout_;
};

}  // namespace coupond::cluster
