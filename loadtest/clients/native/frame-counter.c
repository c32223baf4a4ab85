// A counting WebSocket client in C for the fan-out benchmark: the same job as one worker of
// frame-counter.mjs for the targets whose protocol is "subscribe by URL, count data frames by
// their first bytes" (bare uWS, Parley). One epoll loop, no allocation per frame, no parse of
// the payload. A Node worker spends most of its user time per read in JavaScript; this one
// spends it in the kernel, so the server, not the client, is what a run measures.
//
// usage: frame-counter HOST PORT SOURCES FIRST_INDEX IN_FLIGHT READY_TIMEOUT_MS COUNT READY ERROR
//   COUNT  payload prefix of a counted text frame; "" counts every text and binary frame
//   READY  payload prefix of the frame that makes a connection ready; "" = ready once upgraded
//   ERROR  payload prefix of a frame that fails the connection; "" = none
// stdin:  one upgrade path per connection, then a line ".", then commands:
//   "s <id>" → {"type":"snapshot",...}; "q" (or end of input) → reset every socket and exit.
// stdout: JSON lines: {"type":"ready",...} once every connection is ready or failed, and the
//   snapshots — the messages frame-counter.mjs's forked workers send over IPC.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { CONNECTING, HANDSHAKE, OPEN, GONE };
enum { HEAD_MAX = 125, HANDSHAKE_MAX = 4096, STDIN_KEY = 0xffffffffu };

typedef struct {
  int fd;
  uint8_t state;
  uint8_t settled; // ready or failed
  uint8_t ready;
  uint8_t in_payload;
  uint8_t opcode;
  uint8_t header[14];
  uint8_t header_have, header_need;
  uint8_t head[HEAD_MAX];
  uint8_t head_have, head_need;
  uint64_t payload_left;
  char *path;
  char *handshake; // response bytes until the blank line, then freed
  int handshake_have;
} Conn;

static const char *host;
static int port, sources, first_index, in_flight_max;
static long ready_timeout_ms;
static const char *count_prefix, *ready_prefix, *error_prefix;
static size_t count_len, ready_len, error_len;
static size_t data_head; // bytes of a data frame's payload the classification needs: the longest prefix

static Conn *conns;
static int total, next_to_start, in_flight;
static long long frames;
static int ready_count, failed_count, open_count, closed_count;
static int announced;
static int epfd;

// Failure reasons, counted by name (the same names as frame-counter.mjs).
static struct { const char *name; int count; } reasons[32];
static int reason_kinds;
static char reason_text[32][64];

