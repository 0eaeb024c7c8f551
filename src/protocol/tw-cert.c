/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-cert.h"

#include <string.h>

#define CERT_LABEL        "tigress-wallet v1 access-cert"
#define LOCK_AUTH_LABEL   "tigress-wallet v1 lock-auth"
#define REVOCATION_LABEL  "tigress-wallet v1 revocation"

/* Everything before the signature. */
#define CERT_FIELDS_SIZE  (TW_CERT_SIZE - TW_ED25519_SIG_SIZE)
#define REVOCATION_HEADER_SIZE (TW_CERT_RESOURCE_ID_SIZE + 4 + 4)

G_STATIC_ASSERT (CERT_FIELDS_SIZE == 1 + 1 + TW_CERT_SERIAL_SIZE + TW_CERT_KEY_ID_SIZE
                 + TW_CERT_RESOURCE_ID_SIZE + 1 + TW_ED25519_PUBLIC_SIZE + 4 + 8 + 8
                 + 4 + 1 + TW_CERT_SHARE_ID_SIZE);

struct _TwLock
{
  guint8           owner_public_key[TW_ED25519_PUBLIC_SIZE];
  guint8           resource_id[TW_CERT_RESOURCE_ID_SIZE];
  guint32          epoch;
  guint32          revocation_version;   /* 0: no list yet */
  GBytes          *revoked_serials;      /* TW_CERT_SERIAL_SIZE bytes each */
  gboolean         challenge_open;
  TwLockChallenge  challenge;
};

G_DEFINE_QUARK (tw-cert-error-quark, tw_cert_error)

/* ---------------------------------------------------------------------------
 * Big-endian fields
 * ------------------------------------------------------------------------- */

typedef struct {
  guint8 *data;
  gsize   at;
} Writer;

typedef struct {
  const guint8 *data;
  gsize         at;
} Reader;

static void
put_bytes (Writer        *w,
           gconstpointer  bytes,
           gsize          size)
{
  memcpy (w->data + w->at, bytes, size);
  w->at += size;
}

static void
put_uint (Writer  *w,
          guint64  value,
          guint    size)
{
  for (guint i = 0; i < size; i++)
    w->data[w->at + i] = (value >> (8 * (size - 1 - i))) & 0xff;
  w->at += size;
}

static void
get_bytes (Reader   *r,
           gpointer  bytes,
           gsize     size)
{
  memcpy (bytes, r->data + r->at, size);
  r->at += size;
}

static guint64
get_uint (Reader *r,
          guint   size)
{
  guint64 value = 0;

  for (guint i = 0; i < size; i++)
    value = value << 8 | r->data[r->at + i];
  r->at += size;
  return value;
}

/* ---------------------------------------------------------------------------
 * Certificates
 * ------------------------------------------------------------------------- */

static void
encode_fields (const TwCertFields *f,
               guint8              out[CERT_FIELDS_SIZE])
{
  Writer w = { out, 0 };

  put_uint (&w, f->version, 1);
  put_uint (&w, f->signature_algorithm, 1);
  put_bytes (&w, f->serial, sizeof f->serial);
  put_bytes (&w, f->issuer_key_id, sizeof f->issuer_key_id);
  put_bytes (&w, f->resource_id, sizeof f->resource_id);
  put_uint (&w, f->subject_algorithm, 1);
  put_bytes (&w, f->subject_public_key, sizeof f->subject_public_key);
  put_uint (&w, f->rights, 4);
  put_uint (&w, (guint64) f->not_before, 8);
  put_uint (&w, (guint64) f->not_after, 8);
  put_uint (&w, f->lock_epoch, 4);
  put_uint (&w, f->may_delegate, 1);
  put_bytes (&w, f->share_id, sizeof f->share_id);
  g_assert (w.at == CERT_FIELDS_SIZE);
}

