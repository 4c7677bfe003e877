#include "redis_setup.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <istream>

namespace coupond::load {

const char* const redis_redeem_script = R"(
local state = redis.call('GET', KEYS[1])
if not state then return 'unknown_code' end
local op, order = ARGV[1], ARGV[2]
if op == 'validate' then
  if state == '1' then return 'valid' end
  return 'already_redeemed'
elseif op == 'redeem' then
  if state == '1' then
    redis.call('SET', KEYS[1], 'r:' .. order)
    return 'redeemed'
  end
  if state == 'r:' .. order then return 'replayed' end
  return 'already_redeemed'
end
if state == 'r:' .. order then
  redis.call('SET', KEYS[1], '1')
  return 'rolled_back'
end
return 'redemption_not_found'
)";

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string command(const std::vector<std::string>& words) {
  std::string out = "*" + std::to_string(words.size()) + "\r\n";
  for (const std::string& word : words) out += "$" + std::to_string(word.size()) + "\r\n" + word + "\r\n";
  return out;
}

// Reads one reply line ("+OK", "$40" then its data, "-ERR ..."); false on an error reply.
bool read_reply(tcp::socket& socket, asio::streambuf& buffer, std::string* value,
                std::string* error) {
  boost::system::error_code failure;
  asio::read_until(socket, buffer, "\r\n", failure);
  if (failure) {
    *error = "redis closed the connection: " + failure.message();
    return false;
  }
  std::istream stream(&buffer);
  std::string line;
  std::getline(stream, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty() || line[0] == '-') {
    *error = "redis answered: " + line;
    return false;
  }
  if (line[0] != '$') {
    *value = line.substr(1);
    return true;
  }
  asio::read_until(socket, buffer, "\r\n", failure);
  if (failure) {
    *error = "redis closed the connection: " + failure.message();
    return false;
  }
  std::getline(stream, *value);
  if (!value->empty() && value->back() == '\r') value->pop_back();
  return true;
}

}  // namespace

bool prepare_redis(const std::string& host, const std::string& port,
                   const std::vector<std::string>& codes, bool store_codes, std::string* sha,
                   std::string* error) {
  asio::io_context context;
  tcp::socket socket(context);
  boost::system::error_code failure;
  asio::connect(socket, tcp::resolver(context).resolve(host, port, failure), failure);
  if (failure) {
    *error = "cannot connect to redis at " + host + ":" + port + ": " + failure.message();
    return false;
  }
  asio::streambuf buffer;
  asio::write(socket, asio::buffer(command({"SCRIPT", "LOAD", redis_redeem_script})), failure);
  if (failure || !read_reply(socket, buffer, sha, error)) {
    if (failure) *error = "cannot write to redis: " + failure.message();
    return false;
  }
  if (!store_codes) return true;
  constexpr std::size_t pipeline_depth = 1000;
  std::string batch;
  for (std::size_t first = 0; first < codes.size(); first += pipeline_depth) {
    const std::size_t end = std::min(codes.size(), first + pipeline_depth);
    batch.clear();
    for (std::size_t i = first; i < end; ++i) batch += command({"SET", "c:" + codes[i], "1"});
    asio::write(socket, asio::buffer(batch), failure);
    if (failure) {
      *error = "cannot write to redis: " + failure.message();
      return false;
    }
    std::string ignored;
    for (std::size_t i = first; i < end; ++i) {
      if (!read_reply(socket, buffer, &ignored, error)) return false;
    }
  }
  return true;
}

}  // namespace coupond::load