static void note(const char *why) {
  for (int i = 0; i < reason_kinds; i++)
    if (strcmp(reasons[i].name, why) == 0) { reasons[i].count++; return; }
  if (reason_kinds == 32) return;
  snprintf(reason_text[reason_kinds], sizeof reason_text[0], "%s", why);
  reasons[reason_kinds].name = reason_text[reason_kinds];
  reasons[reason_kinds++].count = 1;
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void announce_if_settled(void) {
  if (announced || ready_count + failed_count < total) return;
  announced = 1;
  printf("{\"type\":\"ready\",\"ready\":%d,\"failed\":%d,\"reasons\":{", ready_count, failed_count);
  for (int i = 0; i < reason_kinds; i++) printf("%s\"%s\":%d", i ? "," : "", reasons[i].name, reasons[i].count);
  printf("}}\n");
  fflush(stdout);
}

static void start_more(void);

static void settle(Conn *c, int ok, const char *why) {
  if (c->settled) return;
  c->settled = 1;
  in_flight--;
  if (ok) { c->ready = 1; ready_count++; }
  else { failed_count++; note(why); }
  start_more();
  announce_if_settled();
}

// Closes the connection; `why` (NULL: none) is counted as a reason, as the Node worker's fail() does.
static void drop(Conn *c, const char *why) {
  if (c->state == GONE) return;
  if (c->state == OPEN) { open_count--; closed_count++; }
  if (!c->settled) settle(c, 0, why ? why : "closed before ready");
  else if (why) note(why);
  close(c->fd);
  c->state = GONE;
  free(c->handshake);
  c->handshake = NULL;
}

static int starts_with(const Conn *c, const char *prefix, size_t len) {
  return len > 0 && c->head_have >= len && memcmp(c->head, prefix, len) == 0;
}

static void send_pong(Conn *c) {
  uint8_t out[2 + 4 + HEAD_MAX];
  uint8_t mask[4] = {0x5a, 0x13, 0xc7, 0x2e};
  out[0] = 0x80 | 0xA;
  out[1] = 0x80 | c->head_have;
  memcpy(out + 2, mask, 4);
  for (int i = 0; i < c->head_have; i++) out[6 + i] = c->head[i] ^ mask[i & 3];
  // A pong is tiny and the socket's send buffer is empty: a short write would mean it is broken.
  if (write(c->fd, out, 6 + c->head_have) != 6 + c->head_have) drop(c, "pong failed");
}

// Called once per frame when its first bytes (all of a control frame's) are here.
static void on_frame(Conn *c) {
  uint8_t op = c->opcode;
  if (op == 0x9) { send_pong(c); return; }
  if (op == 0x8) {
    char why[48] = "closed by server";
    if (c->head_have >= 2) snprintf(why, sizeof why, "closed by server %d", c->head[0] << 8 | c->head[1]);
    drop(c, why);
    return;
  }
  if (op != 0x1 && op != 0x2) return;
  if (count_len == 0) frames++;
  else if (op == 0x1 && starts_with(c, count_prefix, count_len)) frames++;
  if (!c->settled && op == 0x1) {
    if (starts_with(c, ready_prefix, ready_len)) settle(c, 1, NULL);
    else if (starts_with(c, error_prefix, error_len)) drop(c, "error frame");
  }
}

static void frames_in(Conn *c, const uint8_t *p, const uint8_t *end) {
  while (p < end && c->state == OPEN) {
    if (!c->in_payload) {
      c->header[c->header_have++] = *p++;
      if (c->header_have == 2) {
        uint8_t len7 = c->header[1] & 0x7f;
        c->header_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((c->header[1] & 0x80) ? 4 : 0);
      }
      if (c->header_have < 2 || c->header_have < c->header_need) continue;
      uint8_t len7 = c->header[1] & 0x7f;
      uint64_t len = len7;
      if (len7 == 126) len = (uint64_t)c->header[2] << 8 | c->header[3];
      else if (len7 == 127) { len = 0; for (int i = 2; i < 10; i++) len = len << 8 | c->header[i]; }
      c->opcode = c->header[0] & 0x0f;
      c->payload_left = len;
      c->head_have = 0;
      uint64_t want = c->opcode >= 8 ? HEAD_MAX : data_head;
      c->head_need = (uint8_t)(len < want ? len : want);
      c->header_have = 0;
      c->in_payload = len > 0;
      if (c->head_need == 0) on_frame(c);
      continue;
    }
    uint64_t n = (uint64_t)(end - p);
    if (n > c->payload_left) n = c->payload_left;
    if (c->head_have < c->head_need) {
      uint64_t k = c->head_need - c->head_have;
      if (k > n) k = n;
      memcpy(c->head + c->head_have, p, k);
      c->head_have += (uint8_t)k;
      if (c->head_have == c->head_need) on_frame(c);
    }
    p += n;
    c->payload_left -= n;
    if (c->payload_left == 0) c->in_payload = 0;
  }
}

static void handshake_in(Conn *c, const uint8_t *p, ssize_t n) {
  if (c->handshake_have + n > HANDSHAKE_MAX) { drop(c, "upgrade response too long"); return; }
  memcpy(c->handshake + c->handshake_have, p, n);
  c->handshake_have += n;
  char *end = memmem(c->handshake, c->handshake_have, "\r\n\r\n", 4);
  if (!end) return;
  if (c->handshake_have < 12 || memcmp(c->handshake, "HTTP/1.1 101", 12) != 0) {
    char why[40];
    snprintf(why, sizeof why, "upgrade refused: %.3s", c->handshake_have >= 12 ? c->handshake + 9 : "???");
    drop(c, why);
    return;
  }
  c->state = OPEN;
  open_count++;
  int rest_from = (int)(end + 4 - c->handshake);
  int rest = c->handshake_have - rest_from;
  uint8_t tail[HANDSHAKE_MAX];
  memcpy(tail, c->handshake + rest_from, rest);
  free(c->handshake);
  c->handshake = NULL;
  if (ready_len == 0) settle(c, 1, NULL);
  frames_in(c, tail, tail + rest);
}

static void start_connection(int k) {
  Conn *c = &conns[k];
  int index = first_index + k;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  c->handshake = malloc(HANDSHAKE_MAX);
  if (c->fd < 0 || !c->handshake) { c->state = GONE; settle(c, 0, c->fd < 0 ? "socket failed" : "out of memory"); return; }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (sources > 0) {
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = 0};
    from.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(index % sources));
    if (bind(c->fd, (struct sockaddr *)&from, sizeof from) != 0) { drop(c, "bind failed"); return; }
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &to.sin_addr);
  if (connect(c->fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS) {
    drop(c, errno == ECONNREFUSED ? "ECONNREFUSED" : "connect failed");
    return;
  }
  c->state = CONNECTING;
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)k};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void start_more(void) {
  while (in_flight < in_flight_max && next_to_start < total) {
    in_flight++;
    start_connection(next_to_start++);
  }
}

static void on_writable(Conn *c, uint32_t k) {
  int error = 0;
  socklen_t len = sizeof error;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) { drop(c, error == ECONNREFUSED ? "ECONNREFUSED" : "connect failed"); return; }
  char request[2048];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   c->path, host, port);
  if (n >= (int)sizeof request || write(c->fd, request, n) != n) { drop(c, "upgrade request failed"); return; }
  c->state = HANDSHAKE;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = k};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static uint8_t read_buffer[256 * 1024];

