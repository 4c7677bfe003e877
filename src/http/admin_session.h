// The admin port's connection (TLS or plain TCP, streamed bodies and answers): see
// admin_session.cpp. Private to src/http.
#pragma once

#include <memory>

#include "http/connection.h"

namespace coupond::http {

class IoThread;

// Starts serving socket (accepted for thread's context) from thread, over TLS when the listener
// has a TLS context: reads requests, or, when over_limit, answers 503 and closes.
void start_admin_session(std::shared_ptr<Shared> shared, IoThread& thread, Socket socket,
                         bool over_limit);

}  // namespace coupond::http
