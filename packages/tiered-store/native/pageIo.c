/*
 * pageIo.c: the file device's page I/O and its crc32c, one Node-API call per page.
 *
 * Why an addon: a 4 KiB pread or pwrite from the page cache costs about 1 us through
 * fs.readSync / fs.writeSync, and crc32c through @node-rs/crc32 cost another ~1 us, so
 * the file device ran at 0.47x of plain pread. Here the checksum runs in the same call
 * as the system call, on the CPU's crc32 instruction in three interleaved streams (the
 * instruction has a latency of three cycles and a throughput of one), so a page costs
 * well under 0.2 us on top of the I/O, and one call replaces fs's argument checks.
 * Folding with carry-less multiplication (PCLMULQDQ) was tried and measured slower on
 * this project's machines (AMD EPYC: 64 KiB in ~9.5 us against ~3.5 us), so it is not used.
 *
 * Exports (all synchronous; integers arrive as JS numbers, checked by the caller and
 * again here for memory safety):
 *   crc32c(buf, start, end, crc)            crc32c of buf[start, end), continuing crc
 *   crc32cPortable(...)                     the same on the table-driven path (for tests)
 *   pread(fd, buf, off, len, pos)           reads all len bytes: 0, or -errno
 *   preadCrc(fd, buf, off, len, pos)        reads all len bytes: their crc32c, or -errno
 *   pwriteCrc(fd, buf, off, len, pos)       writes all len bytes: their crc32c, or -errno
 *   preadRunCrc(fd, buf, off, pos, ps, lengths, first, count, crcs)
 *                                           one pread of a run of pages, a crc32c per page
 *   pwritevCrc(fd, pages, first, count, pos, crcs)
 *                                           one pwritev of a run of pages, a crc32c per page
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
#include <sys/uio.h>
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

/* ---- runs of pages ----------------------------------------------------------------- */

/* The largest run one call takes (an iovec per page; far below IOV_MAX). */
#define MAX_RUN 256

static int get_u32s(napi_env env, napi_value v, uint32_t **data, size_t *len) {
  napi_typedarray_type type;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok ||
      type != napi_uint32_array) {
    napi_throw_type_error(env, NULL, "tierswap_pageio: expected a Uint32Array");
    return 0;
  }
  *data = ptr;
  return 1;
}

static int is_index(double x, double limit) {
  return x >= 0 && x <= limit && (double)(size_t)x == x;
}

/*
 * preadRunCrc(fd, buf, off, pos, pageSize, lengths, first, count, crcs): one pread of the
 * run of `count` consecutive pages at file position `pos` into buf[off..]: all pages whole
 * but the last, read up to lengths[first + count - 1]; then crcs[first + k] = crc32c of
 * page k's lengths[first + k] bytes. 0, or -errno.
 */
static napi_value js_pread_run_crc(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  double fd, off, pos, ps, first, count;
  uint8_t *buf;
  size_t size, nlen, ncrc;
  uint32_t *lengths, *crcs;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 9) {
    napi_throw_type_error(env, NULL, "tierswap_pageio.preadRunCrc: 9 arguments expected");
    return NULL;
  }
  if (!get_num(env, argv[0], &fd) || !get_bytes(env, argv[1], &buf, &size) ||
      !get_num(env, argv[2], &off) || !get_num(env, argv[3], &pos) ||
      !get_num(env, argv[4], &ps) || !get_u32s(env, argv[5], &lengths, &nlen) ||
      !get_num(env, argv[6], &first) || !get_num(env, argv[7], &count) ||
      !get_u32s(env, argv[8], &crcs, &ncrc))
    return NULL;
  if (!(is_index(fd, 2147483646.0) && is_index(off, (double)size) && is_index(ps, 1 << 20) &&
        ps >= 1 && is_index(first, (double)nlen) && is_index(count, MAX_RUN) && count >= 1 &&
        first + count <= (double)nlen && first + count <= (double)ncrc && pos >= 0 &&
        pos < 9007199254740992.0 && (double)(off_t)pos == pos)) {
    napi_throw_range_error(env, NULL, "tierswap_pageio.preadRunCrc: argument out of range");
    return NULL;
  }
  size_t f = (size_t)first, n = (size_t)count, page = (size_t)ps;
  for (size_t k = 0; k < n; k++) {
    if (lengths[f + k] > page) {
      napi_throw_range_error(env, NULL, "tierswap_pageio.preadRunCrc: a length exceeds the page");
      return NULL;
    }
  }
  size_t bytes = (n - 1) * page + lengths[f + n - 1];
  if ((size_t)off + bytes > size) {
    napi_throw_range_error(env, NULL, "tierswap_pageio.preadRunCrc: run outside the buffer");
    return NULL;
  }
  io_args_t a = {(int)fd, buf + (size_t)off, bytes, (off_t)pos};
  int r = read_all(&a);
  if (r < 0) return num(env, r);
  for (size_t k = 0; k < n; k++) crcs[f + k] = crc32c(0, a.p + k * page, lengths[f + k]);
  return num(env, 0);
}

