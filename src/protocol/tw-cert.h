/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-crypto.h"
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * Digital keys (protocol, section 5): the owner's certificate for a
 * recipient's own key, the lock's challenge, and the lock's check.
 *
 * Certificate, fixed big-endian binary, 204 bytes:
 *
 *   version u8 | signature algorithm u8 | serial [16] | issuer key id [32]
 *   | resource id [16] | subject algorithm u8 | subject public key [32]
 *   | rights u32 | not-before u64 | not-after u64 | lock epoch u32
 *   | may-delegate u8 | share id [16] | signature [64]
 *
 * The signature is the owner's Ed25519 signature over
 * "tigress-wallet v1 access-cert" || 0x00 || every field before it. The
 * issuer key id is SHA-256 of the owner's public key. Times are Unix
 * seconds on the owner's clock; not-before lies TW_CERT_CLOCK_SKEW before
 * the time of issue so that a lock whose clock is a little behind accepts
 * it. may-delegate is always 0: a recipient cannot share the key onward.
 *
 * The lock sends its resource id, a fresh 32-byte nonce and the time it
 * made it. The holder answers with its certificate, the one right it asks
 * for, and its subject signature over
 *
 *   "tigress-wallet v1 lock-auth" || 0x00 || resource id || nonce
 *   || SHA-256(certificate) || right (u32)
 *
 * The lock checks, in this order: issuer, certificate signature, resource,
 * right, validity window, nonce age (at most TW_LOCK_CHALLENGE_LIFETIME),
 * epoch, revocation, and the subject signature. Each refusal has its own
 * TW_CERT_ERROR code. A challenge is good for one check only.
 *
 * Revocation list, owner-signed binary:
 *
 *   "tigress-wallet v1 revocation" || 0x00 || resource id [16]
 *   || version u32 || count u32 || serials [16 each]
 *
 * is what is signed; the list on the wire is those bytes without the label
 * and separator, followed by the 64-byte signature. A lock takes a list only
 * if its version is newer than the one it has.
 */

#define TW_CERT_VERSION               1
#define TW_CERT_SIGNATURE_ED25519     1
#define TW_CERT_SUBJECT_ED25519       1
#define TW_CERT_SERIAL_SIZE           16
#define TW_CERT_KEY_ID_SIZE           TW_SHA256_SIZE
#define TW_CERT_RESOURCE_ID_SIZE      16
#define TW_CERT_SHARE_ID_SIZE         16
#define TW_CERT_SIZE                  204
#define TW_CERT_CLOCK_SKEW            (5 * 60)
#define TW_LOCK_NONCE_SIZE            32
#define TW_LOCK_CHALLENGE_LIFETIME    30
#define TW_REVOCATION_MAX_SERIALS     4096

#define TW_CERT_ERROR (tw_cert_error_quark ())

typedef enum {
  TW_CERT_ERROR_MALFORMED,             /* wrong size, or a field no certificate may hold */
  TW_CERT_ERROR_UNSUPPORTED,           /* a version or algorithm we do not know */
  TW_CERT_ERROR_WRONG_ISSUER,          /* issued by another owner key */
  TW_CERT_ERROR_BAD_SIGNATURE,         /* the owner's signature does not verify */
  TW_CERT_ERROR_WRONG_RESOURCE,        /* for another lock */
  TW_CERT_ERROR_RIGHT_NOT_GRANTED,     /* asks for a right the certificate does not give */
  TW_CERT_ERROR_NOT_YET_VALID,
  TW_CERT_ERROR_EXPIRED,
  TW_CERT_ERROR_NO_CHALLENGE,          /* no open challenge: never made, or already used */
  TW_CERT_ERROR_CHALLENGE_EXPIRED,     /* the nonce is older than 30 s (or from the future) */
  TW_CERT_ERROR_EPOCH_VOIDED,          /* issued before the lock's current epoch */
  TW_CERT_ERROR_REVOKED,               /* its serial is on the revocation list */
  TW_CERT_ERROR_BAD_PROOF,             /* the subject's signature does not verify */
  TW_CERT_ERROR_STALE_REVOCATION_LIST, /* a list not newer than the lock's */
} TwCertError;

/* Rights, as bits of the rights field; a lock request asks for one. */
typedef enum {
  TW_CERT_RIGHT_UNLOCK = 1 << 0,
  TW_CERT_RIGHT_LOCK   = 1 << 1,
  TW_CERT_RIGHT_START  = 1 << 2,   /* start a car's engine */
  TW_CERT_RIGHT_TRUNK  = 1 << 3,
} TwCertRight;

