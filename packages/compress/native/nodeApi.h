/*
 * nodeApi.h: what the package's two addons (lz4Native.c, zstdNative.c) share: reading
 * typed-array arguments, the range checks of a decode call, the `args` Int32Array
 * through which JavaScript passes integer arguments, and small value helpers.
 *
 * Why a header of static functions: each addon is its own shared object, built from one
 * .c file, so the helpers are compiled into each rather than linked between them.
 */

#ifndef TIERSWAP_NODE_API_H
#define TIERSWAP_NODE_API_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>

/* Largest page or block an addon accepts: far above any page size, far below INT_MAX. */
#define MAX_LEN (1 << 26)

/* Read a Uint8Array (or Buffer) argument: data pointer and byte length. */
static int get_bytes(napi_env env, const char *addon, napi_value v, uint8_t **data,
                     size_t *len) {
  napi_typedarray_type type;
  size_t length;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: expected a Uint8Array", addon);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *data = ptr;
  *len = length;
  return 1;
}

/* The two typed-array arguments (src, dst) of every call. */
static int get_two(napi_env env, napi_callback_info info, const char *addon, const char *name,
                   uint8_t **x, size_t *x_len, uint8_t **y, size_t *y_len) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s.%s: 2 arguments expected", addon, name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return get_bytes(env, addon, argv[0], x, x_len) && get_bytes(env, addon, argv[1], y, y_len);
}

/*
 * A decode call's ranges, args = [srcStart, srcEnd, dstStart, size]: 1 when
 * src[srcStart, srcEnd) and dst[dstStart, dstStart + size) lie inside the arrays.
 */
static int ranges_fit(const int32_t *args, size_t src_len, size_t dst_len) {
  const int64_t s0 = args[0], s1 = args[1], d0 = args[2], size = args[3];
  return s0 >= 0 && s1 > s0 && (uint64_t)s1 <= src_len && s1 - s0 <= MAX_LEN && d0 >= 0 &&
         size > 0 && size <= MAX_LEN && (uint64_t)(d0 + size) <= dst_len;
}

static napi_value int_value(napi_env env, int32_t n) {
  napi_value out;
  napi_create_int32(env, n, &out);
  return out;
}

static napi_value string_value(napi_env env, const char *s) {
  napi_value out;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out);
  return out;
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

/*
 * Export `args`, an Int32Array of 4 that JavaScript fills before each call: plain stores
 * there and a call that carries only its two typed arrays cost less than converting
 * four JS numbers (napi_get_value_int32) in every call, about 0.05 us. `*ref` keeps it
 * alive for the environment's lifetime. Returns 0 after throwing.
 */
static int export_args(napi_env env, napi_value exports, const char *addon, int32_t **data,
                       napi_ref *ref) {
  napi_value buffer, args;
  void *mem;
  if (napi_create_arraybuffer(env, 4 * sizeof(int32_t), &mem, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_int32_array, 4, buffer, 0, &args) != napi_ok ||
      napi_create_reference(env, args, 1, ref) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: cannot create the argument array", addon);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  *data = mem;
  napi_set_named_property(env, exports, "args", args);
  return 1;
}

/*
 * Export `error` (empty when the library is usable; the JS loader turns anything else
 * into BINDING_LOAD_FAILED when a codec needs the addon) and `version`.
 */
static void export_status(napi_env env, napi_value exports, const char *error,
                          const char *version) {
  napi_set_named_property(env, exports, "error", string_value(env, error));
  napi_set_named_property(env, exports, "version", string_value(env, version));
}

#endif
