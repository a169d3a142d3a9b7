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
 *
 * Dictionaries (zram's per-device zstd dictionaries): `trainDictionary` runs
 * ZDICT_trainFromBuffer on sample pages, `dictCreate` digests a dictionary once into a
 * CDict and a DDict held by a napi external (freed with it), and `dictEncode` /
 * `dictDecode` compress one page against it with the environment's contexts. The ZDICT
 * and CDict/DDict functions are resolved too; a libzstd without them leaves these four
 * unexported and the rest working.
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
typedef size_t (*train_fn)(void *dict, size_t cap, const void *samples, const size_t *sizes,
                           unsigned count);
typedef const char *(*error_name_fn)(size_t code);
typedef void *(*create_cdict_fn)(const void *dict, size_t size, int level);
typedef void *(*create_ddict_fn)(const void *dict, size_t size);
typedef size_t (*free_dict_fn)(void *dict);
typedef size_t (*compress_cdict_fn)(void *cctx, void *dst, size_t cap, const void *src,
                                    size_t src_size, const void *cdict);
typedef size_t (*decompress_ddict_fn)(void *dctx, void *dst, size_t cap, const void *src,
                                      size_t src_size, const void *ddict);

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
  /* Dictionaries: all NULL when the library lacks them. */
  train_fn train;
  error_name_fn dict_error_name;
  create_cdict_fn create_cdict;
  create_ddict_fn create_ddict;
  free_dict_fn free_cdict;
  free_dict_fn free_ddict;
  compress_cdict_fn compress_cdict;
  decompress_ddict_fn decompress_ddict;
} addon_t;

/* One digested dictionary, owned by a napi external. */
typedef struct {
  void *cdict;
  void *ddict;
  free_dict_fn free_cdict;
  free_dict_fn free_ddict;
} dict_t;

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

/* Up to 3 arguments; 0 after throwing when fewer than `want`. */
static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < want) {
    napi_throw_type_error(env, NULL, ADDON ": too few arguments");
    return 0;
  }
  return 1;
}

/*
 * trainDictionary(samples, sizes, dst): ZDICT_trainFromBuffer over the samples laid end to
 * end in `samples` (`sizes`, a Uint8Array viewing u32 lengths, says where each ends),
 * writing at most dst.length bytes: the dictionary's size. Throws with ZDICT's reason
 * (too few samples, say) rather than returning a code JavaScript must decode.
 */
static napi_value train_dictionary(napi_env env, napi_callback_info info) {
  addon_t *a = state_of(env);
  napi_value argv[3];
  uint8_t *samples, *sizes_raw, *dst;
  size_t samples_len, sizes_len, dst_len;
  if (!get_args(env, info, 3, argv) ||
      !get_bytes(env, ADDON, argv[0], &samples, &samples_len) ||
      !get_bytes(env, ADDON, argv[1], &sizes_raw, &sizes_len) ||
      !get_bytes(env, ADDON, argv[2], &dst, &dst_len))
    return NULL;
  const size_t count = sizes_len / 4;
  size_t *sizes = malloc((count > 0 ? count : 1) * sizeof *sizes);
  if (sizes == NULL) {
    napi_throw_error(env, NULL, ADDON ".trainDictionary: out of memory");
    return NULL;
  }
  size_t total = 0;
  for (size_t i = 0; i < count; i++) {
    uint32_t n;
    memcpy(&n, sizes_raw + 4 * i, 4);
    sizes[i] = n;
    total += n;
  }
  if (total > samples_len || count == 0) {
    free(sizes);
    napi_throw_range_error(env, NULL, ADDON ".trainDictionary: the sizes exceed the samples");
    return NULL;
  }
  size_t n = a->train(dst, dst_len, samples, sizes, (unsigned)count);
  free(sizes);
  if (a->is_error(n)) {
    char msg[200];
    snprintf(msg, sizeof msg, ADDON ".trainDictionary: ZDICT_trainFromBuffer failed: %s",
             a->dict_error_name(n));
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  return int_value(env, (int32_t)n);
}

static void free_dict(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  dict_t *d = data;
  if (d->cdict != NULL) d->free_cdict(d->cdict);
  if (d->ddict != NULL) d->free_ddict(d->ddict);
  free(d);
}

/* dictCreate(dict) with args[3] = level: an external holding the CDict and DDict. */
static napi_value dict_create(napi_env env, napi_callback_info info) {
  addon_t *a = state_of(env);
  napi_value argv[3];
  uint8_t *dict;
  size_t dict_len;
  if (!get_args(env, info, 1, argv) || !get_bytes(env, ADDON, argv[0], &dict, &dict_len))
    return NULL;
  const int level = a->base.args[3];
  dict_t *d = calloc(1, sizeof *d);
  if (d == NULL || level < 1 || level > a->max_level) {
    free(d);
    napi_throw_range_error(env, NULL, ADDON ".dictCreate: out of memory or level out of range");
    return NULL;
  }
  d->free_cdict = a->free_cdict;
  d->free_ddict = a->free_ddict;
  d->cdict = a->create_cdict(dict, dict_len, level);
  d->ddict = a->create_ddict(dict, dict_len);
  napi_value out;
  if (d->cdict == NULL || d->ddict == NULL ||
      napi_create_external(env, d, free_dict, NULL, &out) != napi_ok) {
    free_dict(env, d, NULL);
    napi_throw_error(env, NULL, ADDON ".dictCreate: libzstd could not digest the dictionary");
    return NULL;
  }
  return out;
}

static dict_t *get_dict(napi_env env, napi_value v) {
  napi_valuetype t;
  void *d = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &d) != napi_ok || d == NULL) {
    napi_throw_type_error(env, NULL, ADDON ": expected a dictionary handle");
    return NULL;
  }
  return d;
}

