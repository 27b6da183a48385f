// A trivial FKVS sink for measuring the load generator: echoes every byte back. An empty-payload
// PING reply is byte-identical to its request (00 03 05 00 00), so for `fkvs-benchmark -t ping`
// this answers every request with a pre-encoded frame at the cost of one read and one write per
// received chunk, far less than any real server.
//
// With `resp` it is the same floor for `fkvs-benchmark --resp -t ping`: a RESP PING request
// (*1\r\n$4\r\nPING\r\n, 14 bytes) gets +PONG\r\n for every 14 bytes received, counted per
// connection across reads, without parsing.
//
// Usage: sink PORT [resp]   (listens on 127.0.0.1:PORT; prints "ready" once listening)
#define _GNU_SOURCE  // accept4
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kMaxEvents = 256, kBufferBytes = 1 << 16, kMaxFds = 65536 };
enum { kRespPingBytes = 14, kRespPongBytes = 7 };

// resp mode: bytes of an incomplete PING request received so far, per fd.
static size_t resp_partial[kMaxFds];

// Bytes read but not yet written back, per fd (only when the peer does not read fast enough).
static char* pending[kMaxFds];
static size_t pending_bytes[kMaxFds];

static void drop(int epfd, int fd) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(pending[fd]);
  pending[fd] = NULL;
  pending_bytes[fd] = 0;
  resp_partial[fd] = 0;
}

// Writes what is pending; returns 0 when all is out, 1 when the rest must wait, -1 on error.
static int write_pending(int fd) {
  size_t done = 0;
  while (done < pending_bytes[fd]) {
    ssize_t n = write(fd, pending[fd] + done, pending_bytes[fd] - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return -1;
      memmove(pending[fd], pending[fd] + done, pending_bytes[fd] - done);
      pending_bytes[fd] -= done;
      return 1;
    }
    done += (size_t)n;
  }
  pending_bytes[fd] = 0;
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "resp") != 0)) {
    fprintf(stderr, "usage: %s PORT [resp]\n", argv[0]);
    return 1;
  }
  int resp = argc == 3;
  // The most PONGs one read can ask for, pre-written.
  static char pongs[kBufferBytes / kRespPingBytes * kRespPongBytes + kRespPongBytes];
  for (size_t at = 0; at + kRespPongBytes <= sizeof(pongs); at += kRespPongBytes) memcpy(pongs + at, "+PONG\r\n", kRespPongBytes);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)atoi(argv[1]));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr*)&address, sizeof(address)) != 0 || listen(listener, 1024) != 0) {
    perror("sink: listen");
    return 1;
  }
  int epfd = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &event);
  printf("ready\n");
  fflush(stdout);
  static char buffer[kBufferBytes];
  struct epoll_event events[kMaxEvents];
  for (;;) {
    int count = epoll_wait(epfd, events, kMaxEvents, -1);
    for (int i = 0; i < count; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int client;
        while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (client >= kMaxFds) {
            close(client);
            continue;
          }
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          struct epoll_event ev = {.events = EPOLLIN, .data.fd = client};
          epoll_ctl(epfd, EPOLL_CTL_ADD, client, &ev);
        }
        continue;
      }
      if (pending_bytes[fd] > 0) {  // writable again
        int state = write_pending(fd);
        if (state < 0) drop(epfd, fd);
        if (state == 0) {
          struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
          epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
        }
        continue;
      }
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        drop(epfd, fd);
        continue;
      }
      const char* reply = buffer;
      if (resp) {
        size_t received = resp_partial[fd] + (size_t)n;
        resp_partial[fd] = received % kRespPingBytes;
        n = (ssize_t)(received / kRespPingBytes * kRespPongBytes);
        reply = pongs;
        if (n == 0) continue;
      }
      ssize_t written = write(fd, reply, (size_t)n);
      if (written == n) continue;
      if (written < 0 && errno != EAGAIN) {
        drop(epfd, fd);
        continue;
      }
      // The peer's receive buffer is full: keep the rest, stop reading until it is written.
      size_t left = (size_t)(n - (written < 0 ? 0 : written));
      pending[fd] = realloc(pending[fd], left);
      memcpy(pending[fd], reply + (n - left), left);
      pending_bytes[fd] = left;
      struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
      epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
  }
}
