/*
 * pageIo.c: the file device's page I/O and its crc32c, one Node-API call per page.
 *
 * Why an addon: a 4 KiB pread or pwrite from the page cache costs about 1 us through
 * fs.readSync / fs.writeSync, and crc32c through @node-rs/crc32 cost another ~1 us, so
 * the file device ran at 0.47x of plain pread. Here the checksum runs in the same call
 * as the system call, on the CPU's crc32 instruction in three interleaved streams (the
 * instruction has a latency of three cycles and a throughput of one), so a page costs
 * well under 0.2 us on top of the I/O, and one call replaces fs's argument checks.
 *
 * Exports (all synchronous; integers arrive as JS numbers, checked by the caller and
 * again here for memory safety):
 *   crc32c(buf, start, end, crc)            crc32c of buf[start, end), continuing crc
 *   crc32cPortable(...)                     the same on the table-driven path (for tests)
 *   pread(fd, buf, off, len, pos)           reads all len bytes: 0, or -errno
 *   preadCrc(fd, buf, off, len, pos)        reads all len bytes: their crc32c, or -errno
 *   pwriteCrc(fd, buf, off, len, pos)       writes all len bytes: their crc32c, or -errno
 *   hardware                                true when the crc32 instruction is used
 * A read that meets the end of the file returns -ENODATA. EINTR is retried.
 *
 * crc32c is Castagnoli, reflected polynomial 0x82F63B78, with the usual pre and post
 * inversion: crc32c("123456789") = 0xE3069283, the same function as src/crc32c.ts.
 */

#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define POLY 0x82F63B78u
/* Bytes per stream in one interleaved step: three streams of SHORT bytes each. */
#define SHORT 256

/* Built once per process (pthread_once) at load, read-only afterwards. */
static uint32_t table[8][256];   /* slice-by-8 tables: the portable path and the tails */
static uint32_t zeros[4][256];   /* zeros[k][b]: state b << 8k advanced over SHORT zero bytes */
static int have_hw = 0;

static uint32_t advance_zeros_slow(uint32_t c, int n) {
  for (int i = 0; i < n; i++) c = table[0][c & 0xff] ^ (c >> 8);
  return c;
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
    table[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = table[0][b];
    for (int k = 1; k < 8; k++) {
      c = table[0][c & 0xff] ^ (c >> 8);
      table[k][b] = c;
    }
  }
  /* The raw state update is linear, so advancing over zeros is a per-byte table sum. */
  for (int k = 0; k < 4; k++)
    for (uint32_t b = 0; b < 256; b++) zeros[k][b] = advance_zeros_slow(b << (8 * k), SHORT);
#if defined(__x86_64__)
  __builtin_cpu_init();
  have_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static inline uint32_t shift_short(uint32_t c) {
  return zeros[0][c & 0xff] ^ zeros[1][(c >> 8) & 0xff] ^ zeros[2][(c >> 16) & 0xff] ^
         zeros[3][c >> 24];
}

/* Raw state (no inversions) over p[0, n), slice-by-8. */
static uint32_t crc_soft(uint32_t c, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    n--;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    w ^= c;
    c = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
        table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
        table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    c = _mm_crc32_u8(c, *p++);
    n--;
  }
  uint64_t a = c;
  /* Three streams over consecutive SHORT-byte pieces, joined by advancing over zeros:
     state(A B C) = Z(Z(state(A)) ^ state0(B)) ^ state0(C). */
  while (n >= 3 * SHORT) {
    uint64_t b = 0, d = 0;
    const uint64_t *w = (const uint64_t *)p;
    for (int i = 0; i < SHORT / 8; i++) {
      a = _mm_crc32_u64(a, w[i]);
      b = _mm_crc32_u64(b, w[i + SHORT / 8]);
      d = _mm_crc32_u64(d, w[i + 2 * SHORT / 8]);
    }
    a = shift_short(shift_short((uint32_t)a) ^ (uint32_t)b) ^ (uint32_t)d;
    p += 3 * SHORT;
    n -= 3 * SHORT;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    a = _mm_crc32_u64(a, w);
    p += 8;
    n -= 8;
  }
  c = (uint32_t)a;
  while (n-- > 0) c = _mm_crc32_u8(c, *p++);
  return c;
}
#endif

static uint32_t crc32c(uint32_t crc, const uint8_t *p, size_t n) {
#if defined(__x86_64__)
  if (have_hw) return ~crc_hw(~crc, p, n);
#endif
  return ~crc_soft(~crc, p, n);
}

/* ---- argument helpers ------------------------------------------------------------- */

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "tierswap_pageio: expected a Uint8Array");
    return 0;
  }
  *data = ptr;
  return 1;
}

