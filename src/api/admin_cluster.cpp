// The admin port's cluster calls: POST /admin/v1/cluster/switchover, where a primary gives up its
// partition's key to its standby (docs/cluster.md).
#include <boost/json.hpp>

#include "api/admin.h"
#include "api/responses.h"

namespace coupond::api {

ApiResponse Admin::switch_over() {
  if (role_.is_single() || !switchover_) {
    return error_response(409, "conflict", "this node is not in a cluster (started without --etcd)");
  }
  if (role_.role() != cluster::Role::primary) {
    return error_response(503, "not_primary", reason_sentence(Reason::not_primary));
  }
  ApiResponse response;
  response.deferred = [runner = switchover_, partition = role_.partition(),
                       node = role_.node()](std::function<void(ApiResponse)> answer) {
    runner([answer = std::move(answer), partition, node](const Status& status) {
      if (!status.is_ok()) {
        return answer(error_response(409, "conflict", "switchover failed: " + status.message()));
      }
      answer(json_response(200, {{"switched_over", true}, {"partition", partition}, {"node", node}}));
    });
  };
  return response;
}

}  // namespace coupond::api