static void on_readable(Conn *c) {
  ssize_t n = read(c->fd, read_buffer, sizeof read_buffer);
  if (n > 0) {
    if (c->state == HANDSHAKE) handshake_in(c, read_buffer, n);
    else if (c->state == OPEN) frames_in(c, read_buffer, read_buffer + n);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  drop(c, NULL);
}

static void reset_all_and_exit(void) {
  struct linger hard = {.l_onoff = 1, .l_linger = 0}; // RST: no TIME_WAIT holding source ports
  for (int k = 0; k < next_to_start; k++) {
    if (conns[k].state == GONE) continue;
    setsockopt(conns[k].fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(conns[k].fd);
  }
  exit(0);
}

static char command[256];
static int command_have;

static void run_commands(void) {
  char *line;
  while ((line = memchr(command, '\n', command_have)) != NULL) {
    *line = 0;
    if (command[0] == 'q') reset_all_and_exit();
    if (command[0] == 's') {
      struct rusage use;
      getrusage(RUSAGE_SELF, &use);
      long long cpu = (long long)(use.ru_utime.tv_sec + use.ru_stime.tv_sec) * 1000000LL + use.ru_utime.tv_usec + use.ru_stime.tv_usec;
      printf("{\"type\":\"snapshot\",\"requestId\":%s,\"frames\":%lld,\"cpuMicros\":%lld,\"open\":%d,\"closed\":%d,\"ready\":%d}\n",
             command + 2, frames, cpu, open_count, closed_count, ready_count);
      fflush(stdout);
    }
    int used = (int)(line - command) + 1;
    memmove(command, command + used, command_have - used);
    command_have -= used;
  }
  if (command_have == sizeof command - 1) command_have = 0; // a line too long to be a command
}

static void on_command_input(void) {
  ssize_t n = read(0, command + command_have, sizeof command - 1 - command_have);
  if (n <= 0) reset_all_and_exit();
  command_have += (int)n;
  run_commands();
}

// Paths are read with read(2), not stdio: the command lines after "." must not wait in a buffer.
static void read_paths(void) {
  int capacity = 1024;
  conns = calloc(capacity, sizeof *conns);
  static char buffer[64 * 1024];
  int have = 0;
  for (;;) {
    char *newline;
    while ((newline = memchr(buffer, '\n', have)) != NULL) {
      *newline = 0;
      if (newline > buffer && newline[-1] == '\r') newline[-1] = 0;
      int used = (int)(newline - buffer) + 1;
      if (strcmp(buffer, ".") == 0) {
        command_have = have - used < (int)sizeof command - 1 ? have - used : (int)sizeof command - 1;
        memcpy(command, newline + 1, command_have);
        return;
      }
      if (total == capacity) {
        capacity *= 2;
        conns = realloc(conns, capacity * sizeof *conns);
        memset(conns + total, 0, (capacity - total) * sizeof *conns);
      }
      conns[total++].path = strdup(buffer);
      memmove(buffer, buffer + used, have - used);
      have -= used;
    }
    if (have == (int)sizeof buffer) { fprintf(stderr, "frame-counter: a path longer than %zu bytes\n", sizeof buffer); exit(2); }
    ssize_t n = read(0, buffer + have, sizeof buffer - have);
    if (n <= 0) exit(n == 0 ? 0 : 1);
    have += (int)n;
  }
}

int main(int argc, char **argv) {
  if (argc != 10) {
    fprintf(stderr, "usage: %s HOST PORT SOURCES FIRST_INDEX IN_FLIGHT READY_TIMEOUT_MS COUNT READY ERROR\n", argv[0]);
    return 2;
  }
  host = argv[1];
  port = atoi(argv[2]);
  sources = atoi(argv[3]);
  first_index = atoi(argv[4]);
  in_flight_max = atoi(argv[5]);
  ready_timeout_ms = atol(argv[6]);
  count_prefix = argv[7], count_len = strlen(count_prefix);
  ready_prefix = argv[8], ready_len = strlen(ready_prefix);
  error_prefix = argv[9], error_len = strlen(error_prefix);
  data_head = count_len > ready_len ? count_len : ready_len;
  if (error_len > data_head) data_head = error_len;
  if (data_head > HEAD_MAX) {
    fprintf(stderr, "frame-counter: a prefix longer than %d bytes\n", HEAD_MAX);
    return 2;
  }

  struct rlimit files;
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  read_paths();
  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = STDIN_KEY};
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev);
  long deadline = now_ms() + ready_timeout_ms;
  start_more();
  announce_if_settled();
  run_commands();

  struct epoll_event events[1024];
  for (;;) {
    int n = epoll_wait(epfd, events, 1024, announced ? -1 : 100);
    for (int i = 0; i < n; i++) {
      uint32_t k = events[i].data.u32;
      if (k == STDIN_KEY) { on_command_input(); continue; }
      Conn *c = &conns[k];
      if (c->state == GONE) continue;
      if (c->state == CONNECTING && (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) on_writable(c, k);
      else if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
    }
    if (!announced && now_ms() > deadline) {
      for (int k = 0; k < next_to_start; k++)
        if (!conns[k].settled) drop(&conns[k], "ready timeout");
      for (; next_to_start < total; next_to_start++) {
        conns[next_to_start].state = GONE;
        conns[next_to_start].settled = 1;
        failed_count++;
        note("not started (timeout)");
      }
      announce_if_settled();
    }
  }
}