static void
decode_fields (const guint8  in[CERT_FIELDS_SIZE],
               TwCertFields *f)
{
  Reader r = { in, 0 };

  f->version = get_uint (&r, 1);
  f->signature_algorithm = get_uint (&r, 1);
  get_bytes (&r, f->serial, sizeof f->serial);
  get_bytes (&r, f->issuer_key_id, sizeof f->issuer_key_id);
  get_bytes (&r, f->resource_id, sizeof f->resource_id);
  f->subject_algorithm = get_uint (&r, 1);
  get_bytes (&r, f->subject_public_key, sizeof f->subject_public_key);
  f->rights = get_uint (&r, 4);
  f->not_before = (gint64) get_uint (&r, 8);
  f->not_after = (gint64) get_uint (&r, 8);
  f->lock_epoch = get_uint (&r, 4);
  f->may_delegate = get_uint (&r, 1);
  get_bytes (&r, f->share_id, sizeof f->share_id);
}

/* label || 0x00 || data, the form every signature here covers. */
static GByteArray *
labelled (const char    *label,
          gconstpointer  data,
          gsize          size)
{
  GByteArray *input = g_byte_array_sized_new (strlen (label) + 1 + size);

  g_byte_array_append (input, (const guint8 *) label, strlen (label) + 1);
  g_byte_array_append (input, data, size);
  return input;
}

void
tw_cert_key_id (const guint8 owner_public_key[TW_ED25519_PUBLIC_SIZE],
                guint8       key_id[TW_CERT_KEY_ID_SIZE])
{
  tw_sha256 (owner_public_key, TW_ED25519_PUBLIC_SIZE, key_id);
}

GBytes *
tw_cert_issue (const TwCertFields  *fields,
               TwSecret            *owner_seed,
               GError             **error)
{
  TwCertFields f = *fields;
  guint8 owner_public_key[TW_ED25519_PUBLIC_SIZE];
  guint8 certificate[TW_CERT_SIZE];
  g_autoptr (GByteArray) input = NULL;

  g_return_val_if_fail (fields != NULL && owner_seed != NULL, NULL);
  g_return_val_if_fail (fields->not_before < fields->not_after, NULL);

  if (!tw_ed25519_public_key (owner_seed, owner_public_key, error))
    return NULL;
  f.version = TW_CERT_VERSION;
  f.signature_algorithm = TW_CERT_SIGNATURE_ED25519;
  f.subject_algorithm = TW_CERT_SUBJECT_ED25519;
  f.may_delegate = 0;
  tw_cert_key_id (owner_public_key, f.issuer_key_id);

  encode_fields (&f, certificate);
  input = labelled (CERT_LABEL, certificate, CERT_FIELDS_SIZE);
  if (!tw_ed25519_sign (owner_seed, input->data, input->len,
                        certificate + CERT_FIELDS_SIZE, error))
    return NULL;

  return g_bytes_new (certificate, sizeof certificate);
}

static gboolean
cert_error (GError      **error,
            TwCertError   code,
            const char   *message)
{
  g_set_error_literal (error, TW_CERT_ERROR, code, message);
  return FALSE;
}

gboolean
tw_cert_decode (GBytes        *certificate,
                TwCertFields  *fields,
                GError       **error)
{
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (certificate != NULL && fields != NULL, FALSE);

  data = g_bytes_get_data (certificate, &size);
  if (size != TW_CERT_SIZE)
    return cert_error (error, TW_CERT_ERROR_MALFORMED,
                       "The certificate has the wrong size");
  decode_fields (data, fields);

  if (fields->version != TW_CERT_VERSION)
    return cert_error (error, TW_CERT_ERROR_UNSUPPORTED,
                       "The certificate has a version this wallet does not know");
  if (fields->signature_algorithm != TW_CERT_SIGNATURE_ED25519
      || fields->subject_algorithm != TW_CERT_SUBJECT_ED25519)
    return cert_error (error, TW_CERT_ERROR_UNSUPPORTED,
                       "The certificate uses an algorithm this wallet does not know");
  if (fields->may_delegate != 0 || fields->not_before >= fields->not_after)
    return cert_error (error, TW_CERT_ERROR_MALFORMED,
                       "The certificate holds a field no certificate may hold");

  return TRUE;
}

