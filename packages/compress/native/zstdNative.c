/*
 * zstdNative.c: a small Node-API addon that runs the system's C zstd library
 * (libzstd.so.1) synchronously on memory the caller already owns.
 *
 * Why: @mongodb-js/zstd 1.2.2 is Promise-only. Each call is a libuv thread-pool hop,
 * a fresh context and a new Buffer, so a page costs several microseconds before any
 * work, and the only way to make it pay is batching, which forces zswap loads and
 * writebacks of zstd entries through async paths (entries detached across an await).
 * zswap compresses and decompresses one page synchronously; this addon lets tierswap do
 * the same: one reusable compression and decompression context per environment,
 * decoding straight from the arena into the caller's page.
 *
 * As in lz4Native.c: the library is opened with dlopen (no -dev package needed; Debian
 * and Ubuntu always have libzstd.so.1, libsystemd0 needs it), every range is checked
 * here against the typed arrays' real lengths, `decode` leaves the destination untouched
 * on corrupt input (it decodes into a scratch page first) and `decodeInto` decodes in
 * place. The prototypes below are zstd.h's stable API (since 1.3).
 *
 * State: per Node environment through napi instance data; calls are synchronous.
 */

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "nodeApi.h"

#define ADDON "tierswap_zstd"

typedef void *(*create_fn)(void);
typedef size_t (*free_fn)(void *ctx);
typedef size_t (*compress_cctx_fn)(void *cctx, void *dst, size_t dst_capacity, const void *src,
                                   size_t src_size, int level);
typedef size_t (*decompress_dctx_fn)(void *dctx, void *dst, size_t dst_capacity,
                                     const void *src, size_t src_size);
typedef unsigned (*is_error_fn)(size_t code);
typedef int (*level_fn)(void);
typedef const char *(*version_fn)(void);

typedef struct {
  void *lib;
  void *cctx;
  void *dctx;
  free_fn free_cctx;
  free_fn free_dctx;
  compress_cctx_fn compress_cctx;
  decompress_dctx_fn decompress_dctx;
  is_error_fn is_error;
  int max_level;
  uint8_t *scratch;
  size_t scratch_len;
  int32_t *args;     /* the exported `args` Int32Array's data */
  napi_ref args_ref; /* keeps it alive for the environment's lifetime */
  char error[512];
  char version[32];
} addon_t;

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  addon_t *a = data;
  if (a->args_ref != NULL) napi_delete_reference(env, a->args_ref);
  if (a->cctx != NULL) a->free_cctx(a->cctx);
  if (a->dctx != NULL) a->free_dctx(a->dctx);
  free(a->scratch);
  if (a->lib != NULL) dlclose(a->lib);
  free(a);
}

static addon_t *addon_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/* One frame at src[s0, s1) into out[0, size): size, or -1 unless it decodes to exactly size. */
static int32_t decode_frame(addon_t *a, const uint8_t *src, uint8_t *out) {
  const int32_t *r = a->args;
  size_t n = a->decompress_dctx(a->dctx, out, (size_t)r[3], src + r[0], (size_t)(r[1] - r[0]));
  return !a->is_error(n) && n == (size_t)r[3] ? r[3] : -1;
}

/*
 * decode(src, dst) with args = [srcStart, srcEnd, dstStart, size] -> size, or -1 when
 * the ranges are out of bounds or src[srcStart, srcEnd) does not decode to exactly
 * `size` bytes (dst is then untouched).
 */
static napi_value decode(napi_env env, napi_callback_info info) {
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_two(env, info, ADDON, "decode", &src, &src_len, &dst, &dst_len)) return NULL;
  addon_t *a = addon_of(env);
  if (!ranges_fit(a->args, src_len, dst_len)) return int_value(env, -1);
  const size_t size = (size_t)a->args[3];
  if (size > a->scratch_len) {
    uint8_t *grown = realloc(a->scratch, size);
    if (grown == NULL) return int_value(env, -1);
    a->scratch = grown;
    a->scratch_len = size;
  }
  if (decode_frame(a, src, a->scratch) < 0) return int_value(env, -1);
  memcpy(dst + a->args[2], a->scratch, size);
  return int_value(env, (int32_t)size);
}

