/*
 * socketArgs.h: how blockingSocket.c throws its errors and reads its arguments. Every
 * error is an Error with a string `code` (napi_throw_error's code), and every argument is
 * checked here before the call makes any system call: a bad one throws EINVAL naming
 * the argument and the value, and never reaches the socket.
 *
 * Why a header of static functions: the addon is one shared object built from one .c
 * file (the house style of packages/compress/native/nodeApi.h).
 */

#ifndef TIERSWAP_SOCKET_ARGS_H
#define TIERSWAP_SOCKET_ARGS_H

#define _GNU_SOURCE /* strerrorname_np */
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_HOST 255             /* longest DNS name */
#define MAX_TIMEOUT 2147483647.0 /* poll(2) takes an int of milliseconds */

static void throw_code(napi_env env, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void throw_code(napi_env env, const char *code, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  napi_throw_error(env, code, msg);
}

/* The codes the contract names, else the errno's own name (EHOSTUNREACH...). */
static const char *errno_code(int err) {
  const char *name = strerrorname_np(err);
  return name != NULL ? name : "EIO";
}

static void throw_errno(napi_env env, const char *what, const char *where, int err) {
  throw_code(env, errno_code(err), "%s %s: %s", what, where, strerror(err));
}

static const char *type_name(napi_env env, napi_value v) {
  static const char *names[] = {"undefined", "null",   "boolean",  "number", "string",
                                "symbol",    "object", "function", "external", "bigint"};
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || (size_t)t >= sizeof names / sizeof names[0])
    return "value of unknown type";
  return names[t];
}

/* A JS number that is an integer in [lo, hi], else throws EINVAL naming `name`. */
static int get_int(napi_env env, napi_value v, const char *call, const char *name, double lo,
                   double hi, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throw_code(env, "EINVAL", "%s: %s must be an integer in %.0f..%.0f, got a %s", call, name,
               lo, hi, type_name(env, v));
    return 0;
  }
  if (d != d || d < lo || d > hi || d != (double)(int64_t)d) {
    throw_code(env, "EINVAL", "%s: %s must be an integer in %.0f..%.0f, got %g", call, name, lo,
               hi, d);
    return 0;
  }
  *out = (int64_t)d;
  return 1;
}

static int get_bytes(napi_env env, napi_value v, const char *call, uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  bool is_ta = false;
  void *ptr = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    throw_code(env, "EINVAL", "%s: bytes must be a Uint8Array", call);
    return 0;
  }
  *data = ptr;
  return 1;
}

/* argv[0..n) of a call, or 0 after throwing EINVAL with the call's usage. */
static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv,
                    const char *usage) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= n) return 1;
  throw_code(env, "EINVAL", "%s: %zu arguments expected", usage, n);
  return 0;
}

#endif
