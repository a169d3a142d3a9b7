/*
 * lz4Native.c: a small Node-API addon that runs the system's C lz4 library (liblz4.so.1)
 * on memory the caller already owns.
 *
 * Why: the speed goal is the native `lz4 -b1 -B4096` CLI, which is this very
 * library. Through lz4-napi a call costs ~2 us before any work (it allocates a Buffer
 * for every result) and its core is lz4_flex, slower than C lz4; our WebAssembly
 * decoder reaches ~0.6x of C. Here a call costs ~0.1 us: it reads the typed arrays'
 * data pointers, checks the ranges, and calls liblz4 directly on them.
 *
 * liblz4 is opened with dlopen at load time instead of being linked, so the addon
 * builds with only a C compiler and Node's headers (no -dev package), and a machine
 * without the library gets a readable error from JavaScript instead of a failed
 * install. On Debian and Ubuntu liblz4.so.1 is always present (libsystemd0 needs it).
 * The prototypes below are the library's stable public API (lz4.h, since 1.7).
 *
 * Safety: every range is checked against the typed arrays' real lengths here, whatever
 * the JavaScript side checked. LZ4_decompress_safe never reads or writes outside the
 * ranges it is given. `decode` decodes into a private scratch page, copied into the
 * caller's memory only when the block decoded to exactly the expected size, so corrupt
 * input leaves the destination untouched; `decodeInto` (the zswap load path) decodes
 * in place and may leave partial output inside the destination range.
 *
 * State: per Node environment (main thread or worker) through napi instance data: the
 * library handle, the compressor state (LZ4_sizeofState bytes) and the scratch page.
 * Calls are synchronous, so one of each per environment is enough.
 */

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "nodeApi.h"

#define ADDON "tierswap_lz4"

typedef int (*decompress_safe_fn)(const char *src, char *dst, int src_size, int dst_capacity);
typedef int (*compress_ext_fn)(void *state, const char *src, char *dst, int src_size,
                               int dst_capacity, int acceleration);
typedef int (*size_fn)(void);
typedef const char *(*version_fn)(void);

typedef struct {
  void *lib;
  decompress_safe_fn decompress_safe;
  compress_ext_fn compress_ext;
  void *state;
  uint8_t *scratch;
  size_t scratch_len;
  int32_t *args;       /* the exported `args` Int32Array's data */
  napi_ref args_ref;   /* keeps it alive for the environment's lifetime */
  char error[512];
  char version[32];
} addon_t;

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  addon_t *a = data;
  if (a->args_ref != NULL) napi_delete_reference(env, a->args_ref);
  free(a->state);
  free(a->scratch);
  if (a->lib != NULL) dlclose(a->lib);
  free(a);
}

static addon_t *addon_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/*
 * The checks of decode and decodeInto: 1 when the ranges in `args` fit the arrays, 0
 * when they do not, -1 after throwing on a wrong argument.
 */
static int decode_args(napi_env env, napi_callback_info info, const char *name, uint8_t **src,
                       uint8_t **dst) {
  size_t src_len, dst_len;
  if (!get_two(env, info, ADDON, name, src, &src_len, dst, &dst_len)) return -1;
  return ranges_fit(addon_of(env)->args, src_len, dst_len);
}

/*
 * decode(src, dst) with args = [srcStart, srcEnd, dstStart, size] -> size, or -1 when
 * the ranges are out of bounds or src[srcStart, srcEnd) is not one LZ4 block of exactly
 * `size` bytes (dst is then untouched: the block is decoded into the scratch page and
 * copied out only when whole).
 */
static napi_value decode(napi_env env, napi_callback_info info) {
  uint8_t *src, *dst;
  const int checked = decode_args(env, info, "decode", &src, &dst);
  if (checked < 0) return NULL;
  if (checked == 0) return int_value(env, -1);
  addon_t *a = addon_of(env);
  const int32_t *r = a->args;
  const int32_t size = r[3];
  if ((size_t)size > a->scratch_len) {
    uint8_t *grown = realloc(a->scratch, (size_t)size);
    if (grown == NULL) return int_value(env, -1);
    a->scratch = grown;
    a->scratch_len = (size_t)size;
  }
  int n = a->decompress_safe((const char *)src + r[0], (char *)a->scratch, (int)(r[1] - r[0]),
                             (int)size);
  if (n != size) return int_value(env, -1);
  memcpy(dst + r[2], a->scratch, (size_t)size);
  return int_value(env, n);
}

/*
 * decodeInto(src, dst): decode, straight into dst, as the kernel decompresses into the
 * faulting folio. Saves the scratch copy (~0.05 us of a ~1.6 us load); on -1,
 * dst[dstStart, dstStart + size) may hold partial output, never anything outside it.
 */
static napi_value decode_into(napi_env env, napi_callback_info info) {
  uint8_t *src, *dst;
  const int checked = decode_args(env, info, "decodeInto", &src, &dst);
  if (checked < 0) return NULL;
  if (checked == 0) return int_value(env, -1);
  const int32_t *r = addon_of(env)->args;
  int n = addon_of(env)->decompress_safe((const char *)src + r[0], (char *)dst + r[2],
                                         (int)(r[1] - r[0]), (int)r[3]);
  return int_value(env, n == r[3] ? n : -1);
}

/*
 * encode(src, dst) with args[2] = dstStart -> length of the LZ4 block written at
 * dst[dstStart..], or 0 when it does not fit (liblz4's fast mode, acceleration 1, as
 * `lz4 -1`).
 */
static napi_value encode(napi_env env, napi_callback_info info) {
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_two(env, info, ADDON, "encode", &src, &src_len, &dst, &dst_len)) return NULL;
  addon_t *a = addon_of(env);
  const int64_t d0 = a->args[2];
  if (d0 < 0 || (uint64_t)d0 > dst_len || src_len > MAX_LEN) return int_value(env, 0);
  size_t cap = dst_len - (size_t)d0;
  if (cap > MAX_LEN) cap = MAX_LEN;
  int n = a->compress_ext(a->state, (const char *)src, (char *)dst + d0, (int)src_len, (int)cap, 1);
  return int_value(env, n);
}

/* Open liblz4 and resolve what the addon calls; on failure fill a->error. */
static void open_library(addon_t *a) {
  const char *name = getenv("TIERSWAP_LIBLZ4");
  if (name == NULL || name[0] == '\0') name = "liblz4.so.1";
  a->lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (a->lib == NULL) {
    const char *why = dlerror();
    snprintf(a->error, sizeof a->error, "dlopen(%s) failed: %s", name, why ? why : "unknown error");
    return;
  }
  a->decompress_safe = (decompress_safe_fn)dlsym(a->lib, "LZ4_decompress_safe");
  a->compress_ext = (compress_ext_fn)dlsym(a->lib, "LZ4_compress_fast_extState");
  size_fn sizeof_state = (size_fn)dlsym(a->lib, "LZ4_sizeofState");
  version_fn version = (version_fn)dlsym(a->lib, "LZ4_versionString");
  if (a->decompress_safe == NULL || a->compress_ext == NULL || sizeof_state == NULL ||
      version == NULL) {
    snprintf(a->error, sizeof a->error, "%s lacks LZ4_decompress_safe, LZ4_compress_fast_extState, LZ4_sizeofState or LZ4_versionString", name);
    return;
  }
  snprintf(a->version, sizeof a->version, "%s", version());
  /* The state must be 8-byte aligned (LZ4_stream_t); malloc guarantees more. */
  a->state = malloc((size_t)sizeof_state());
  if (a->state == NULL) snprintf(a->error, sizeof a->error, "out of memory for the lz4 state");
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
