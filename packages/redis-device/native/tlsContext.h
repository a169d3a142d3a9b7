/*
 * tlsContext.h: the TLS half of blockingSocket.c's connect: reading the `tls` argument
 * and building the OpenSSL context (trust anchors, client certificate and key) it
 * describes.
 *
 * Everything here runs before a socket exists, so malformed PEM text, a key that does not
 * match its certificate or a wrong passphrase is a bad argument (EINVAL, with OpenSSL's
 * reason), never a network failure. The OpenSSL is the one inside the node binary (see
 * blockingSocket.c); its error queue is per thread and shared with Node's crypto, so
 * whatever is read from it here is also cleared.
 */

#ifndef TIERSWAP_TLS_CONTEXT_H
#define TIERSWAP_TLS_CONTEXT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include "socketArgs.h"

/* OpenSSL's oldest queued reason ("certificate verify failed"...), the queue emptied. */
static void ssl_reason(char *out, size_t len) {
  unsigned long e = ERR_get_error();
  if (e == 0) {
    snprintf(out, len, "no reason given by OpenSSL");
  } else {
    const char *r = ERR_reason_error_string(e);
    if (r != NULL) snprintf(out, len, "%s", r);
    else ERR_error_string_n(e, out, len);
  }
  ERR_clear_error();
}

/* A string or null property of the tls object, malloc()ed (NULL for null); 0 after throwing. */
static int get_opt_string(napi_env env, napi_value obj, const char *name, char **out) {
  napi_value v;
  napi_valuetype t;
  size_t len;
  *out = NULL;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok)
    return 0;
  if (t == napi_null) return 1;
  if (t != napi_string) {
    throw_code(env, "EINVAL", "connect: tls.%s must be a string or null", name);
    return 0;
  }
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  *out = malloc(len + 1);
  if (*out == NULL) {
    throw_code(env, "ENOMEM", "connect: no memory for tls.%s", name);
    return 0;
  }
  napi_get_value_string_utf8(env, v, *out, len + 1, &len);
  if (strlen(*out) != len) { /* an embedded NUL would silently cut the PEM or name */
    throw_code(env, "EINVAL", "connect: tls.%s contains a NUL character", name);
    return 0;
  }
  return 1;
}

typedef struct {
  char *ca, *cert, *key, *passphrase, *servername;
  bool reject_unauthorized;
} tls_opts_t;

static void free_opts(tls_opts_t *o) {
  free(o->ca);
  free(o->cert);
  free(o->key);
  if (o->passphrase != NULL) OPENSSL_cleanse(o->passphrase, strlen(o->passphrase));
  free(o->passphrase);
  free(o->servername);
}

static int get_tls_opts(napi_env env, napi_value obj, tls_opts_t *o) {
  napi_value v;
  napi_valuetype t;
  if (napi_typeof(env, obj, &t) != napi_ok || t != napi_object) {
    throw_code(env, "EINVAL", "connect: tls must be an object or null");
    return 0;
  }
  if (!get_opt_string(env, obj, "ca", &o->ca) || !get_opt_string(env, obj, "cert", &o->cert) ||
      !get_opt_string(env, obj, "key", &o->key) ||
      !get_opt_string(env, obj, "passphrase", &o->passphrase) ||
      !get_opt_string(env, obj, "servername", &o->servername))
    return 0;
  if (napi_get_named_property(env, obj, "rejectUnauthorized", &v) != napi_ok ||
      napi_get_value_bool(env, v, &o->reject_unauthorized) != napi_ok) {
    throw_code(env, "EINVAL", "connect: tls.rejectUnauthorized must be a boolean");
    return 0;
  }
  if ((o->cert == NULL) != (o->key == NULL)) {
    throw_code(env, "EINVAL", "connect: tls.cert and tls.key must be given together");
    return 0;
  }
  if (o->servername != NULL && (o->servername[0] == '\0' || strlen(o->servername) > MAX_HOST)) {
    throw_code(env, "EINVAL", "connect: tls.servername must be 1..%d characters", MAX_HOST);
    return 0;
  }
  return 1;
}

/*
 * Hands OpenSSL the passphrase; without a callback OpenSSL would prompt on the terminal
 * for an encrypted key. No passphrase: -1, the key fails to load with a clear reason.
 */
static int passphrase_cb(char *buf, int size, int rwflag, void *u) {
  (void)rwflag;
  if (u == NULL) return -1;
  size_t n = strlen(u);
  if (n > (size_t)size) return -1;
  memcpy(buf, u, n);
  return (int)n;
}

/*
 * An SSL_CTX holding the trust anchors and the client certificate; NULL after throwing
 * EINVAL naming what did not parse. Done before any socket exists, so bad PEM text is a
 * bad argument, not a network failure.
 */
static SSL_CTX *make_ctx(napi_env env, tls_opts_t *o) {
  char why[256];
  const char *bad = NULL;
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  BIO *bio = NULL;
  X509 *x = NULL;
  EVP_PKEY *pkey = NULL;
  if (ctx == NULL) {
    bad = "cannot create an SSL context";
    goto fail;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  /* One SSL_write may then send part of a large buffer; send() loops over the rest. */
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (o->ca == NULL) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      bad = "cannot load OpenSSL's default verify paths";
      goto fail;
    }
  } else {
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    int n = 0;
    bio = BIO_new_mem_buf(o->ca, -1);
    while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
      if (X509_STORE_add_cert(store, x) != 1) {
        bad = "tls.ca: cannot add a certificate";
        goto fail;
      }
      X509_free(x);
      x = NULL;
      n++;
    }
    if (n == 0) {
      bad = "tls.ca holds no PEM certificate";
      goto fail;
    }
    ERR_clear_error(); /* the PEM loop ends on a "no start line" error */
    BIO_free(bio);
    bio = NULL;
  }
  if (o->cert != NULL) {
    bio = BIO_new_mem_buf(o->cert, -1);
    x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (x == NULL || SSL_CTX_use_certificate(ctx, x) != 1) {
      bad = "tls.cert is not a usable PEM certificate";
      goto fail;
    }
    X509_free(x);
    /* Certificates after the first are its chain, sent to the server with it. */
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
      if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
        bad = "tls.cert: cannot add a chain certificate";
        goto fail;
      }
      x = NULL; /* add0: the context owns it now */
    }
    ERR_clear_error();
    BIO_free(bio);
    bio = BIO_new_mem_buf(o->key, -1);
    pkey = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, passphrase_cb, o->passphrase) : NULL;
    if (pkey == NULL) {
      bad = "tls.key is not a usable PEM private key (or the passphrase is wrong)";
      goto fail;
    }
    if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      bad = "tls.key does not match tls.cert";
      goto fail;
    }
    EVP_PKEY_free(pkey);
    BIO_free(bio);
  }
  SSL_CTX_set_verify(ctx, o->reject_unauthorized ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
  return ctx;
fail:
  ssl_reason(why, sizeof why);
  throw_code(env, "EINVAL", "connect: %s (%s)", bad, why);
  EVP_PKEY_free(pkey);
  X509_free(x);
  BIO_free(bio);
  SSL_CTX_free(ctx);
  return NULL;
}

static int is_ip_literal(const char *s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

#endif
