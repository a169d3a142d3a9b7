/*
 * zstdNative.c: a small Node-API addon that runs the system's C zstd library
 * (libzstd.so.1) synchronously on memory the caller already owns.
 *
 * Why: zswap compresses and decompresses one page synchronously, and the npm binding
 * (@mongodb-js/zstd 1.2.2) is Promise-only: each call is a libuv thread-pool hop, a
 * fresh context and a new Buffer, several microseconds before any work, paying off only
 * in batches, which a pool's page-by-page loads cannot use. This addon does what zswap
 * does: one reusable compression and decompression context per environment, decoding
 * straight from the arena into the caller's page.
 *
 * As in lz4Native.c: the library is opened with dlopen (no -dev package needed; Debian
 * and Ubuntu always have libzstd.so.1, libsystemd0 needs it), every range is checked
 * here against the typed arrays' real lengths, `decode` leaves the destination untouched
 * on corrupt input (it decodes into a scratch page first) and `decodeInto` decodes in
 * place, and a page must be exactly one frame (zstd_frame). The prototypes below are
 * zstd.h's stable API (since 1.3).
 *
 * State: per Node environment through napi instance data; calls are synchronous.
 */

#include "nodeApi.h"

#define ADDON "tierswap_zstd"

typedef void *(*create_fn)(void);
typedef size_t (*free_fn)(void *ctx);
typedef size_t (*compress_cctx_fn)(void *cctx, void *dst, size_t dst_capacity, const void *src,
                                   size_t src_size, int level);
typedef size_t (*decompress_dctx_fn)(void *dctx, void *dst, size_t dst_capacity,
                                     const void *src, size_t src_size);
typedef unsigned (*is_error_fn)(size_t code);
typedef size_t (*frame_size_fn)(const void *src, size_t src_size);
typedef int (*level_fn)(void);
typedef const char *(*version_fn)(void);

typedef struct {
  addon_base_t base;
  void *cctx;
  void *dctx;
  free_fn free_cctx;
  free_fn free_dctx;
  compress_cctx_fn compress_cctx;
  decompress_dctx_fn decompress_dctx;
  is_error_fn is_error;
  frame_size_fn frame_size;
  int max_level;
} addon_t;

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  addon_t *a = data;
  if (a->cctx != NULL) a->free_cctx(a->cctx);
  if (a->dctx != NULL) a->free_dctx(a->dctx);
  release_base(env, &a->base);
  free(a);
}

/* The magic number that opens a zstd frame (not a skippable one), little-endian. */
#define ZSTD_FRAME_MAGIC 0xFD2FB528u

/*
 * One frame, as run_decode asks: exactly args[3] bytes (the capacity given) or -1.
 * A page is exactly one zstd frame: ZSTD_decompressDCtx would also decode several
 * frames in a row and skip skippable frames, so the input must start with the frame
 * magic and its first frame must span all of it.
 */
static int32_t zstd_frame(void *state, const uint8_t *src, uint8_t *out) {
  addon_t *a = state;
  const int32_t *r = a->base.args;
  const uint8_t *in = src + r[0];
  const size_t len = (size_t)(r[1] - r[0]);
  if (len < 4) return -1;
  const uint32_t magic = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
                         (uint32_t)in[3] << 24;
  if (magic != ZSTD_FRAME_MAGIC || a->frame_size(in, len) != len) return -1;
  size_t n = a->decompress_dctx(a->dctx, out, (size_t)r[3], in, len);
  return !a->is_error(n) && n == (size_t)r[3] ? r[3] : -1;
}

/* One frame at level args[3], as run_encode asks; 0 for a level out of 1..max. */
static int32_t zstd_encode(void *state, const uint8_t *src, size_t src_len, uint8_t *out,
                           size_t cap) {
  addon_t *a = state;
  const int level = a->base.args[3];
  if (level < 1 || level > a->max_level) return 0;
  size_t n = a->compress_cctx(a->cctx, out, cap, src, src_len, level);
  return a->is_error(n) ? 0 : (int32_t)n;
}

DEFINE_CALLS(ADDON, zstd_frame, zstd_encode)

/* Open libzstd, resolve what the addon calls and create its contexts; on failure fill the error. */
static void open_zstd(addon_t *a) {
  addon_base_t *b = &a->base;
  const char *name;
  if (!open_library(b, "TIERSWAP_LIBZSTD", "libzstd.so.1", &name)) return;
  create_fn create_cctx = (create_fn)dlsym(b->lib, "ZSTD_createCCtx");
  create_fn create_dctx = (create_fn)dlsym(b->lib, "ZSTD_createDCtx");
  level_fn max_level = (level_fn)dlsym(b->lib, "ZSTD_maxCLevel");
  version_fn version = (version_fn)dlsym(b->lib, "ZSTD_versionString");
  a->free_cctx = (free_fn)dlsym(b->lib, "ZSTD_freeCCtx");
  a->free_dctx = (free_fn)dlsym(b->lib, "ZSTD_freeDCtx");
  a->compress_cctx = (compress_cctx_fn)dlsym(b->lib, "ZSTD_compressCCtx");
  a->decompress_dctx = (decompress_dctx_fn)dlsym(b->lib, "ZSTD_decompressDCtx");
  a->is_error = (is_error_fn)dlsym(b->lib, "ZSTD_isError");
  a->frame_size = (frame_size_fn)dlsym(b->lib, "ZSTD_findFrameCompressedSize");
  if (create_cctx == NULL || create_dctx == NULL || max_level == NULL || version == NULL ||
      a->free_cctx == NULL || a->free_dctx == NULL || a->compress_cctx == NULL ||
      a->decompress_dctx == NULL || a->is_error == NULL || a->frame_size == NULL) {
    snprintf(b->error, sizeof b->error,
             "%s lacks one of ZSTD_createCCtx, ZSTD_createDCtx, ZSTD_freeCCtx, ZSTD_freeDCtx, "
             "ZSTD_compressCCtx, ZSTD_decompressDCtx, ZSTD_isError, ZSTD_findFrameCompressedSize, "
             "ZSTD_maxCLevel, ZSTD_versionString",
             name);
    return;
  }
  snprintf(b->version, sizeof b->version, "%s", version());
  a->max_level = max_level();
  a->cctx = create_cctx();
  a->dctx = create_dctx();
  if (a->cctx == NULL || a->dctx == NULL) {
    snprintf(b->error, sizeof b->error, "out of memory for the zstd contexts");
  }
}

DEFINE_MODULE(ADDON, addon_t, open_zstd, finalize)
