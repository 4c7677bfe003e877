// A data-port connection, made for many small requests: nginx's shape on Asio. It reads into a
// buffer of its own, parses every whole request the read brought (pipelined ones too) with a
// parser reused in place, has each answered into one answer object it lends the handler, gathers
// the answers' heads and bodies into one buffer and writes them with one call, once every answer
// among them that waits for the journal may leave. Deadlines are checked by the I/O thread's
// sweep, not by a timer per read. Nothing is allocated per request once the connection's buffers
// have grown to its requests' size. Plain TCP only (the admin port's session does TLS and
// streamed bodies). Private to src/http.
#pragma once

#include <memory>

#include "http/connection.h"

namespace coupond::http {

class IoThread;

// Starts serving socket (accepted for thread's context) from thread: reads requests, or, when
// over_limit, answers 503 and closes.
void start_data_session(std::shared_ptr<Shared> shared, IoThread& thread, Socket socket,
                        bool over_limit);

}  // namespace coupond::http