typedef struct {
  guint8   version;
  guint8   signature_algorithm;
  guint8   serial[TW_CERT_SERIAL_SIZE];
  guint8   issuer_key_id[TW_CERT_KEY_ID_SIZE];
  guint8   resource_id[TW_CERT_RESOURCE_ID_SIZE];
  guint8   subject_algorithm;
  guint8   subject_public_key[TW_ED25519_PUBLIC_SIZE];
  guint32  rights;
  gint64   not_before;
  gint64   not_after;
  guint32  lock_epoch;
  guint8   may_delegate;
  guint8   share_id[TW_CERT_SHARE_ID_SIZE];
} TwCertFields;

GQuark    tw_cert_error_quark           (void);

/* Fills version, algorithms, issuer key id (from @owner_seed) and
 * may-delegate in a copy of @fields, and signs. The caller sets serial,
 * resource, subject key, rights, validity, epoch and share id. */
GBytes   *tw_cert_issue                 (const TwCertFields  *fields,
                                         TwSecret            *owner_seed,
                                         GError             **error);

/* Reads the fields without checking the signature (to show a certificate,
 * or before tw_cert_verify). Refuses wrong sizes, unknown versions and
 * algorithms, and may-delegate other than 0. */
gboolean  tw_cert_decode                (GBytes              *certificate,
                                         TwCertFields        *fields,
                                         GError             **error);

/* Decodes, checks that @owner_public_key issued it and that its signature
 * verifies. */
gboolean  tw_cert_verify (GBytes        *certificate,
                          const guint8   owner_public_key[TW_ED25519_PUBLIC_SIZE],
                          TwCertFields  *fields,
                          GError       **error);

/* SHA-256 of the owner's public key. */
void      tw_cert_key_id (const guint8   owner_public_key[TW_ED25519_PUBLIC_SIZE],
                          guint8         key_id[TW_CERT_KEY_ID_SIZE]);

/* The owner signs a revocation list. */
GBytes   *tw_revocation_list_sign       (const guint8         resource_id[TW_CERT_RESOURCE_ID_SIZE],
                                         guint32              version,
                                         const guint8        *serials,
                                         guint                n_serials,
                                         TwSecret            *owner_seed,
                                         GError             **error);

/* What the lock sends. */
typedef struct {
  guint8  resource_id[TW_CERT_RESOURCE_ID_SIZE];
  guint8  nonce[TW_LOCK_NONCE_SIZE];
  gint64  issued_at;
} TwLockChallenge;

/* The holder's answer: the subject signature for @right over @challenge. */
gboolean  tw_lock_response_sign         (const TwLockChallenge *challenge,
                                         GBytes              *certificate,
                                         guint32              right,
                                         TwSecret            *subject_seed,
                                         guint8               signature[TW_ED25519_SIG_SIZE],
                                         GError             **error);

/* A lock (or a test standing in for one): the owner key it trusts, its
 * resource id, its epoch, its revocation list and its open challenge. */
typedef struct _TwLock TwLock;

TwLock   *tw_lock_new    (const guint8   owner_public_key[TW_ED25519_PUBLIC_SIZE],
                          const guint8   resource_id[TW_CERT_RESOURCE_ID_SIZE],
                          guint32        epoch);
void      tw_lock_free                  (TwLock              *lock);

/* Raising the epoch voids every certificate issued for a lower one. */
void      tw_lock_set_epoch             (TwLock              *lock,
                                         guint32              epoch);

/* Checks the owner's signature, the resource and that the version is newer
 * than the lock's, then replaces the lock's list. */
gboolean  tw_lock_install_revocation_list (TwLock            *lock,
                                         GBytes              *list,
                                         GError             **error);

/* A fresh challenge made at @now; it replaces any open one. */
void      tw_lock_new_challenge         (TwLock              *lock,
                                         gint64               now,
                                         TwLockChallenge     *challenge);

/* The lock's check of an answer at @now. Closes the challenge whatever the
 * outcome, so a nonce is never checked twice. */
gboolean  tw_lock_check                 (TwLock              *lock,
                                         GBytes              *certificate,
                                         guint32              right,
                                         const guint8         signature[TW_ED25519_SIG_SIZE],
                                         gint64               now,
                                         GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwLock, tw_lock_free)

G_END_DECLS
