/* src/records/dkimkey.c - DKIM keys with OpenSSL 3 EVP: generate, load, publish (RFC 6376, RFC 8463) */
#include "records/dkimkey.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/* ossl_err - the last OpenSSL error as text; caller frees */
static char *
ossl_err(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return xasprintf("%s: %s", what, e ? buf : "failed");
}

enum ms_status
dkim_key_generate(const char *type, unsigned bits, EVP_PKEY **out, char **err)
{
	*out = NULL;
	*err = NULL;
	if (strcmp(type, "rsa") == 0) {
		if (bits < 1024 || bits > 4096) {
			*err = xasprintf("RSA keys for DKIM are 1024 to 4096 bits (RFC 8301), not %u", bits);
			return MS_ERR_ARG;
		}
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (strcmp(type, "ed25519") == 0) {
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else {
		*err = xasprintf("key type \"%s\": rsa or ed25519", type);
		return MS_ERR_ARG;
	}
	if (*out == NULL) {
		*err = ossl_err("key generation");
		return MS_ERR_INTERNAL;
	}
	return MS_OK;
}

enum ms_status
dkim_key_load(const char *path, EVP_PKEY **out, char **err)
{
	FILE *fp = fopen(path, "r");

	*out = NULL;
	*err = NULL;
	if (fp == NULL) {
		*err = xasprintf("cannot open %s: %s", path, strerror(errno));
		return MS_ERR_IO;
	}
	*out = PEM_read_PrivateKey(fp, NULL, NULL, (void *)"");
	if (*out == NULL) {
		ERR_clear_error();
		rewind(fp);
		*out = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	}
	fclose(fp);
	if (*out == NULL) {
		*err = xasprintf("%s: not a PEM private or public key (encrypted keys are not read)",
		    path);
		ERR_clear_error();
		return MS_ERR_SYNTAX;
	}
	return MS_OK;
}

void
dkim_key_free(EVP_PKEY *k)
{
	EVP_PKEY_free(k);
}

unsigned
dkim_key_bits(EVP_PKEY *k)
{
	return (unsigned)EVP_PKEY_get_bits(k);
}

/* b64 - standard base64 without line breaks; caller frees */
static char *
b64(const unsigned char *p, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

enum ms_status
dkim_key_record(EVP_PKEY *k, char **out, char **err)
{
	*out = NULL;
	*err = NULL;
	if (EVP_PKEY_is_a(k, "RSA")) {
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(k, &der);
		char *p;

		if (n <= 0) {
			*err = ossl_err("public key encoding");
			return MS_ERR_INTERNAL;
		}
		p = b64(der, (size_t)n);
		OPENSSL_free(der);
		*out = xasprintf("v=DKIM1; k=rsa; p=%s", p);
		free(p);
		return MS_OK;
	}
	if (EVP_PKEY_is_a(k, "ED25519")) {
		unsigned char raw[32];
		size_t n = sizeof(raw);
		char *p;

		if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 || n != 32) {
			*err = ossl_err("public key encoding");
			return MS_ERR_INTERNAL;
		}
		p = b64(raw, n);
		*out = xasprintf("v=DKIM1; k=ed25519; p=%s", p);
		free(p);
		return MS_OK;
	}
	*err = xstrdup("only RSA and Ed25519 keys can be DKIM keys");
	return MS_ERR_ARG;
}

enum ms_status
dkim_key_write_private(EVP_PKEY *k, const char *path, FILE *fp, char **err)
{
	int fd = -1;
	FILE *own = NULL;
	enum ms_status st = MS_OK;

	*err = NULL;
	if (path) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			*err = xasprintf("cannot create %s: %s%s", path, strerror(errno),
			    errno == EEXIST ? " (a key is never overwritten)" : "");
			return MS_ERR_IO;
		}
		if (fchmod(fd, 0600) != 0 || (own = fdopen(fd, "w")) == NULL) {
			*err = xasprintf("cannot write %s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return MS_ERR_IO;
		}
		fp = own;
	}
	if (PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL) != 1) {
		*err = ossl_err("writing the private key");
		st = MS_ERR_IO;
	}
	if (own && fclose(own) != 0 && st == MS_OK) {
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		st = MS_ERR_IO;
	}
	if (st != MS_OK && path)
		unlink(path);
	return st;
}
