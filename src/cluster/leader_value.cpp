// The leader key's value as JSON: see leader_value.h.
#include "cluster/leader_value.h"

#include <boost/json.hpp>

namespace coupond::cluster {

std::string leader_value_json(const LeaderValue& value) {
  return boost::json::serialize(boost::json::object{{"node", value.node},
                                                    {"replication", value.replication},
                                                    {"data", value.data},
                                                    {"admin", value.admin}});
}

bool parse_leader_value(std::string_view text, LeaderValue* value) {
  *value = LeaderValue{};
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(text, error);
  if (error || !parsed.is_object()) return false;
  const boost::json::object& object = parsed.as_object();
  const auto text_of = [&](std::string_view name, std::string* out) {
    const boost::json::value* field = object.if_contains(name);
    if (field != nullptr && field->is_string()) *out = std::string(field->as_string());
  };
  text_of("node", &value->node);
  text_of("replication", &value->replication);
  text_of("data", &value->data);
  text_of("admin", &value->admin);
  return !value->node.empty();
}

}  // namespace coupond::cluster
