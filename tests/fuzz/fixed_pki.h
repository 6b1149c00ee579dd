/* A fixed, public test key and its self-signed certificate (P-256, valid 2020-2099) for the BCAST fuzz targets:
 * the seeds in tests/fuzz/corpus/{bcastid,upgrade} are signed with it, so the fuzzer starts from inputs that
 * verify and reaches every check. Not a secret; never use it outside tests. Seeds: tests/fuzz/mkseeds_bcast.c. */
#ifndef FUZZ_FIXED_PKI_H
#define FUZZ_FIXED_PKI_H

#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

static const char FIXED_KEY_PEM[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3nHM/315n44gjNEf\n"
    "JLEpbmcKa4FZYSejtaBttvVX1MShRANCAARF4GMldUsmAB8ia2ajz4GLOzzx5qYF\n"
    "QNwzLKOw+ljIWqdZtjgzJuGDqh3Hogk4pZROee9BmCJhC281QZbyTB03\n"
    "-----END PRIVATE KEY-----\n"
    ;

static const char FIXED_CERT_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBUTCB+aADAgECAgRcpuF/MAoGCCqGSM49BAMCMCYxJDAiBgNVBAMMG3NjYWdl\n"
    "bnQgZnV6eiBOQUYgYW5kIGNsaWVudDAgFw0yMDAxMDEwMDAwMDBaGA8yMDk5MTIz\n"
    "MTIzNTk1OVowJjEkMCIGA1UEAwwbc2NhZ2VudCBmdXp6IE5BRiBhbmQgY2xpZW50\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEReBjJXVLJgAfImtmo8+Bizs88eam\n"
    "BUDcMyyjsPpYyFqnWbY4Mybhg6odx6IJOKWUTnnvQZgiYQtvNUGW8kwdN6MTMBEw\n"
    "DwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAmGY2s0FWBB7iCTMMB\n"
    "3fY52E0AGTuyWvnm1sF+cnSj4gIgKH8Xwl8WFVWMLA+Cgbh13XLLMQsbLtfaBCJ6\n"
    "cgdpzLU=\n"
    "-----END CERTIFICATE-----\n"
    ;

/* The 19 bytes of fields the seeds carry: IMEI 490154203237518, firmware 5, manufacturer 0x1234, model 0x16,
 * serial 0x01E240, software 7. */
static const unsigned char FIXED_FIELDS[19] = {0x4A, 0x09, 0x51, 0x24, 0x30, 0x32, 0x57, 0x81, 0x00, 0x05,
                                               0x12, 0x34, 0x00, 0x16, 0x01, 0xE2, 0x40, 0x00, 0x07};

static EVP_PKEY *fixed_key(void)
{
    BIO *b = BIO_new_mem_buf(FIXED_KEY_PEM, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (k == NULL)
        abort();
    return k;
}

static X509 *fixed_cert(void)
{
    BIO *b = BIO_new_mem_buf(FIXED_CERT_PEM, -1);
    X509 *c = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (c == NULL)
        abort();
    return c;
}

#endif
