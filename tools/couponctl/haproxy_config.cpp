#include "haproxy_config.h"

#include <algorithm>

#include "rules/partition.h"

namespace coupond::ctl {
namespace {

struct Partition {
  std::string name;
  std::vector<std::string> nodes;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// HOST:PORT, the host a name, an IPv4 address or a bracketed IPv6 one; HAProxy checks the rest.
bool is_host_port(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  const std::string port = address.substr(colon + 1);
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::stoi(port) > 0 && std::stoi(port) <= 65535 &&
         address.find_first_of(" \t'\"#") == std::string::npos;
}

bool parse_partition(const std::string& text, Partition* out, std::string* error) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos) {
    *error = "--partition " + text + ": give NAME=HOST:PORT[,HOST:PORT...]";
    return false;
  }
  *error = rules::check_partition_name("--partition", text.substr(0, equals), &out->name);
  if (!error->empty()) return false;
  for (const std::string& node : split(text.substr(equals + 1), ',')) {
    if (!is_host_port(node)) {
      *error = "--partition " + out->name + ": \"" + node + "\" is no HOST:PORT address";
      return false;
    }
    out->nodes.push_back(node);
  }
  return true;
}

// The answer to a code that begins with no partition's name, in the data plane's error shape.
std::string unclaimed_answer(const std::vector<Partition>& partitions) {
  std::string names;
  for (const Partition& partition : partitions) {
    names += (names.empty() ? "" : ", ") + partition.name;
  }
  return R"({"error":{"code":"wrong_partition","message":)"
         R"("no partition serves this code: it begins with none of )" +
         names + R"("}})";
}

}  // namespace

bool write_haproxy_config(const RouterSpec& spec, std::string* config, std::string* error) {
  std::vector<Partition> partitions;
  std::vector<std::string> names;
  for (const std::string& text : spec.partitions) {
    Partition partition;
    if (!parse_partition(text, &partition, error)) return false;
    names.push_back(partition.name);
    partitions.push_back(std::move(partition));
  }
  if (partitions.empty()) {
    *error = "give each partition: --partition NAME=HOST:PORT[,HOST:PORT...]";
    return false;
  }
  if (*error = rules::partition_names_clash(names); !error->empty()) return false;
  if (!is_host_port(spec.bind)) {
    *error = "--bind \"" + spec.bind + "\" is no HOST:PORT address";
    return false;
  }

  std::string out =
      "# coupond's router: each data-plane request goes to the partition its coupon code begins\n"
      "# with (docs/routing.md). Written by couponctl cluster haproxy-config.\n"
      "global\n"
      "    # A data-plane body (64 KiB at most, coupond's --max-body-bytes) fits one buffer "
      "whole,\n"
      "    # so that the code is always read from it.\n"
      "    tune.bufsize 131072\n"
      "\n"
      "defaults\n"
      "    mode http\n"
      "    option http-keep-alive\n"
      "    timeout connect 1s\n"
      "    timeout http-request 15s\n"
      "    timeout client 30s\n"
      "    timeout server 30s\n"
      "    # A connection a node refuses (it has just stopped) is tried once more, on another "
      "node\n"
      "    # if one is up; a request that reached a node is never sent twice.\n"
      "    retries 1\n"
      "    option redispatch\n"
      "\n"
      "frontend coupond_data\n"
      "    bind " +
      spec.bind +
      "\n"
      "    # The code is in the JSON body: wait for the whole body before routing.\n"
      "    option http-buffer-request\n"
      "    # The router's own health.\n"
      "    http-request return status 200 content-type application/json string "
      "'{\"status\":\"ok\"}' if { path /healthz }\n"
      "    # The code: \"code\", or the first of \"codes\" (a stack goes to its first code's\n"
      "    # partition), or the last segment of GET /v1/coupons/CODE.\n"
      "    http-request set-var(txn.code) req.body,json_query('$.code') if { method POST }\n"
      "    http-request set-var(txn.code) req.body,json_query('$.codes[0]') if { method POST } !{ "
      "var(txn.code) -m found }\n"
      "    http-request set-var(txn.code) path,field(4,/),url_dec if { path_beg /v1/coupons/ }\n"
      "    # Read as coupond reads a typed code: upper case, no dashes or spaces, O as 0, I and L "
      "as 1.\n"
      "    http-request set-var(txn.routed) var(txn.code),upper,regsub('[- "
      "]',,g),regsub(O,0,g),regsub('[IL]',1,g)\n";
  for (const Partition& partition : partitions) {
    out +=
        "    acl partition_" + partition.name + " var(txn.routed) -m beg " + partition.name + "\n";
  }
  out +=
      "    # A code that begins with no partition's name is nobody's.\n"
      "    http-request return status 421 content-type application/json string '" +
      unclaimed_answer(partitions) + "' if { var(txn.code) -m found }";
  for (const Partition& partition : partitions) out += " !partition_" + partition.name;
  out += "\n";
  for (const Partition& partition : partitions) {
    out += "    use_backend partition_" + partition.name + " if partition_" + partition.name + "\n";
  }
  out +=
      "    # No code (a malformed body, an unknown path): any node answers it as it would alone.\n"
      "    default_backend partition_" +
      partitions.front().name + "\n";
  for (const Partition& partition : partitions) {
    out +=
        "\n"
        "backend partition_" +
        partition.name +
        "\n"
        "    # Only the partition's primary answers 200 to GET /v1/role: it alone gets requests.\n"
        "    option httpchk GET /v1/role\n"
        "    http-check expect status 200\n"
        "    # Checked every 500 ms; two failures take a node out, one success puts it back:\n"
        "    # a failover is followed within a second.\n"
        "    default-server inter 500ms fall 2 rise 1\n";
    for (std::size_t i = 0; i < partition.nodes.size(); ++i) {
      out += "    server " + partition.name + "_" + std::to_string(i + 1) + " " +
             partition.nodes[i] + " check\n";
    }
  }
  *config = std::move(out);
  return true;
}

}  // namespace coupond::ctl
