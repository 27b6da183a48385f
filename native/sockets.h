// Socket set-up shared by both backends: listeners, outgoing sockets, addresses.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <string>

namespace fkvs {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// An IPv4 or IPv6 literal and a port; false with *error otherwise.
bool tcp_address(const std::string& host, int port, SocketAddress* address, std::string* error);
// A unix socket path (1 to 107 bytes); false with *error otherwise.
bool unix_address(const std::string& path, SocketAddress* address, std::string* error);
// A non-blocking TCP listener on an IPv4 or IPv6 literal (SO_REUSEADDR, TCP_NODELAY); fd or -1 with *error.
int open_tcp_listener(const std::string& host, int port, int backlog, std::string* error);
// The file a unix listener is bound to, to remove it at stop only while it is still that file.
struct BoundPath {
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
};
// A non-blocking unix-socket listener: creates the parent folder (one level, 0755), replaces a
// stale socket file (one nobody accepts on), refuses a live one (a connect to it succeeds), binds,
// chmod 0770. fd and *bound, or -1 with *error.
int open_unix_listener(const std::string& path, int backlog, BoundPath* bound, std::string* error);
// Removes the socket file if it is still the one bound (another server may have replaced it).
void remove_if_ours(const BoundPath& bound);
// An unconnected stream socket for the address's family, TCP_NODELAY on TCP; fd or -1 with *error.
int open_client_socket(const SocketAddress& address, bool non_blocking, std::string* error);
// TCP_NODELAY on an accepted socket (a no-op for unix sockets).
void set_no_delay(int fd);
// Keepalive probes after idle_seconds, then every third of it, 3 unanswered close: Redis's
// anetKeepAlive. For accepted TCP sockets.
void set_keepalive(int fd, int idle_seconds);

// The peer of a connected TCP socket as Redis's CLIENT LIST prints it ("ip:port", IPv6 without
// brackets); "" for a unix socket or on failure.
std::string peer_address(int fd);

// The local end of a connected socket as Redis 7.2's CLIENT LIST laddr prints it: "ip:port", or
// "path:0" for a unix socket; "" on failure.
std::string local_address(int fd);

}  // namespace fkvs
