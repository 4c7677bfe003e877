// GET /v1/role: what this node is in its partition. A router's health check asks it, and sends a
// partition's traffic only to the node that answers 200. A node that is not part of an elected
// group is its partition's only node, "single", and always serves.
#pragma once

#include <string_view>

#include "api/api_types.h"

namespace coupond::api {

void answer_node_role(std::string_view method, ApiResponse& answer);

}  // namespace coupond::api