gboolean
tw_cert_verify (GBytes        *certificate,
                const guint8   owner_public_key[TW_ED25519_PUBLIC_SIZE],
                TwCertFields  *fields,
                GError       **error)
{
  guint8 key_id[TW_CERT_KEY_ID_SIZE];
  g_autoptr (GByteArray) input = NULL;
  const guint8 *data;

  if (!tw_cert_decode (certificate, fields, error))
    return FALSE;

  tw_cert_key_id (owner_public_key, key_id);
  if (!tw_memeq_ct (key_id, fields->issuer_key_id, sizeof key_id))
    return cert_error (error, TW_CERT_ERROR_WRONG_ISSUER,
                       "The certificate was issued by another owner key");

  data = g_bytes_get_data (certificate, NULL);
  input = labelled (CERT_LABEL, data, CERT_FIELDS_SIZE);
  if (!tw_ed25519_verify (owner_public_key, input->data, input->len,
                          data + CERT_FIELDS_SIZE))
    return cert_error (error, TW_CERT_ERROR_BAD_SIGNATURE,
                       "The owner's signature on the certificate does not verify");

  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Revocation lists
 * ------------------------------------------------------------------------- */

GBytes *
tw_revocation_list_sign (const guint8   resource_id[TW_CERT_RESOURCE_ID_SIZE],
                         guint32        version,
                         const guint8  *serials,
                         guint          n_serials,
                         TwSecret      *owner_seed,
                         GError       **error)
{
  gsize body_size = REVOCATION_HEADER_SIZE + (gsize) n_serials * TW_CERT_SERIAL_SIZE;
  g_autofree guint8 *list = g_malloc (body_size + TW_ED25519_SIG_SIZE);
  g_autoptr (GByteArray) input = NULL;
  Writer w = { list, 0 };

  g_return_val_if_fail (n_serials <= TW_REVOCATION_MAX_SERIALS, NULL);
  g_return_val_if_fail (serials != NULL || n_serials == 0, NULL);
  g_return_val_if_fail (version > 0, NULL);

  put_bytes (&w, resource_id, TW_CERT_RESOURCE_ID_SIZE);
  put_uint (&w, version, 4);
  put_uint (&w, n_serials, 4);
  if (n_serials > 0)
    put_bytes (&w, serials, (gsize) n_serials * TW_CERT_SERIAL_SIZE);

  input = labelled (REVOCATION_LABEL, list, body_size);
  if (!tw_ed25519_sign (owner_seed, input->data, input->len, list + body_size, error))
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&list), body_size + TW_ED25519_SIG_SIZE);
}

static gboolean
revocation_list_read (TwLock        *self,
                      const guint8  *data,
                      gsize          size,
                      guint32       *version,
                      guint32       *count,
                      GError       **error)
{
  Reader r = { data, 0 };
  guint8 resource_id[TW_CERT_RESOURCE_ID_SIZE];
  gsize body_size;
  g_autoptr (GByteArray) input = NULL;

  if (size < REVOCATION_HEADER_SIZE + TW_ED25519_SIG_SIZE)
    return cert_error (error, TW_CERT_ERROR_MALFORMED, "The revocation list is too short");
  get_bytes (&r, resource_id, sizeof resource_id);
  *version = get_uint (&r, 4);
  *count = get_uint (&r, 4);
  body_size = REVOCATION_HEADER_SIZE + (gsize) *count * TW_CERT_SERIAL_SIZE;
  if (*count > TW_REVOCATION_MAX_SERIALS || size != body_size + TW_ED25519_SIG_SIZE)
    return cert_error (error, TW_CERT_ERROR_MALFORMED,
                       "The revocation list has the wrong size");

  input = labelled (REVOCATION_LABEL, data, body_size);
  if (!tw_ed25519_verify (self->owner_public_key, input->data, input->len, data + body_size))
    return cert_error (error, TW_CERT_ERROR_BAD_SIGNATURE,
                       "The owner's signature on the revocation list does not verify");
  if (memcmp (resource_id, self->resource_id, sizeof resource_id) != 0)
    return cert_error (error, TW_CERT_ERROR_WRONG_RESOURCE,
                       "The revocation list is for another lock");

  return TRUE;
}

