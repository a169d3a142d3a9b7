/*
 * nodeApi.h: what the package's two addons (lz4Native.c, zstdNative.c) share: the
 * per-environment state every addon has, reading typed-array arguments, the decode call
 * (range checks, scratch page or in place), the `args` Int32Array through which
 * JavaScript passes integer arguments, and the module's exports.
 *
 * Why a header of static functions: each addon is its own shared object, built from one
 * .c file, so the helpers are compiled into each rather than linked between them.
 */

#ifndef TIERSWAP_NODE_API_H
#define TIERSWAP_NODE_API_H

#define NAPI_VERSION 8
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest page or block an addon accepts: far above any page size, far below INT_MAX. */
#define MAX_LEN (1 << 26)

/* What every addon keeps per Node environment (the first member of its own state). */
typedef struct {
  void *lib;           /* the dlopen()ed library */
  uint8_t *scratch;    /* decode's scratch page */
  size_t scratch_len;
  int32_t *args;       /* the exported `args` Int32Array's data */
  napi_ref args_ref;   /* keeps it alive for the environment's lifetime */
  char error[512];     /* empty when the library is usable */
  char version[32];
} addon_base_t;

/* Free what addon_base_t holds (the addon frees its own state and the struct). */
static void release_base(napi_env env, addon_base_t *b) {
  if (b->args_ref != NULL) napi_delete_reference(env, b->args_ref);
  free(b->scratch);
  if (b->lib != NULL) dlclose(b->lib);
}

/* The addon's state: its first member is an addon_base_t. */
static void *state_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

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

/*
 * Decode one block or frame: src + args[0], args[1] - args[0] bytes, into out, exactly
 * args[3] bytes. Returns args[3], or -1 for anything else.
 */
typedef int32_t (*block_decoder)(void *state, const uint8_t *src, uint8_t *out);

/*
 * decode / decodeInto(src, dst) with args = [srcStart, srcEnd, dstStart, size] -> size,
 * or -1 when the ranges are out of bounds or the input does not decode to exactly size
 * bytes. Not in place, the output goes to the scratch page and is copied into dst only
 * when whole, so dst is untouched on -1. In place (the zswap load path, as the kernel
 * decompresses into the faulting folio) saves that copy, ~0.05 us of a ~1.6 us lz4
 * load; on -1 dst[dstStart, dstStart + size) may then hold partial output, never
 * anything outside it.
 */
static napi_value run_decode(napi_env env, napi_callback_info info, const char *addon,
                             const char *name, block_decoder fn, int in_place) {
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_two(env, info, addon, name, &src, &src_len, &dst, &dst_len)) return NULL;
  void *state = state_of(env);
  addon_base_t *b = state;
  const int32_t *r = b->args;
  if (!ranges_fit(r, src_len, dst_len)) return int_value(env, -1);
  if (in_place) return int_value(env, fn(state, src, dst + r[2]));
  const size_t size = (size_t)r[3];
  if (size > b->scratch_len) {
    uint8_t *grown = realloc(b->scratch, size);
    if (grown == NULL) return int_value(env, -1);
    b->scratch = grown;
    b->scratch_len = size;
  }
  if (fn(state, src, b->scratch) < 0) return int_value(env, -1);
  memcpy(dst + r[2], b->scratch, size);
  return int_value(env, r[3]);
}

/*
 * Compress all of src into out (capacity cap): the compressed length, or 0 when it does
 * not fit or the library fails. args[3] carries a level where the library has one.
 */
typedef int32_t (*block_encoder)(void *state, const uint8_t *src, size_t src_len, uint8_t *out,
                                 size_t cap);

/* encode(src, dst) with args[2] = dstStart -> what the encoder wrote at dst[dstStart..], or 0. */
static napi_value run_encode(napi_env env, napi_callback_info info, const char *addon,
                             block_encoder fn) {
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (!get_two(env, info, addon, "encode", &src, &src_len, &dst, &dst_len)) return NULL;
  void *state = state_of(env);
  const int64_t d0 = ((addon_base_t *)state)->args[2];
  if (d0 < 0 || (uint64_t)d0 > dst_len || src_len > MAX_LEN) return int_value(env, 0);
  size_t cap = dst_len - (size_t)d0;
  if (cap > MAX_LEN) cap = MAX_LEN;
  return int_value(env, fn(state, src, src_len, dst + d0, cap));
}

/*
 * Define the addon's `decode` (dst untouched on -1), `decodeInto` (in place) and
 * `encode` over its block decoder and encoder: Node-API callbacks must be distinct
 * functions.
 */
#define DEFINE_CALLS(addon, decoder, encoder)                                 \
  static napi_value decode(napi_env env, napi_callback_info info) {           \
    return run_decode(env, info, addon, "decode", decoder, 0);                \
  }                                                                           \
  static napi_value decode_into(napi_env env, napi_callback_info info) {      \
    return run_decode(env, info, addon, "decodeInto", decoder, 1);            \
  }                                                                           \
  static napi_value encode(napi_env env, napi_callback_info info) {           \
    return run_encode(env, info, addon, encoder);                             \
  }

/*
 * The module's exports: `args`, `error`, `version`, and, when the library is usable,
 * the three calls. Returns NULL after throwing.
 */
static napi_value export_module(napi_env env, napi_value exports, const char *addon,
                                addon_base_t *b, napi_callback decode,
                                napi_callback decode_into, napi_callback encode) {
  if (!export_args(env, exports, addon, &b->args, &b->args_ref)) return NULL;
  export_status(env, exports, b->error, b->version);
  if (b->error[0] == '\0') {
    export_fn(env, exports, "decode", decode);
    export_fn(env, exports, "decodeInto", decode_into);
    export_fn(env, exports, "encode", encode);
  }
  return exports;
}

/*
 * The module initializer: allocate the addon's state (type `state_t`, first member an
 * addon_base_t), open its library with `open_fn`, attach the state to the environment
 * (freed by `finalize_fn`) and export the calls DEFINE_CALLS made.
 */
#define DEFINE_MODULE(addon, state_t, open_fn, finalize_fn)                            \
  NAPI_MODULE_INIT() {                                                                 \
    state_t *a = calloc(1, sizeof *a);                                                 \
    if (a == NULL) {                                                                   \
      napi_throw_error(env, NULL, addon ": out of memory");                            \
      return NULL;                                                                     \
    }                                                                                  \
    open_fn(a);                                                                        \
    napi_set_instance_data(env, a, finalize_fn, NULL);                                 \
    return export_module(env, exports, addon, &a->base, decode, decode_into, encode); \
  }

/*
 * dlopen the library named by env_var, else by default_name; on failure fill b->error.
 * The variable is trusted configuration (the library's initialisers run in this
 * process), and only an absolute path is accepted: anything else is refused before
 * dlopen, so a relative name can never be resolved against the current directory or
 * the library search path.
 */
static int open_library(addon_base_t *b, const char *env_var, const char *default_name,
                        const char **name_out) {
  const char *name = getenv(env_var);
  if (name == NULL || name[0] == '\0') {
    name = default_name;
  } else if (name[0] != '/') {
    *name_out = name;
    snprintf(b->error, sizeof b->error,
             "%s=%s is not an absolute path; it was not loaded (only absolute paths are)",
             env_var, name);
    return 0;
  }
  *name_out = name;
  b->lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (b->lib == NULL) {
    const char *why = dlerror();
    snprintf(b->error, sizeof b->error, "dlopen(%s) failed: %s", name,
             why ? why : "unknown error");
    return 0;
  }
  return 1;
}

#endif
