// The admin port: what operators call (/admin/v1/...). Every request but GET /healthz needs
// "Authorization: Bearer <admin token>", compared in constant time.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/api_types.h"
#include "api/metrics.h"
#include "cluster/node_role.h"
#include "coupond/cluster_status.h"
#include "coupond/engine.h"

namespace coupond::api {

// Runs a snapshot away from the I/O threads and calls done with how it went.
using SnapshotRunner =
    std::function<void(std::function<void(const Status&, const SnapshotInfo&)> done)>;

// Asks this node, a primary, to give up its partition's key, and calls done with how it went.
using SwitchoverRunner = std::function<void(std::function<void(const Status&)> done)>;

class Admin {
 public:
  // metrics, when not null, must outlive the Admin; GET /metrics renders it. snapshots, when set,
  // runs POST /admin/v1/snapshot (otherwise the calling thread does, and waits). role, which must
  // outlive the Admin, says whether changes may be acknowledged (a cluster node's lease).
  // partition is the node's (--partition, canonical), which every batch created here belongs to;
  // empty for none.
  Admin(Engine& engine, std::string token, const Metrics* metrics, SnapshotRunner snapshots = {},
        const cluster::NodeRole& role = cluster::single_node(), std::string partition = {})
      : engine_(engine),
        token_(std::move(token)),
        metrics_(metrics),
        snapshots_(std::move(snapshots)),
        role_(role),
        partition_(std::move(partition)) {}
  // Answers the request, and logs one line for each call that changes something.
  ApiResponse handle(const ApiRequest& request);
  // Decides from a request's head alone: a 401 at once for a request without the token (its
  // body is never read); for an authorized import into an existing batch, a consumer that parses
  // the CSV body as it arrives; otherwise nothing, and the request is read whole and answered by
  // handle().
  HeadDecision on_head(const ApiRequest& head);
  // Serves POST /admin/v1/cluster/switchover with runner (on a cluster node).
  void set_switchover(SwitchoverRunner runner) { switchover_ = std::move(runner); }
  // Where GET /admin/v1/cluster and the replication metrics come from; without it the node
  // says it is "single".
  void set_cluster_status(std::function<ClusterStatus()> source) {
    cluster_status_ = std::move(source);
  }

 private:
  ClusterStatus cluster_status() const;
  ApiResponse cluster();
  bool authorized(std::string_view authorization) const;
  // The 401 for a request that needs the token and lacks it, or nothing.
  std::optional<ApiResponse> refusal_without_token(const ApiRequest& request) const;
  // The 503 not_primary for a change this node may not acknowledge now, or nothing.
  std::optional<ApiResponse> refusal_unless_primary(const ApiRequest& request) const;
  void log_action(std::string_view method, std::string_view path, const ApiResponse& response) const;
  ApiResponse route(const ApiRequest& request);
  ApiResponse create_batch(std::string_view body);
  ApiResponse update_batch(const Batch& batch, std::string_view body);
  ApiResponse list_batches();
  ApiResponse batch_route(const ApiRequest& request, std::string_view rest);
  ApiResponse generate(const Batch& batch, std::string_view body);
  ApiResponse import_codes(const Batch& batch, std::string_view body);
  ApiResponse stats(const Batch& batch);
  ApiResponse revoke_code(std::string_view code);
  ApiResponse snapshot();
  ApiResponse switch_over();  // admin_cluster.cpp

  Engine& engine_;
  std::string token_;
  const Metrics* metrics_;
  SnapshotRunner snapshots_;
  const cluster::NodeRole& role_;
  SwitchoverRunner switchover_;
  std::string partition_;
  std::function<ClusterStatus()> cluster_status_;
};

}  // namespace coupond::api
