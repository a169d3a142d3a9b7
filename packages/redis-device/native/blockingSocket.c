/*
 * blockingSocket.c: a TCP (optionally TLS) client socket driven synchronously from the
 * calling JavaScript thread, for the Redis device's data path.
 *
 * Why an addon: a swap BlockDevice's calls must return their result synchronously. Through
 * ioredis in a worker thread and a synchronous bridge the device reached 0.2-0.4x of
 * `redis-benchmark -c 1 -P 16`; blocking socket I/O from the calling thread, with the RESP
 * framing in JavaScript, reached about 1x. Node has no synchronous socket API, hence this.
 *
 * Exports (all synchronous; every argument is checked before any system call):
 *   connect(host, port, timeoutMs, tls | null) -> handle   (an external; GC closes it)
 *   send(handle, bytes, length, timeoutMs)                 all of bytes[0, length)
 *   recv(handle, bytes, offset, timeoutMs) -> n >= 1       into bytes[offset, bytes.length)
 *   close(handle)                                          idempotent
 * Failures throw an Error whose string `code` is ENOTFOUND, ECONNREFUSED, ETIMEDOUT,
 * ECONNRESET, EPIPE, EOF, TLS, ECLOSED, EINVAL or another errno name, and whose message
 * names the call and host:port.
 *
 * The socket is non-blocking and every wait is a poll(2) against one deadline per call, so
 * a stalled server costs at most timeoutMs, never a hung process.
 *
 * TLS: Node's binary links OpenSSL statically and exports its symbols for addons, so this
 * compiles against Node's own OpenSSL headers and links no libssl: the symbols resolve
 * from the node process when the addon is loaded, and the TLS library is the one Node
 * ships. OpenSSL's error queue is per thread and shared with Node's crypto, so it is
 * cleared before and after every TLS operation here.
 *
 * Beside this file: socketArgs.h (errors and argument checks), tlsContext.h (the `tls`
 * argument and the OpenSSL context built from it).
 */

/* First: socketArgs.h defines _GNU_SOURCE, which must precede every system header. */
#include "socketArgs.h"
#include "tlsContext.h"
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Marks externals made here, so a foreign object passed as a handle is refused, not read. */
static const napi_type_tag HANDLE_TAG = {0x7469657273776170ULL, 0x736f636b65743031ULL};

typedef struct {
  int fd;       /* -1 once closed */
  SSL *ssl;     /* NULL for plain TCP */
  int tls_up;   /* handshake done and no fatal TLS error since: close_notify may be sent */
  char where[MAX_HOST + 10]; /* "host:port" ([host]:port for IPv6), for error messages */
} sock_t;

/* ---- deadlines ---- */

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Wait until fd is ready for `events` or the deadline passes: 1 ready (including error
 * or hangup, which the next I/O call reports), 0 timed out, -1 with errno. The remaining
 * time is recomputed after every wake, so signals (EINTR) do not stretch the deadline.
 */
static int wait_fd(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
    if (r > 0) return 1;
    if (r < 0 && errno != EINTR) return -1;
  }
}

/* ---- arguments ---- */

/* The handle's socket, or NULL after throwing EINVAL (not ours) or ECLOSED. */
static sock_t *get_sock(napi_env env, napi_value v, const char *call, int open_only) {
  napi_valuetype t;
  bool ours = false;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, v, &HANDLE_TAG, &ours) != napi_ok || !ours ||
      napi_get_value_external(env, v, &data) != napi_ok) {
    throw_code(env, "EINVAL", "%s: not a handle returned by connect", call);
    return NULL;
  }
  sock_t *s = data;
  if (open_only && s->fd < 0) {
    throw_code(env, "ECLOSED", "%s %s: the socket is closed", call, s->where);
    return NULL;
  }
  return s;
}

/* ---- connect ---- */

/* Connect one address before the deadline: the fd, or -1 with errno (ETIMEDOUT when late). */
static int connect_one(const struct addrinfo *ai, int64_t deadline) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return -1;
  int err = 0;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      err = errno;
    } else {
      int r = wait_fd(fd, POLLOUT, deadline);
      socklen_t len = sizeof err;
      if (r == 0) err = ETIMEDOUT;
      else if (r < 0) err = errno;
      else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
  }
  if (err != 0) {
    close(fd);
    errno = err;
    return -1;
  }
  /* Requests are small and latency-bound: no Nagle delay. Keepalive finds a dead peer. */
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  return fd;
}

/*
 * Drive an SSL_connect / SSL_read / SSL_write step that returned r <= 0: wait for what
 * OpenSSL wants and return 1 to retry it, 0 after the deadline, -1 for anything else
 * (the SSL error in *ssl_err).
 */
