// Listening sockets, shared by both backends.
#pragma once

#include <string>

namespace fkvs {

// A non-blocking TCP listener on an IPv4 or IPv6 literal (SO_REUSEADDR, TCP_NODELAY); fd or -1 with *error.
int open_tcp_listener(const std::string& host, int port, int backlog, std::string* error);
// A non-blocking unix-socket listener: creates the parent folder (one level, 0755), removes a
// stale socket file, binds, chmod 0770. fd or -1 with *error.
int open_unix_listener(const std::string& path, int backlog, std::string* error);
// TCP_NODELAY on an accepted socket (a no-op for unix sockets).
void set_no_delay(int fd);

}  // namespace fkvs