gboolean
tw_lock_install_revocation_list (TwLock   *self,
                                 GBytes   *list,
                                 GError  **error)
{
  guint32 version, count;
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (self != NULL && list != NULL, FALSE);

  data = g_bytes_get_data (list, &size);
  if (!revocation_list_read (self, data, size, &version, &count, error))
    return FALSE;
  /* An older list could bring a revoked serial back to life. */
  if (version <= self->revocation_version)
    return cert_error (error, TW_CERT_ERROR_STALE_REVOCATION_LIST,
                       "The revocation list is not newer than the one the lock has");

  g_clear_pointer (&self->revoked_serials, g_bytes_unref);
  self->revoked_serials = g_bytes_new (data + REVOCATION_HEADER_SIZE,
                                       (gsize) count * TW_CERT_SERIAL_SIZE);
  self->revocation_version = version;
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * The lock and its challenge
 * ------------------------------------------------------------------------- */

TwLock *
tw_lock_new (const guint8 owner_public_key[TW_ED25519_PUBLIC_SIZE],
             const guint8 resource_id[TW_CERT_RESOURCE_ID_SIZE],
             guint32      epoch)
{
  TwLock *self = g_new0 (TwLock, 1);

  memcpy (self->owner_public_key, owner_public_key, sizeof self->owner_public_key);
  memcpy (self->resource_id, resource_id, sizeof self->resource_id);
  self->epoch = epoch;
  return self;
}

void
tw_lock_free (TwLock *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->revoked_serials, g_bytes_unref);
  g_free (self);
}

void
tw_lock_set_epoch (TwLock  *self,
                   guint32  epoch)
{
  g_return_if_fail (self != NULL);

  self->epoch = epoch;
}

void
tw_lock_new_challenge (TwLock          *self,
                       gint64           now,
                       TwLockChallenge *challenge)
{
  g_return_if_fail (self != NULL && challenge != NULL);

  memcpy (self->challenge.resource_id, self->resource_id, sizeof self->resource_id);
  tw_random_bytes (self->challenge.nonce, sizeof self->challenge.nonce);
  self->challenge.issued_at = now;
  self->challenge_open = TRUE;
  *challenge = self->challenge;
}

static GByteArray *
lock_auth_input (const TwLockChallenge *challenge,
                 GBytes                *certificate,
                 guint32                right)
{
  guint8 fields[TW_CERT_RESOURCE_ID_SIZE + TW_LOCK_NONCE_SIZE + TW_SHA256_SIZE + 4];
  gsize size;
  gconstpointer data = g_bytes_get_data (certificate, &size);
  Writer w = { fields, 0 };

  put_bytes (&w, challenge->resource_id, sizeof challenge->resource_id);
  put_bytes (&w, challenge->nonce, sizeof challenge->nonce);
  tw_sha256 (data, size, fields + w.at);
  w.at += TW_SHA256_SIZE;
  put_uint (&w, right, 4);

  return labelled (LOCK_AUTH_LABEL, fields, sizeof fields);
}