static int ssl_wait(sock_t *s, int r, int64_t deadline, int *ssl_err) {
  *ssl_err = SSL_get_error(s->ssl, r);
  if (*ssl_err == SSL_ERROR_WANT_READ) return wait_fd(s->fd, POLLIN, deadline);
  if (*ssl_err == SSL_ERROR_WANT_WRITE) return wait_fd(s->fd, POLLOUT, deadline);
  return -1;
}

/* Throw for a failed TLS step: the errno of a system-call failure, else TLS or EOF. */
static void throw_ssl(napi_env env, const char *what, sock_t *s, int ssl_err, int saved_errno) {
  char why[256];
  s->tls_up = 0;
  unsigned long e = ERR_peek_error();
  if (ssl_err == SSL_ERROR_ZERO_RETURN ||
      (ssl_err == SSL_ERROR_SYSCALL && e == 0 && saved_errno == 0) ||
      (ssl_err == SSL_ERROR_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
    ERR_clear_error();
    throw_code(env, "EOF", "%s %s: the server closed the connection", what, s->where);
  } else if (ssl_err == SSL_ERROR_SYSCALL && e == 0) {
    throw_errno(env, what, s->where, saved_errno);
  } else {
    ssl_reason(why, sizeof why);
    long v = SSL_get_verify_result(s->ssl);
    if (v != X509_V_OK)
      throw_code(env, "TLS", "%s %s: %s: %s", what, s->where, why,
                 X509_verify_cert_error_string(v));
    else
      throw_code(env, "TLS", "%s %s: %s", what, s->where, why);
  }
}

/* Close the socket: best-effort close_notify (never waited for), then close(2). */
static void sock_close(sock_t *s) {
  if (s->ssl != NULL) {
    ERR_clear_error();
    /* OpenSSL forbids SSL_shutdown after a fatal error; one call sends close_notify and
       does not wait for the server's. */
    if (s->fd >= 0 && s->tls_up) SSL_shutdown(s->ssl);
    SSL_free(s->ssl);
    ERR_clear_error();
    s->ssl = NULL;
  }
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
}

static void finalize_sock(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sock_close(data);
  free(data);
}

/* Handshake on s->fd before the deadline; 0 after throwing. */
static int handshake(napi_env env, sock_t *s, SSL_CTX *ctx, const char *host,
                     const tls_opts_t *o, int64_t deadline, int64_t timeout) {
  const char *name = o->servername != NULL ? o->servername : host;
  int ip = is_ip_literal(name), ssl_err = 0, ok = 1;
  s->ssl = SSL_new(ctx);
  if (s->ssl == NULL || SSL_set_fd(s->ssl, s->fd) != 1) ok = 0;
  /* SNI carries DNS names only (RFC 6066); an IP literal is verified against IP SANs. */
  if (ok && !ip) ok = SSL_set_tlsext_host_name(s->ssl, name) == 1;
  if (ok && o->reject_unauthorized)
    ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), name) == 1
            : SSL_set1_host(s->ssl, name) == 1;
  if (!ok) {
    char why[256];
    ssl_reason(why, sizeof why);
    throw_code(env, "TLS", "connect %s: cannot set up TLS for %s (%s)", s->where, name, why);
    return 0;
  }
  for (;;) {
    ERR_clear_error();
    int r = SSL_connect(s->ssl);
    if (r == 1) {
      s->tls_up = 1;
      return 1;
    }
    int saved = errno;
    int w = ssl_wait(s, r, deadline, &ssl_err);
    if (w == 0) {
      ERR_clear_error();
      throw_code(env, "ETIMEDOUT", "connect %s: TLS handshake timed out after %lld ms",
                 s->where, (long long)timeout);
      return 0;
    }
    if (w < 0) {
      if (ssl_err == SSL_ERROR_WANT_READ || ssl_err == SSL_ERROR_WANT_WRITE)
        throw_errno(env, "connect (poll)", s->where, errno);
      else
        throw_ssl(env, "TLS handshake with", s, ssl_err, saved);
      return 0;
    }
  }
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char host[MAX_HOST + 1], port_s[8];
  size_t host_len = 0;
  int64_t port, timeout;
  napi_valuetype t;
  tls_opts_t o = {0};
  if (!get_args(env, info, 4, argv, "connect(host, port, timeoutMs, tls)")) return NULL;
  if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &host_len) != napi_ok || host_len == 0 ||
      host_len > MAX_HOST) {
    throw_code(env, "EINVAL", "connect: host must be a string of 1..%d bytes", MAX_HOST);
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len);
  if (strlen(host) != host_len) {
    throw_code(env, "EINVAL", "connect: host contains a NUL character");
    return NULL;
  }
  if (!get_int(env, argv[1], "connect", "port", 1, 65535, &port) ||
      !get_int(env, argv[2], "connect", "timeoutMs", 1, MAX_TIMEOUT, &timeout))
    return NULL;
  int use_tls = napi_typeof(env, argv[3], &t) == napi_ok && t != napi_null;
  SSL_CTX *ctx = NULL;
  if (use_tls) {
    ERR_clear_error();
    if (!get_tls_opts(env, argv[3], &o) || (ctx = make_ctx(env, &o)) == NULL) {
      free_opts(&o);
      return NULL;
    }
  }

  sock_t *s = calloc(1, sizeof *s);
  napi_value handle = NULL;
  if (s == NULL) {
    throw_code(env, "ENOMEM", "connect: out of memory");
    goto done;
  }
  s->fd = -1;
  snprintf(port_s, sizeof port_s, "%d", (int)port);
  /* [::1]:6379, as an IPv6 literal's own colons would make "::1:6379" ambiguous. */
  snprintf(s->where, sizeof s->where, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port_s);
  const int64_t deadline = now_ms() + timeout;

  /* No AI_ADDRCONFIG: it hides 127.0.0.1 / ::1 on hosts whose only interface is lo. The
     resolver has no deadline of its own here; resolv.conf's timeouts bound it. */
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
  struct addrinfo *list = NULL;
  int gai = getaddrinfo(host, port_s, &hints, &list);
  if (gai != 0) {
    throw_code(env, "ENOTFOUND", "connect %s: cannot resolve %s: %s", s->where, host,
               gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
    goto done;
  }
  /* Every address in turn, within the one deadline; the last failure is reported. */
  int err = ETIMEDOUT;
  for (struct addrinfo *ai = list; ai != NULL && s->fd < 0; ai = ai->ai_next) {
    if (now_ms() >= deadline) break;
    s->fd = connect_one(ai, deadline);
    if (s->fd < 0) err = errno;
  }
  freeaddrinfo(list);
  if (s->fd < 0) {
    if (err == ETIMEDOUT)
      throw_code(env, "ETIMEDOUT", "connect %s: timed out after %lld ms", s->where,
                 (long long)timeout);
    else
      throw_errno(env, "connect", s->where, err);
    goto done;
  }
  if (use_tls && !handshake(env, s, ctx, host, &o, deadline, timeout)) goto done;
  if (napi_create_external(env, s, finalize_sock, NULL, &handle) != napi_ok) {
    handle = NULL;
    throw_code(env, "ENOMEM", "connect %s: cannot create a handle", s->where);
    goto done;
  }
  sock_t *owned = s;
  s = NULL; /* the external owns it now: its finalizer frees it */
  if (napi_type_tag_object(env, handle, &HANDLE_TAG) != napi_ok) {
    sock_close(owned);
    handle = NULL;
    throw_code(env, "ENOMEM", "connect %s: cannot tag the handle", owned->where);
  }
done:
  if (s != NULL) finalize_sock(env, s, NULL);
  SSL_CTX_free(ctx); /* the SSL keeps its own reference */
  free_opts(&o);
  return handle;
}

