#include "sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fkvs {

static std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool tcp_address(const std::string& host, int port, SocketAddress* address, std::string* error) {
  *address = SocketAddress{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address->storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address->storage);
  if (port < 0 || port > 65535) {
    *error = "port " + std::to_string(port) + " is not 0 to 65535";
    return false;
  }
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    address->length = sizeof(*v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    address->length = sizeof(*v6);
  } else {
    *error = "address '" + host + "' is not an IPv4 or IPv6 literal";
    return false;
  }
  return true;
}

bool unix_address(const std::string& path, SocketAddress* address, std::string* error) {
  *address = SocketAddress{};
  auto* un = reinterpret_cast<sockaddr_un*>(&address->storage);
  if (path.empty() || path.size() >= sizeof(un->sun_path)) {
    *error = "unix socket path must be 1 to " + std::to_string(sizeof(un->sun_path) - 1) + " bytes";
    return false;
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.c_str(), path.size());
  address->length = sizeof(sockaddr_un);
  return true;
}

int open_tcp_listener(const std::string& host, int port, int backlog, std::string* error) {
  SocketAddress address;
  if (!tcp_address(host, port, &address, error)) {
    *error = "bind " + *error;
    return -1;
  }
  int fd = socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = errno_text("socket");
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (bind(fd, address.get(), address.length) < 0) {
    *error = errno_text("bind " + host + ":" + std::to_string(port));
    close(fd);
    return -1;
  }
  if (listen(fd, backlog) < 0) {
    *error = errno_text("listen");
    close(fd);
    return -1;
  }
  return fd;
}

// Whether a server accepts on the unix socket at path: a connect succeeds (or waits on a full
// backlog). ECONNREFUSED: the file is left from a server that is gone.
static bool unix_socket_live(const SocketAddress& address) {
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  int result = connect(probe, address.get(), address.length);
  bool live = result == 0 || errno == EAGAIN || errno == EINPROGRESS;
  close(probe);
  return live;
}

int open_unix_listener(const std::string& path, int backlog, BoundPath* bound, std::string* error) {
  SocketAddress address;
  if (!unix_address(path, &address, error)) return -1;
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string folder = path.substr(0, slash);
    if (mkdir(folder.c_str(), 0755) < 0 && errno != EEXIST) {
      *error = errno_text("mkdir " + folder);
      return -1;
    }
  }
  struct stat existing {};
  if (lstat(path.c_str(), &existing) == 0 && S_ISSOCK(existing.st_mode)) {
    if (unix_socket_live(address)) {
      *error = "unix socket " + path + " is in use by a running server (a connect to it succeeded)";
      return -1;
    }
    unlink(path.c_str());
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = errno_text("socket");
    return -1;
  }
  if (bind(fd, address.get(), address.length) < 0) {
    *error = errno_text("bind " + path);
    close(fd);
    return -1;
  }
  chmod(path.c_str(), 0770);
  struct stat mine {};
  if (listen(fd, backlog) < 0 || stat(path.c_str(), &mine) < 0) {
    *error = errno_text("listen");
    close(fd);
    unlink(path.c_str());
    return -1;
  }
  *bound = BoundPath{path, mine.st_dev, mine.st_ino};
  return fd;
}

void remove_if_ours(const BoundPath& bound) {
  struct stat now {};
  if (lstat(bound.path.c_str(), &now) == 0 && now.st_dev == bound.device && now.st_ino == bound.inode) {
    unlink(bound.path.c_str());
  }
}

int open_client_socket(const SocketAddress& address, bool non_blocking, std::string* error) {
  int fd = socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) {
    *error = errno_text("socket");
    return -1;
  }
  set_no_delay(fd);
  return fd;
}

void set_keepalive(int fd, int idle_seconds) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  int interval = idle_seconds / 3 > 0 ? idle_seconds / 3 : 1;
  int probes = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_seconds, sizeof(idle_seconds));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
}

void set_no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// "ip:port" of an IPv4 or IPv6 address; "" for any other family.
static std::string ip_port_text(const sockaddr_storage& storage) {
  char text[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (storage.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
  } else if (storage.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
  } else {
    return "";
  }
  return std::string(text) + ":" + std::to_string(port);
}

std::string peer_address(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return "";
  return ip_port_text(storage);
}

std::string local_address(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return "";
  if (storage.ss_family == AF_UNIX) {
    const auto* unix_address = reinterpret_cast<const sockaddr_un*>(&storage);
    return std::string(unix_address->sun_path, strnlen(unix_address->sun_path, sizeof(unix_address->sun_path))) +
           ":0";
  }
  return ip_port_text(storage);
}

}  // namespace fkvs