gboolean
tw_lock_response_sign (const TwLockChallenge  *challenge,
                       GBytes                 *certificate,
                       guint32                 right,
                       TwSecret               *subject_seed,
                       guint8                  signature[TW_ED25519_SIG_SIZE],
                       GError                **error)
{
  g_autoptr (GByteArray) input = NULL;

  g_return_val_if_fail (challenge != NULL && certificate != NULL, FALSE);
  g_return_val_if_fail (subject_seed != NULL && signature != NULL, FALSE);

  input = lock_auth_input (challenge, certificate, right);
  return tw_ed25519_sign (subject_seed, input->data, input->len, signature, error);
}

static gboolean
serial_is_revoked (TwLock       *self,
                   const guint8  serial[TW_CERT_SERIAL_SIZE])
{
  gsize size = 0;
  const guint8 *serials;

  if (self->revoked_serials == NULL)
    return FALSE;

  serials = g_bytes_get_data (self->revoked_serials, &size);
  for (gsize at = 0; at < size; at += TW_CERT_SERIAL_SIZE)
    if (memcmp (serials + at, serial, TW_CERT_SERIAL_SIZE) == 0)
      return TRUE;

  return FALSE;
}

static gboolean
check_grant (TwLock              *self,
             const TwCertFields  *cert,
             guint32              right,
             gint64               now,
             GError             **error)
{
  if (memcmp (cert->resource_id, self->resource_id, sizeof self->resource_id) != 0)
    return cert_error (error, TW_CERT_ERROR_WRONG_RESOURCE,
                       "The certificate is for another lock");
  /* One right per request: a mask would let a holder ask for several. */
  if (right == 0 || (right & (right - 1)) != 0 || (cert->rights & right) == 0)
    return cert_error (error, TW_CERT_ERROR_RIGHT_NOT_GRANTED,
                       "The certificate does not give the right asked for");
  if (now < cert->not_before)
    return cert_error (error, TW_CERT_ERROR_NOT_YET_VALID,
                       "The certificate is not valid yet");
  if (now >= cert->not_after)
    return cert_error (error, TW_CERT_ERROR_EXPIRED, "The certificate has expired");

  return TRUE;
}

static gboolean
check_standing (TwLock                *self,
                const TwCertFields    *cert,
                const TwLockChallenge *challenge,
                gint64                 now,
                GError               **error)
{
  if (now < challenge->issued_at || now - challenge->issued_at > TW_LOCK_CHALLENGE_LIFETIME)
    return cert_error (error, TW_CERT_ERROR_CHALLENGE_EXPIRED,
                       "The answer came too late for the lock's challenge");
  if (cert->lock_epoch < self->epoch)
    return cert_error (error, TW_CERT_ERROR_EPOCH_VOIDED,
                       "The certificate was issued before the lock's keys were reset");
  if (serial_is_revoked (self, cert->serial))
    return cert_error (error, TW_CERT_ERROR_REVOKED, "The certificate has been revoked");

  return TRUE;
}

gboolean
tw_lock_check (TwLock        *self,
               GBytes        *certificate,
               guint32        right,
               const guint8   signature[TW_ED25519_SIG_SIZE],
               gint64         now,
               GError       **error)
{
  TwLockChallenge challenge;
  TwCertFields cert;
  g_autoptr (GByteArray) input = NULL;

  g_return_val_if_fail (self != NULL && certificate != NULL && signature != NULL, FALSE);

  if (!self->challenge_open)
    return cert_error (error, TW_CERT_ERROR_NO_CHALLENGE,
                       "The lock has no open challenge: ask it for a new one");
  challenge = self->challenge;
  self->challenge_open = FALSE;

  if (!tw_cert_verify (certificate, self->owner_public_key, &cert, error)
      || !check_grant (self, &cert, right, now, error)
      || !check_standing (self, &cert, &challenge, now, error))
    return FALSE;

  input = lock_auth_input (&challenge, certificate, right);
  if (!tw_ed25519_verify (cert.subject_public_key, input->data, input->len, signature))
    return cert_error (error, TW_CERT_ERROR_BAD_PROOF,
                       "The holder's signature does not verify for this certificate");

  return TRUE;
}
