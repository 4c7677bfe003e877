// JSON for batches: the definition operators post, and the batch with its live counters as the
// admin API shows it.
#pragma once

#include <boost/json.hpp>

#include <string>

#include "coupond/engine.h"

namespace coupond::api {

// Parses a batch definition; returns an empty string or a sentence naming the bad field. Field
// rules beyond types (ranges, lengths) are check_batch_definition's, run by the engine.
std::string parse_batch_definition(const boost::json::object& object, BatchDefinition* out);

boost::json::object batch_json(const Batch& batch);

// issued, redeemed, rolled_back, revoked, held, redemption_rate and discount_in_force.
boost::json::object counts_json(const BatchStats& counts);

}  // namespace coupond::api