static int get_num(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "tierswap_pageio: expected a number");
    return 0;
  }
  return 1;
}

static napi_value num(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

/* (fd, buf, off, len, pos) with off + len inside buf and pos a non-negative integer. */
typedef struct {
  int fd;
  uint8_t *p;
  size_t len;
  off_t pos;
} io_args_t;

static int get_io(napi_env env, napi_callback_info info, io_args_t *a) {
  size_t argc = 5;
  napi_value argv[5];
  double fd, off, len, pos;
  uint8_t *data;
  size_t size;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "tierswap_pageio: 5 arguments expected");
    return 0;
  }
  if (!get_num(env, argv[0], &fd) || !get_bytes(env, argv[1], &data, &size) ||
      !get_num(env, argv[2], &off) || !get_num(env, argv[3], &len) ||
      !get_num(env, argv[4], &pos))
    return 0;
  if (!(fd >= 0 && fd < 2147483647.0 && off >= 0 && len >= 0 && off + len <= (double)size &&
        pos >= 0 && pos < 9007199254740992.0 && (double)(int)fd == fd &&
        (double)(size_t)off == off && (double)(size_t)len == len && (double)(off_t)pos == pos)) {
    napi_throw_range_error(env, NULL, "tierswap_pageio: fd, offset, length or position out of range");
    return 0;
  }
  a->fd = (int)fd;
  a->p = data + (size_t)off;
  a->len = (size_t)len;
  a->pos = (off_t)pos;
  return 1;
}

static int read_all(const io_args_t *a) {
  size_t done = 0;
  while (done < a->len) {
    ssize_t n = pread(a->fd, a->p + done, a->len - done, a->pos + (off_t)done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -ENODATA;
    done += (size_t)n;
  }
  return 0;
}

static int write_all(const io_args_t *a) {
  size_t done = 0;
  while (done < a->len) {
    ssize_t n = pwrite(a->fd, a->p + done, a->len - done, a->pos + (off_t)done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;
    done += (size_t)n;
  }
  return 0;
}

/* ---- exports ---------------------------------------------------------------------- */

static napi_value crc_call(napi_env env, napi_callback_info info, int portable) {
  size_t argc = 4;
  napi_value argv[4];
  uint8_t *data;
  size_t size;
  double start, end, crc;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "tierswap_pageio.crc32c: 4 arguments expected");
    return NULL;
  }
  if (!get_bytes(env, argv[0], &data, &size) || !get_num(env, argv[1], &start) ||
      !get_num(env, argv[2], &end) || !get_num(env, argv[3], &crc))
    return NULL;
  if (!(start >= 0 && start <= end && end <= (double)size && crc >= 0 && crc <= 4294967295.0 &&
        (double)(size_t)start == start && (double)(size_t)end == end)) {
    napi_throw_range_error(env, NULL, "tierswap_pageio.crc32c: range outside the buffer");
    return NULL;
  }
  const uint8_t *p = data + (size_t)start;
  size_t n = (size_t)(end - start);
  return num(env, portable ? ~crc_soft(~(uint32_t)crc, p, n) : crc32c((uint32_t)crc, p, n));
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  return crc_call(env, info, 0);
}

static napi_value js_crc32c_portable(napi_env env, napi_callback_info info) {
  return crc_call(env, info, 1);
}

static napi_value js_pread(napi_env env, napi_callback_info info) {
  io_args_t a;
  if (!get_io(env, info, &a)) return NULL;
  return num(env, read_all(&a));
}

static napi_value js_pread_crc(napi_env env, napi_callback_info info) {
  io_args_t a;
  if (!get_io(env, info, &a)) return NULL;
  int r = read_all(&a);
  return num(env, r < 0 ? (double)r : (double)crc32c(0, a.p, a.len));
}

static napi_value js_pwrite_crc(napi_env env, napi_callback_info info) {
  io_args_t a;
  if (!get_io(env, info, &a)) return NULL;
  /* The checksum of what is handed to the kernel, taken before it goes. */
  uint32_t crc = crc32c(0, a.p, a.len);
  int r = write_all(&a);
  return num(env, r < 0 ? (double)r : (double)crc);
}

static napi_value init(napi_env env, napi_value exports) {
  /* Once per process, not per environment: workers share the tables read-only. */
  pthread_once(&tables_once, build_tables);
  napi_property_descriptor props[] = {
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32cPortable", NULL, js_crc32c_portable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pread", NULL, js_pread, NULL, NULL, NULL, napi_enumerable, NULL},
      {"preadCrc", NULL, js_pread_crc, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pwriteCrc", NULL, js_pwrite_crc, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value hw;
  napi_get_boolean(env, have_hw != 0, &hw);
  napi_set_named_property(env, exports, "hardware", hw);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
