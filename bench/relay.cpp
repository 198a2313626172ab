// bench-relay: a zero-work TCP relay, the lower bound of any proxy.
//
//   bench-relay --upstream 127.0.0.1:PORT [--port 0]
//
// Single-threaded, level-triggered epoll. Listens on 127.0.0.1, prints
// "LISTENING http://127.0.0.1:PORT" as its first stdout line, and for each
// client opens one connection to the upstream and copies bytes both ways
// without looking at them. SIGTERM/SIGINT end it cleanly (exit code 0), so
// that tools such as callgrind write their totals.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

namespace {

constexpr size_t kBufSize = 64 * 1024;

// One direction of a relayed connection: bytes read from `from`, not yet
// written to `to`.
struct Pipe {
  int from = -1;
  int to = -1;
  char buf[kBufSize];
  size_t begin = 0, end = 0;
  bool eof = false;       // `from` reached end of stream
  bool shut = false;      // shutdown(to, SHUT_WR) done
};

struct Conn {
  int client = -1;
  int upstream = -1;
  bool connected = false;  // upstream connect() completed
  Pipe up;                 // client -> upstream
  Pipe down;               // upstream -> client
};

int g_epoll = -1;
sockaddr_in g_upstream{};
std::unordered_map<int, Conn*> g_by_fd;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench-relay: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Interest of fd: it is read from by the pipe where it is `from`, written by
// the pipe where it is `to`.
uint32_t interest(const Conn& c, int fd) {
  uint32_t ev = 0;
  const Pipe& rd = fd == c.client ? c.up : c.down;    // pipe reading fd
  const Pipe& wr = fd == c.client ? c.down : c.up;    // pipe writing fd
  bool ready = fd == c.client || c.connected;
  if (!ready) return EPOLLOUT;                          // waiting for connect
  if (!rd.eof && rd.end == rd.begin && (fd == c.client ? c.connected : true)) ev |= EPOLLIN;
  if (wr.end > wr.begin) ev |= EPOLLOUT;
  return ev;
}

void update(Conn& c) {
  for (int fd : {c.client, c.upstream}) {
    epoll_event e{};
    e.events = interest(c, fd);
    e.data.fd = fd;
    epoll_ctl(g_epoll, EPOLL_CTL_MOD, fd, &e);
  }
}

void close_conn(Conn* c) {
  for (int fd : {c->client, c->upstream}) {
    g_by_fd.erase(fd);
    epoll_ctl(g_epoll, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
  }
  delete c;
}

bool finished(const Pipe& p) { return p.eof && p.begin == p.end; }

// Move bytes along one pipe as far as possible. Returns false on a hard error.
bool pump(Pipe& p) {
  for (;;) {
    if (p.end > p.begin) {
      ssize_t n = send(p.to, p.buf + p.begin, p.end - p.begin, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return true;
        return false;
      }
      p.begin += size_t(n);
      if (p.begin < p.end) return true;
      p.begin = p.end = 0;
    }
    if (p.eof) break;
    ssize_t n = recv(p.from, p.buf, kBufSize, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return true;
      return false;
    }
    if (n == 0) {
      p.eof = true;
      break;
    }
    p.end = size_t(n);
  }
  if (finished(p) && !p.shut) {
    shutdown(p.to, SHUT_WR);
    p.shut = true;
  }
  return true;
}

void on_accept(int lfd) {
  for (;;) {
    int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
      if (errno == EMFILE || errno == ENFILE) return;
      die("accept");
    }
    int ufd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ufd < 0) {
      close(cfd);
      continue;
    }
    set_nodelay(cfd);
    set_nodelay(ufd);
    auto* c = new Conn;
    c->client = cfd;
    c->upstream = ufd;
    c->up.from = cfd, c->up.to = ufd;
    c->down.from = ufd, c->down.to = cfd;
    int r = connect(ufd, reinterpret_cast<sockaddr*>(&g_upstream), sizeof g_upstream);
    if (r == 0) c->connected = true;
    else if (errno != EINPROGRESS) {
      close(cfd), close(ufd);
      delete c;
      continue;
    }
    g_by_fd[cfd] = c;
    g_by_fd[ufd] = c;
    for (int fd : {cfd, ufd}) {
      epoll_event e{};
      e.events = interest(*c, fd);
      e.data.fd = fd;
      epoll_ctl(g_epoll, EPOLL_CTL_ADD, fd, &e);
    }
  }
}

void on_event(int fd, uint32_t events) {
  auto it = g_by_fd.find(fd);
  if (it == g_by_fd.end()) return;
  Conn* c = it->second;
  if (fd == c->upstream && !c->connected) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close_conn(c);
      return;
    }
    c->connected = true;
  }
  if (!c->connected) return;
  if (!pump(c->up) || !pump(c->down)) {
    close_conn(c);
    return;
  }
  // Both directions ended, or one side hung up with nothing left to say.
  if ((finished(c->up) && finished(c->down)) || (events & (EPOLLERR)) ||
      ((events & EPOLLHUP) && finished(fd == c->client ? c->up : c->down))) {
    close_conn(c);
    return;
  }
  update(*c);
}

bool parse_hostport(const char* s, sockaddr_in& out) {
  std::string v = s;
  if (v.rfind("http://", 0) == 0) v = v.substr(7);
  auto slash = v.find('/');
  if (slash != std::string::npos) v = v.substr(0, slash);
  auto colon = v.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = v.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  out.sin_family = AF_INET;
  out.sin_port = htons(uint16_t(std::atoi(v.c_str() + colon + 1)));
  return inet_pton(AF_INET, host.c_str(), &out.sin_addr) == 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* upstream = nullptr;
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--upstream" && i + 1 < argc) upstream = argv[++i];
    else if (a == "--port" && i + 1 < argc) port = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench-relay --upstream HOST:PORT [--port N]\n");
      return 2;
    }
  }
  if (!upstream || !parse_hostport(upstream, g_upstream)) {
    std::fprintf(stderr, "usage: bench-relay --upstream HOST:PORT [--port N]\n");
    return 2;
  }

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
  if (listen(lfd, 1024) < 0) die("listen");
  socklen_t len = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);

  g_epoll = epoll_create1(EPOLL_CLOEXEC);
  if (g_epoll < 0) die("epoll_create1");
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.fd = lfd;
  epoll_ctl(g_epoll, EPOLL_CTL_ADD, lfd, &e);
  e.data.fd = sfd;
  epoll_ctl(g_epoll, EPOLL_CTL_ADD, sfd, &e);

  std::printf("LISTENING http://127.0.0.1:%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(g_epoll, events, 256, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) on_accept(lfd);
      else if (fd == sfd) {
        close(lfd);
        return 0;
      } else on_event(fd, events[i].events);
    }
  }
}
