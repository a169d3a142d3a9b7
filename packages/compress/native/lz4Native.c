/*
 * lz4Native.c: a small Node-API addon that runs the system's C lz4 library (liblz4.so.1)
 * on memory the caller already owns.
 *
 * Why: the speed to match is the native `lz4 -b1 -B4096` CLI, which is this very
 * library. Through lz4-napi (the package's portable alternative) a call costs ~2 us
 * before any work (it allocates a Buffer for every result) and its core, lz4_flex, is
 * slower than C lz4. Here a call costs ~0.1 us: it reads the typed arrays' data
 * pointers, checks the ranges, and calls liblz4 directly on them.
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
 * Calls are synchronous, so one of each per environment is enough. What the two addons
 * share is in nodeApi.h.
 */

#include "nodeApi.h"

#define ADDON "tierswap_lz4"

typedef int (*decompress_safe_fn)(const char *src, char *dst, int src_size, int dst_capacity);
typedef int (*compress_ext_fn)(void *state, const char *src, char *dst, int src_size,
                               int dst_capacity, int acceleration);
typedef int (*size_fn)(void);
typedef const char *(*version_fn)(void);

typedef struct {
  addon_base_t base;
  decompress_safe_fn decompress_safe;
  compress_ext_fn compress_ext;
  void *state; /* LZ4_stream_t for LZ4_compress_fast_extState */
} addon_t;

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  addon_t *a = data;
  free(a->state);
  release_base(env, &a->base);
  free(a);
}

/* One LZ4 block, as run_decode asks: exactly args[3] bytes or -1. */
static int32_t lz4_block(void *state, const uint8_t *src, uint8_t *out) {
  addon_t *a = state;
  const int32_t *r = a->base.args;
  int n = a->decompress_safe((const char *)src + r[0], (char *)out, r[1] - r[0], r[3]);
  return n == r[3] ? n : -1;
}

/* One LZ4 block in liblz4's fast mode (acceleration 1, as `lz4 -1`), as run_encode asks. */
static int32_t lz4_encode(void *state, const uint8_t *src, size_t src_len, uint8_t *out,
                          size_t cap) {
  addon_t *a = state;
  return a->compress_ext(a->state, (const char *)src, (char *)out, (int)src_len, (int)cap, 1);
}

DEFINE_CALLS(ADDON, lz4_block, lz4_encode)

/* Open liblz4 and resolve what the addon calls; on failure fill the error. */
static void open_lz4(addon_t *a) {
  addon_base_t *b = &a->base;
  const char *name;
  if (!open_library(b, "TIERSWAP_LIBLZ4", "liblz4.so.1", &name)) return;
  a->decompress_safe = (decompress_safe_fn)dlsym(b->lib, "LZ4_decompress_safe");
  a->compress_ext = (compress_ext_fn)dlsym(b->lib, "LZ4_compress_fast_extState");
  size_fn sizeof_state = (size_fn)dlsym(b->lib, "LZ4_sizeofState");
  version_fn version = (version_fn)dlsym(b->lib, "LZ4_versionString");
  if (a->decompress_safe == NULL || a->compress_ext == NULL || sizeof_state == NULL ||
      version == NULL) {
    snprintf(b->error, sizeof b->error, "%s lacks LZ4_decompress_safe, LZ4_compress_fast_extState, LZ4_sizeofState or LZ4_versionString", name);
    return;
  }
  snprintf(b->version, sizeof b->version, "%s", version());
  /* The state must be 8-byte aligned (LZ4_stream_t); malloc guarantees more. */
  a->state = malloc((size_t)sizeof_state());
  if (a->state == NULL) snprintf(b->error, sizeof b->error, "out of memory for the lz4 state");
}

DEFINE_MODULE(ADDON, addon_t, open_lz4, finalize)