/*
 * pwritevCrc(fd, pages, first, count, pos, crcs): writes pages[first .. first + count) back
 * to back at `pos` (pwritev, finishing short writes), after setting crcs[first + k] to the
 * crc32c of pages[first + k]. 0, or -errno.
 */
static napi_value js_pwritev_crc(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  double fd, first, count, pos;
  uint32_t *crcs;
  size_t ncrc;
  uint32_t npages;
  bool is_array;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "tierswap_pageio.pwritevCrc: 6 arguments expected");
    return NULL;
  }
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, NULL, "tierswap_pageio.pwritevCrc: pages must be an array");
    return NULL;
  }
  napi_get_array_length(env, argv[1], &npages);
  if (!get_num(env, argv[0], &fd) || !get_num(env, argv[2], &first) ||
      !get_num(env, argv[3], &count) || !get_num(env, argv[4], &pos) ||
      !get_u32s(env, argv[5], &crcs, &ncrc))
    return NULL;
  if (!(is_index(fd, 2147483646.0) && is_index(first, npages) && is_index(count, MAX_RUN) &&
        count >= 1 && first + count <= (double)npages && first + count <= (double)ncrc &&
        pos >= 0 && pos < 9007199254740992.0 && (double)(off_t)pos == pos)) {
    napi_throw_range_error(env, NULL, "tierswap_pageio.pwritevCrc: argument out of range");
    return NULL;
  }
  size_t f = (size_t)first, n = (size_t)count;
  struct iovec iov[MAX_RUN];
  size_t total = 0;
  for (size_t k = 0; k < n; k++) {
    napi_value el;
    uint8_t *data;
    size_t len;
    if (napi_get_element(env, argv[1], (uint32_t)(f + k), &el) != napi_ok ||
        !get_bytes(env, el, &data, &len))
      return NULL;
    iov[k].iov_base = data;
    iov[k].iov_len = len;
    total += len;
  }
  for (size_t k = 0; k < n; k++) crcs[f + k] = crc32c(0, iov[k].iov_base, iov[k].iov_len);
  /* pwritev, then whatever a short write left, from where it stopped. */
  size_t done = 0, at = 0;
  while (done < total) {
    ssize_t w = pwritev((int)fd, iov + at, (int)(n - at), (off_t)pos + (off_t)done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return num(env, -errno);
    }
    if (w == 0) return num(env, -EIO);
    done += (size_t)w;
    size_t adv = (size_t)w;
    while (at < n && adv >= iov[at].iov_len) {
      adv -= iov[at].iov_len;
      at++;
    }
    if (at < n) {
      iov[at].iov_base = (uint8_t *)iov[at].iov_base + adv;
      iov[at].iov_len -= adv;
    }
  }
  return num(env, 0);
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
      {"preadRunCrc", NULL, js_pread_run_crc, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pwritevCrc", NULL, js_pwritev_crc, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value hw;
  napi_get_boolean(env, have_hw != 0, &hw);
  napi_set_named_property(env, exports, "hardware", hw);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
