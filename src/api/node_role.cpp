#include "api/node_role.h"

#include "api/coupon_json.h"

namespace coupond::api {

void answer_node_role(std::string_view method, ApiResponse& answer) {
  if (method != "GET") {
    answer.status = 405;
    answer.body.clear();
    write_error_answer("method_not_allowed", "use GET", &answer.body);
    return;
  }
  answer.body = R"({"role":"single"})";
}

}  // namespace coupond::api