/* ---- send, recv, close ---- */

static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  uint8_t *data;
  size_t cap;
  int64_t length, timeout;
  if (!get_args(env, info, 4, argv, "send(handle, bytes, length, timeoutMs)")) return NULL;
  sock_t *s = get_sock(env, argv[0], "send", 0);
  if (s == NULL || !get_bytes(env, argv[1], "send", &data, &cap) ||
      !get_int(env, argv[2], "send", "length", 0, (double)cap, &length) ||
      !get_int(env, argv[3], "send", "timeoutMs", 1, MAX_TIMEOUT, &timeout) ||
      get_sock(env, argv[0], "send", 1) == NULL)
    return NULL;
  const int64_t deadline = now_ms() + timeout;
  size_t done = 0;
  while (done < (size_t)length) {
    size_t n = (size_t)length - done;
    int w;
    if (s->ssl != NULL) {
      int ssl_err;
      ERR_clear_error();
      if (n > INT32_MAX) n = INT32_MAX;
      int r = SSL_write(s->ssl, data + done, (int)n);
      if (r > 0) {
        done += (size_t)r;
        continue;
      }
      int saved = errno;
      w = ssl_wait(s, r, deadline, &ssl_err);
      if (w < 0 && ssl_err != SSL_ERROR_WANT_READ && ssl_err != SSL_ERROR_WANT_WRITE) {
        throw_ssl(env, "send to", s, ssl_err, saved);
        return NULL;
      }
    } else {
      /* MSG_NOSIGNAL: a reset peer is an EPIPE error here, not a SIGPIPE to the process. */
      ssize_t r = send(s->fd, data + done, n, MSG_NOSIGNAL);
      if (r >= 0) {
        done += (size_t)r;
        continue;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        throw_errno(env, "send to", s->where, errno);
        return NULL;
      }
      w = wait_fd(s->fd, POLLOUT, deadline);
    }
    if (w == 0) {
      throw_code(env, "ETIMEDOUT", "send to %s: timed out after %lld ms with %zu of %lld bytes sent",
                 s->where, (long long)timeout, done, (long long)length);
      return NULL;
    }
    if (w < 0) {
      throw_errno(env, "send to (poll)", s->where, errno);
      return NULL;
    }
  }
  return NULL;
}

