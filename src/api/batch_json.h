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

// A PATCH: patch merged into current (RFC 7396 merge patch: null removes a field, so that it takes
// its default; an object merges into the object it names), then parsed exactly as a creation.
// Whether the result may replace current is the engine's to say (Engine::update_batch).
std::string parse_batch_patch(const BatchDefinition& current, const boost::json::object& patch,
                              BatchDefinition* out);

// The definition as operators post it, every field given.
boost::json::object definition_json(const BatchDefinition& definition);
// The definition plus "revoked" and "stats".
boost::json::object batch_json(const Batch& batch);

// issued, redeemed, rolled_back, revoked, held, redemption_rate and discount_in_force.
boost::json::object counts_json(const BatchStats& counts);

}  // namespace coupond::api