/* decodeInto(src, dst): as decode, in place; on -1 dst[dstStart, +size) may hold partial output. */
static napi_value decode_into(napi_env env, napi_callback_info info) {
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_two(env, info, ADDON, "decodeInto", &src, &src_len, &dst, &dst_len)) return NULL;
  addon_t *a = addon_of(env);
  if (!ranges_fit(a->args, src_len, dst_len)) return int_value(env, -1);
  return int_value(env, decode_frame(a, src, dst + a->args[2]));
}

/*
 * encode(src, dst) with args[2] = dstStart, args[3] = level -> length of the zstd frame
 * written at dst[dstStart..], or 0 when it does not fit or the level is out of range.
 */
static napi_value encode(napi_env env, napi_callback_info info) {
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_two(env, info, ADDON, "encode", &src, &src_len, &dst, &dst_len)) return NULL;
  addon_t *a = addon_of(env);
  const int64_t d0 = a->args[2];
  const int level = a->args[3];
  if (d0 < 0 || (uint64_t)d0 > dst_len || src_len > MAX_LEN || level < 1 ||
      level > a->max_level) {
    return int_value(env, 0);
  }
  size_t n = a->compress_cctx(a->cctx, dst + d0, dst_len - (size_t)d0, src, src_len, level);
  return int_value(env, a->is_error(n) ? 0 : (int32_t)n);
}

/* Open libzstd, resolve what the addon calls and create its contexts; on failure fill a->error. */
static void open_library(addon_t *a) {
  const char *name = getenv("TIERSWAP_LIBZSTD");
  if (name == NULL || name[0] == '\0') name = "libzstd.so.1";
  a->lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (a->lib == NULL) {
    const char *why = dlerror();
    snprintf(a->error, sizeof a->error, "dlopen(%s) failed: %s", name, why ? why : "unknown error");
    return;
  }
  create_fn create_cctx = (create_fn)dlsym(a->lib, "ZSTD_createCCtx");
  create_fn create_dctx = (create_fn)dlsym(a->lib, "ZSTD_createDCtx");
  level_fn max_level = (level_fn)dlsym(a->lib, "ZSTD_maxCLevel");
  version_fn version = (version_fn)dlsym(a->lib, "ZSTD_versionString");
  a->free_cctx = (free_fn)dlsym(a->lib, "ZSTD_freeCCtx");
  a->free_dctx = (free_fn)dlsym(a->lib, "ZSTD_freeDCtx");
  a->compress_cctx = (compress_cctx_fn)dlsym(a->lib, "ZSTD_compressCCtx");
  a->decompress_dctx = (decompress_dctx_fn)dlsym(a->lib, "ZSTD_decompressDCtx");
  a->is_error = (is_error_fn)dlsym(a->lib, "ZSTD_isError");
  if (create_cctx == NULL || create_dctx == NULL || max_level == NULL || version == NULL ||
      a->free_cctx == NULL || a->free_dctx == NULL || a->compress_cctx == NULL ||
      a->decompress_dctx == NULL || a->is_error == NULL) {
    snprintf(a->error, sizeof a->error,
             "%s lacks one of ZSTD_createCCtx, ZSTD_createDCtx, ZSTD_freeCCtx, ZSTD_freeDCtx, "
             "ZSTD_compressCCtx, ZSTD_decompressDCtx, ZSTD_isError, ZSTD_maxCLevel, "
             "ZSTD_versionString",
             name);
    return;
  }
  snprintf(a->version, sizeof a->version, "%s", version());
  a->max_level = max_level();
  a->cctx = create_cctx();
  a->dctx = create_dctx();
  if (a->cctx == NULL || a->dctx == NULL) {
    snprintf(a->error, sizeof a->error, "out of memory for the zstd contexts");
  }
}

NAPI_MODULE_INIT() {
  addon_t *a = calloc(1, sizeof *a);
  if (a == NULL) {
    napi_throw_error(env, NULL, ADDON ": out of memory");
    return NULL;
  }
  open_library(a);
  napi_set_instance_data(env, a, finalize, NULL);
  if (!export_args(env, exports, ADDON, &a->args, &a->args_ref)) return NULL;
  export_status(env, exports, a->error, a->version);
  if (a->error[0] == '\0') {
    export_fn(env, exports, "decode", decode);
    export_fn(env, exports, "decodeInto", decode_into);
    export_fn(env, exports, "encode", encode);
  }
  return exports;
}