static napi_value js_recv(napi_env env, napi_callback_info info) {
  napi_value argv[4], out;
  uint8_t *data;
  size_t cap;
  int64_t offset, timeout;
  if (!get_args(env, info, 4, argv, "recv(handle, bytes, offset, timeoutMs)")) return NULL;
  sock_t *s = get_sock(env, argv[0], "recv", 0);
  if (s == NULL || !get_bytes(env, argv[1], "recv", &data, &cap)) return NULL;
  if (cap == 0) {
    throw_code(env, "EINVAL", "recv: bytes is empty, there is no room to read into");
    return NULL;
  }
  if (!get_int(env, argv[2], "recv", "offset", 0, (double)cap - 1, &offset) ||
      !get_int(env, argv[3], "recv", "timeoutMs", 1, MAX_TIMEOUT, &timeout) ||
      get_sock(env, argv[0], "recv", 1) == NULL)
    return NULL;
  const int64_t deadline = now_ms() + timeout;
  size_t room = cap - (size_t)offset;
  int64_t got = -1;
  if (s->ssl != NULL) {
    if (room > INT32_MAX) room = INT32_MAX;
    /* Bytes OpenSSL already decrypted are invisible to poll(2): read them without waiting.
       Read-ahead is off, so anything else still sits in the kernel where poll sees it. */
    short want = SSL_pending(s->ssl) > 0 ? 0 : POLLIN;
    for (;;) {
      int ssl_err;
      if (want != 0) {
        int w = wait_fd(s->fd, want, deadline);
        if (w == 0) break;
        if (w < 0) {
          throw_errno(env, "recv from (poll)", s->where, errno);
          return NULL;
        }
      }
      ERR_clear_error();
      int r = SSL_read(s->ssl, data + offset, (int)room);
      if (r > 0) {
        got = r;
        break;
      }
      int saved = errno;
      ssl_err = SSL_get_error(s->ssl, r);
      /* WANT_WRITE: a key update or renegotiation must send before it can read. */
      if (ssl_err == SSL_ERROR_WANT_READ) want = POLLIN;
      else if (ssl_err == SSL_ERROR_WANT_WRITE) want = POLLOUT;
      else {
        throw_ssl(env, "recv from", s, ssl_err, saved);
        return NULL;
      }
    }
  } else {
    for (;;) {
      /* Poll first: after a send the reply is usually not there yet, so an eager recv(2)
         would mostly cost a wasted EAGAIN. */
      int w = wait_fd(s->fd, POLLIN, deadline);
      if (w == 0) break;
      if (w < 0) {
        throw_errno(env, "recv from (poll)", s->where, errno);
        return NULL;
      }
      ssize_t r = recv(s->fd, data + offset, room, 0);
      if (r > 0) {
        got = r;
        break;
      }
      if (r == 0) {
        throw_code(env, "EOF", "recv from %s: the server closed the connection", s->where);
        return NULL;
      }
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        throw_errno(env, "recv from", s->where, errno);
        return NULL;
      }
    }
  }
  if (got < 0) {
    throw_code(env, "ETIMEDOUT", "recv from %s: no data within %lld ms", s->where,
               (long long)timeout);
    return NULL;
  }
  napi_create_int64(env, got, &out);
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "close(handle)")) return NULL;
  sock_t *s = get_sock(env, argv[0], "close", 0);
  if (s != NULL) sock_close(s);
  return NULL;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"connect", js_connect}, {"send", js_send}, {"recv", js_recv}, {"close", js_close}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok)
      return NULL;
  }
  return exports;
}