/* dictEncode(handle, src, dst): one frame of all of src into dst, its length, or 0. */
static napi_value dict_encode(napi_env env, napi_callback_info info) {
  addon_t *a = state_of(env);
  napi_value argv[3];
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_args(env, info, 3, argv)) return NULL;
  dict_t *d = get_dict(env, argv[0]);
  if (d == NULL || !get_bytes(env, ADDON, argv[1], &src, &src_len) ||
      !get_bytes(env, ADDON, argv[2], &dst, &dst_len))
    return NULL;
  if (src_len > MAX_LEN) return int_value(env, 0);
  size_t n = a->compress_cdict(a->cctx, dst, dst_len, src, src_len, d->cdict);
  return int_value(env, a->is_error(n) ? 0 : (int32_t)n);
}

/*
 * dictDecode(handle, src, dst): all of src, exactly one frame (as zstd_frame checks),
 * into all of dst: dst.length, or -1 (dst may then hold partial output).
 */
static napi_value dict_decode(napi_env env, napi_callback_info info) {
  addon_t *a = state_of(env);
  napi_value argv[3];
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_args(env, info, 3, argv)) return NULL;
  dict_t *d = get_dict(env, argv[0]);
  if (d == NULL || !get_bytes(env, ADDON, argv[1], &src, &src_len) ||
      !get_bytes(env, ADDON, argv[2], &dst, &dst_len))
    return NULL;
  if (src_len < 4 || src_len > MAX_LEN || dst_len == 0 || dst_len > MAX_LEN) return int_value(env, -1);
  const uint32_t magic = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 |
                         (uint32_t)src[3] << 24;
  if (magic != ZSTD_FRAME_MAGIC || a->frame_size(src, src_len) != src_len) return int_value(env, -1);
  size_t n = a->decompress_ddict(a->dctx, dst, dst_len, src, src_len, d->ddict);
  return int_value(env, !a->is_error(n) && n == dst_len ? (int32_t)dst_len : -1);
}

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
  /* Optional: dictionaries. All or none. */
  a->train = (train_fn)dlsym(b->lib, "ZDICT_trainFromBuffer");
  a->dict_error_name = (error_name_fn)dlsym(b->lib, "ZDICT_getErrorName");
  a->create_cdict = (create_cdict_fn)dlsym(b->lib, "ZSTD_createCDict");
  a->create_ddict = (create_ddict_fn)dlsym(b->lib, "ZSTD_createDDict");
  a->free_cdict = (free_dict_fn)dlsym(b->lib, "ZSTD_freeCDict");
  a->free_ddict = (free_dict_fn)dlsym(b->lib, "ZSTD_freeDDict");
  a->compress_cdict = (compress_cdict_fn)dlsym(b->lib, "ZSTD_compress_usingCDict");
  a->decompress_ddict = (decompress_ddict_fn)dlsym(b->lib, "ZSTD_decompress_usingDDict");
  if (a->train == NULL || a->dict_error_name == NULL || a->create_cdict == NULL ||
      a->create_ddict == NULL || a->free_cdict == NULL || a->free_ddict == NULL ||
      a->compress_cdict == NULL || a->decompress_ddict == NULL)
    a->train = NULL;
  a->cctx = create_cctx();
  a->dctx = create_dctx();
  if (a->cctx == NULL || a->dctx == NULL) {
    snprintf(b->error, sizeof b->error, "out of memory for the zstd contexts");
  }
}

/* As DEFINE_MODULE, plus the dictionary calls when the library has them. */
NAPI_MODULE_INIT() {
  addon_t *a = calloc(1, sizeof *a);
  if (a == NULL) {
    napi_throw_error(env, NULL, ADDON ": out of memory");
    return NULL;
  }
  open_zstd(a);
  napi_set_instance_data(env, a, finalize, NULL);
  if (export_module(env, exports, ADDON, &a->base, decode, decode_into, encode) == NULL)
    return NULL;
  if (a->base.error[0] == '\0' && a->train != NULL) {
    export_fn(env, exports, "trainDictionary", train_dictionary);
    export_fn(env, exports, "dictCreate", dict_create);
    export_fn(env, exports, "dictEncode", dict_encode);
    export_fn(env, exports, "dictDecode", dict_decode);
  }
  return exports;
}
