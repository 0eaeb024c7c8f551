/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-spake2.h"
#include "tw-crypto.h"
#include "tw-openssl-autoptr.h"

#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <string.h>

G_DEFINE_QUARK (tw-spake2-error-quark, tw_spake2_error)

#define W_INFO            "tigress-wallet v1 spake2 w"
/* 40 bytes for a 32-byte group order: the reduction's bias is below 2^-64. */
#define W_HKDF_SIZE       40
#define CONFIRMATION_INFO "ConfirmationKeys"
#define CONFIRMATION_KEY_SIZE 16
/* OpenSSL's HKDF takes at most 1024 bytes of info, the label included. */
#define MAX_AAD_SIZE      (1024 - (sizeof CONFIRMATION_INFO - 1))
#define TT_LENGTH_SIZE    8

/* RFC 9382's M and N for P-256, SEC1 compressed. */
static const guint8 point_m[] = {
  0x02, 0x88, 0x6e, 0x2f, 0x97, 0xac, 0xe4, 0x6e, 0x55, 0xba, 0x9d, 0xd7, 0x24, 0x25, 0x79,
  0xf2, 0x99, 0x3b, 0x64, 0xe1, 0x6e, 0xf3, 0xdc, 0xab, 0x95, 0xaf, 0xd4, 0x97, 0x33, 0x3d,
  0x8f, 0xa1, 0x2f,
};
static const guint8 point_n[] = {
  0x03, 0xd8, 0xbb, 0xd6, 0xc6, 0x39, 0xc6, 0x29, 0x37, 0xb0, 0x4d, 0x99, 0x7f, 0x38, 0xc3,
  0x77, 0x07, 0x19, 0xc6, 0x29, 0xd7, 0x01, 0x4d, 0x49, 0xa2, 0x4b, 0x4f, 0x98, 0xba, 0xa1,
  0x29, 0x2b, 0x49,
};

typedef enum {
  SPAKE2_STARTED,     /* our share exists; waiting for the peer's */
  SPAKE2_FINISHED,    /* keys derived; the peer's MAC not yet checked */
  SPAKE2_CONFIRMED,   /* the peer proved it holds the same w */
  SPAKE2_FAILED,      /* the peer's MAC was wrong; every key is gone */
} Spake2State;

struct _TwSpake2
{
  TwSpake2Role role;
  Spake2State state;
  char *identity_a;
  char *identity_b;
  EC_GROUP *group;
  BIGNUM *w;          /* secure heap, reduced mod n */
  BIGNUM *scalar;     /* x or y; secure heap, in [1, n-1] */
  guint8 share[TW_SPAKE2_POINT_SIZE];
  TwSecret *transcript;
  TwSecret *shared_key;
  guint8 own_mac[TW_SPAKE2_MAC_SIZE];
  guint8 expected_peer_mac[TW_SPAKE2_MAC_SIZE];
};

static gboolean
fail_with_openssl (GError     **error,
                   const char  *what)
{
  ERR_clear_error ();
  g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_FAILED,
               "OpenSSL failed while %s", what);
  return FALSE;
}

static BIGNUM *
secure_bignum (void)
{
  BIGNUM *value = BN_secure_new ();

  if (value == NULL)
    g_error ("Out of secure memory for a SPAKE2 scalar");
  BN_set_flags (value, BN_FLG_CONSTTIME);

  return value;
}

static EC_POINT *
decode_constant_point (const EC_GROUP *group,
                       const guint8   *encoded,
                       gsize           size,
                       BN_CTX         *ctx)
{
  EC_POINT *point = EC_POINT_new (group);

  if (point == NULL || EC_POINT_oct2point (group, point, encoded, size, ctx) != 1)
    g_error ("OpenSSL refused one of RFC 9382's P-256 constants");

  return point;
}

/* One scalar per call: with two, OpenSSL takes a variable-time path. A NULL
 * point means the generator. */
static EC_POINT *
multiply (const EC_GROUP *group,
          const BIGNUM   *scalar,
          const EC_POINT *point,
          BN_CTX         *ctx)
{
  g_autoptr(EC_POINT) product = EC_POINT_new (group);
  int done;

  if (product == NULL)
    return NULL;
  if (point == NULL)
    done = EC_POINT_mul (group, product, scalar, NULL, NULL, ctx);
  else
    done = EC_POINT_mul (group, product, NULL, point, scalar, ctx);

  return done == 1 ? g_steal_pointer (&product) : NULL;
}

static gboolean
encode_point (const EC_GROUP *group,
              const EC_POINT *point,
              guint8          out[TW_SPAKE2_POINT_SIZE],
              BN_CTX         *ctx)
{
  return EC_POINT_point2oct (group, point, POINT_CONVERSION_UNCOMPRESSED,
                             out, TW_SPAKE2_POINT_SIZE, ctx) == TW_SPAKE2_POINT_SIZE;
}

/* Loads a 32-byte big-endian value reduced mod n; refuses zero, which as w
 * would mean no password and as a scalar would reveal w in the share. */
static BIGNUM *
load_scalar (const EC_GROUP  *group,
             TwSecret        *encoded,
             const char      *name,
             BN_CTX          *ctx,
             GError         **error)
{
  g_autoptr(BIGNUM) raw = secure_bignum ();
  g_autoptr(BIGNUM) reduced = secure_bignum ();

  if (tw_secret_get_size (encoded) != TW_SPAKE2_SCALAR_SIZE)
    {
      g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_FAILED,
                   "The SPAKE2 %s must be %d bytes, not %" G_GSIZE_FORMAT, name,
                   TW_SPAKE2_SCALAR_SIZE, tw_secret_get_size (encoded));
      return NULL;
    }

  if (BN_bin2bn (tw_secret_get_data (encoded), TW_SPAKE2_SCALAR_SIZE, raw) == NULL
      || BN_nnmod (reduced, raw, EC_GROUP_get0_order (group), ctx) != 1)
    {
      fail_with_openssl (error, "reading a scalar");
      return NULL;
    }
  if (BN_is_zero (reduced))
    {
      g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_FAILED,
                   "The SPAKE2 %s is zero modulo the group order", name);
      return NULL;
    }

  return g_steal_pointer (&reduced);
}

/* Uniform in [1, n-1]: a uniform draw below n-1, plus one. */
static BIGNUM *
random_scalar (const EC_GROUP *group,
               BN_CTX         *ctx)
{
  g_autoptr(BIGNUM) scalar = secure_bignum ();
  g_autoptr(BIGNUM) range = BN_dup (EC_GROUP_get0_order (group));

  if (range == NULL
      || BN_sub_word (range, 1) != 1
      || BN_priv_rand_range_ex (scalar, range, 0, ctx) != 1
      || BN_add_word (scalar, 1) != 1)
    g_error ("The system random number generator failed; cannot continue safely");

  return g_steal_pointer (&scalar);
}

static const guint8 *
own_blind (TwSpake2 *self,
           gsize    *size)
{
  *size = self->role == TW_SPAKE2_ROLE_A ? sizeof point_m : sizeof point_n;
  return self->role == TW_SPAKE2_ROLE_A ? point_m : point_n;
}

static const guint8 *
peer_blind (TwSpake2 *self,
            gsize    *size)
{
  *size = self->role == TW_SPAKE2_ROLE_A ? sizeof point_n : sizeof point_m;
  return self->role == TW_SPAKE2_ROLE_A ? point_n : point_m;
}

/* pA = x*G + w*M for A, pB = y*G + w*N for B. */
static gboolean
compute_share (TwSpake2  *self,
               BN_CTX    *ctx,
               GError   **error)
{
  g_autoptr(EC_POINT) blind = NULL;
  g_autoptr(EC_POINT) scalar_part = NULL;
  g_autoptr(EC_POINT) password_part = NULL;
  g_autoptr(EC_POINT) share = EC_POINT_new (self->group);
  const guint8 *blind_encoded;
  gsize blind_size;

  blind_encoded = own_blind (self, &blind_size);
  blind = decode_constant_point (self->group, blind_encoded, blind_size, ctx);
  scalar_part = multiply (self->group, self->scalar, NULL, ctx);
  password_part = multiply (self->group, self->w, blind, ctx);

  if (share == NULL || scalar_part == NULL || password_part == NULL
      || EC_POINT_add (self->group, share, scalar_part, password_part, ctx) != 1
      || !encode_point (self->group, share, self->share, ctx))
    return fail_with_openssl (error, "computing our SPAKE2 share");

  return TRUE;
}

static TwSpake2 *
spake2_new (TwSpake2Role   role,
            const char    *identity_a,
            const char    *identity_b,
            TwSecret      *w,
            TwSecret      *scalar,
            GError       **error)
{
  g_autoptr(TwSpake2) self = g_new0 (TwSpake2, 1);
  g_autoptr(BN_CTX) ctx = BN_CTX_secure_new ();

  self->role = role;
  self->state = SPAKE2_STARTED;
  self->identity_a = g_strdup (identity_a);
  self->identity_b = g_strdup (identity_b);
  self->group = EC_GROUP_new_by_curve_name (NID_X9_62_prime256v1);
  if (ctx == NULL || self->group == NULL)
    {
      fail_with_openssl (error, "setting up the P-256 group");
      return NULL;
    }

  self->w = load_scalar (self->group, w, "password value w", ctx, error);
  if (self->w == NULL)
    return NULL;
  if (scalar != NULL)
    self->scalar = load_scalar (self->group, scalar, "scalar", ctx, error);
  else
    self->scalar = random_scalar (self->group, ctx);
  if (self->scalar == NULL || !compute_share (self, ctx, error))
    return NULL;

  return g_steal_pointer (&self);
}

TwSpake2 *
tw_spake2_new (TwSpake2Role   role,
               const char    *identity_a,
               const char    *identity_b,
               TwSecret      *w,
               GError       **error)
{
  g_return_val_if_fail (role == TW_SPAKE2_ROLE_A || role == TW_SPAKE2_ROLE_B, NULL);
  g_return_val_if_fail (identity_a != NULL && identity_b != NULL, NULL);
  g_return_val_if_fail (w != NULL, NULL);

  return spake2_new (role, identity_a, identity_b, w, NULL, error);
}

TwSpake2 *
tw_spake2_new_with_scalar (TwSpake2Role   role,
                           const char    *identity_a,
                           const char    *identity_b,
                           TwSecret      *w,
                           TwSecret      *scalar,
                           GError       **error)
{
  g_return_val_if_fail (role == TW_SPAKE2_ROLE_A || role == TW_SPAKE2_ROLE_B, NULL);
  g_return_val_if_fail (identity_a != NULL && identity_b != NULL, NULL);
  g_return_val_if_fail (w != NULL && scalar != NULL, NULL);

  return spake2_new (role, identity_a, identity_b, w, scalar, error);
}

/* A big-endian number of any length, reduced mod n, as 32 bytes. */
static TwSecret *
reduce_mod_order (const guint8  *wide_value,
                  gsize          size,
                  GError       **error)
{
  g_autoptr(TwSecret) reduced_encoded = tw_secret_new (TW_SPAKE2_SCALAR_SIZE);
  g_autoptr(BIGNUM) wide = secure_bignum ();
  g_autoptr(BIGNUM) reduced = secure_bignum ();
  g_autoptr(BN_CTX) ctx = BN_CTX_secure_new ();
  g_autoptr(EC_GROUP) group = EC_GROUP_new_by_curve_name (NID_X9_62_prime256v1);

  if (ctx == NULL || group == NULL
      || BN_bin2bn (wide_value, (int) size, wide) == NULL
      || BN_nnmod (reduced, wide, EC_GROUP_get0_order (group), ctx) != 1
      || BN_bn2binpad (reduced, tw_secret_get_data (reduced_encoded), TW_SPAKE2_SCALAR_SIZE)
         != TW_SPAKE2_SCALAR_SIZE)
    {
      fail_with_openssl (error, "reducing w");
      return NULL;
    }

  return g_steal_pointer (&reduced_encoded);
}

TwSecret *
tw_spake2_derive_w (const char  *pin,
                    const char  *share_id,
                    GError     **error)
{
  gsize pin_size;
  g_autoptr(TwSecret) length_prefixed_pin = NULL;
  g_autoptr(TwSecret) okm = tw_secret_new (W_HKDF_SIZE);

  g_return_val_if_fail (pin != NULL && share_id != NULL, NULL);

  pin_size = strlen (pin);
  if (pin_size == 0 || pin_size > G_MAXUINT16)
    {
      g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_FAILED,
                   "A PIN must have between 1 and %u bytes", G_MAXUINT16);
      return NULL;
    }

  /* lp(PIN): a 2-byte big-endian length, then the PIN. */
  length_prefixed_pin = tw_secret_new (2 + pin_size);
  tw_secret_get_data (length_prefixed_pin)[0] = (guint8) (pin_size >> 8);
  tw_secret_get_data (length_prefixed_pin)[1] = (guint8) (pin_size & 0xff);
  memcpy (tw_secret_get_data (length_prefixed_pin) + 2, pin, pin_size);

  if (!tw_hkdf_sha256 (tw_secret_get_data (length_prefixed_pin), 2 + pin_size,
                       share_id, strlen (share_id), W_INFO, sizeof W_INFO - 1,
                       tw_secret_get_data (okm), W_HKDF_SIZE, error))
    return NULL;

  return reduce_mod_order (tw_secret_get_data (okm), W_HKDF_SIZE, error);
}

TwSecret *
tw_spake2_get_scalar (TwSpake2 *self)
{
  g_autoptr(TwSecret) encoded = tw_secret_new (TW_SPAKE2_SCALAR_SIZE);

  g_return_val_if_fail (self != NULL, NULL);

  if (BN_bn2binpad (self->scalar, tw_secret_get_data (encoded), TW_SPAKE2_SCALAR_SIZE)
      != TW_SPAKE2_SCALAR_SIZE)
    g_error ("A SPAKE2 scalar did not fit in %d bytes", TW_SPAKE2_SCALAR_SIZE);

  return g_steal_pointer (&encoded);
}

void
tw_spake2_get_share (TwSpake2 *self,
                     guint8    out[TW_SPAKE2_POINT_SIZE])
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  memcpy (out, self->share, TW_SPAKE2_POINT_SIZE);
}

static gboolean
refuse_point (GError     **error,
              const char  *why)
{
  ERR_clear_error ();
  g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_BAD_POINT,
               "The peer's SPAKE2 share is not acceptable: %s", why);
  return FALSE;
}

/* Only SEC1 uncompressed form: the hybrid forms 06 and 07 would decode too,
 * and one encoding per point keeps the transcript unambiguous. */
static EC_POINT *
decode_peer_share (const EC_GROUP  *group,
                   const guint8     encoded[TW_SPAKE2_POINT_SIZE],
                   BN_CTX          *ctx,
                   GError         **error)
{
  g_autoptr(EC_POINT) point = EC_POINT_new (group);

  if (encoded[0] != POINT_CONVERSION_UNCOMPRESSED)
    {
      refuse_point (error, "it is not an uncompressed point");
      return NULL;
    }
  if (point == NULL
      || EC_POINT_oct2point (group, point, encoded, TW_SPAKE2_POINT_SIZE, ctx) != 1
      || EC_POINT_is_on_curve (group, point, ctx) != 1)
    {
      refuse_point (error, "it is not a point on P-256");
      return NULL;
    }
  if (EC_POINT_is_at_infinity (group, point))
    {
      refuse_point (error, "it is the point at infinity");
      return NULL;
    }

  return g_steal_pointer (&point);
}

/* pB - w*N for A, pA - w*M for B. */
static EC_POINT *
unblind_peer_share (TwSpake2        *self,
                    const EC_POINT  *peer,
                    BN_CTX          *ctx,
                    GError         **error)
{
  g_autoptr(EC_POINT) blind = NULL;
  g_autoptr(EC_POINT) password_part = NULL;
  g_autoptr(EC_POINT) unblinded = EC_POINT_new (self->group);
  const guint8 *blind_encoded;
  gsize blind_size;

  blind_encoded = peer_blind (self, &blind_size);
  blind = decode_constant_point (self->group, blind_encoded, blind_size, ctx);
  password_part = multiply (self->group, self->w, blind, ctx);
  if (unblinded == NULL || password_part == NULL
      || EC_POINT_invert (self->group, password_part, ctx) != 1
      || EC_POINT_add (self->group, unblinded, peer, password_part, ctx) != 1)
    {
      fail_with_openssl (error, "removing the peer's blind");
      return NULL;
    }

  /* The peer sent exactly w*N (or w*M): K would be the identity, known to
   * anyone, so this share proves the peer knows w but agrees on nothing. */
  if (EC_POINT_is_at_infinity (self->group, unblinded))
    {
      refuse_point (error, "it cancels the password blind");
      return NULL;
    }

  return g_steal_pointer (&unblinded);
}

/* K = x*(pB - w*N) for A, y*(pA - w*M) for B; returned encoded. */
static TwSecret *
compute_shared_point (TwSpake2      *self,
                      const guint8   peer_share[TW_SPAKE2_POINT_SIZE],
                      BN_CTX        *ctx,
                      GError       **error)
{
  g_autoptr(EC_POINT) peer = NULL;
  g_autoptr(EC_POINT) unblinded = NULL;
  g_autoptr(EC_POINT) shared = NULL;
  g_autoptr(TwSecret) encoded = tw_secret_new (TW_SPAKE2_POINT_SIZE);

  peer = decode_peer_share (self->group, peer_share, ctx, error);
  if (peer == NULL)
    return NULL;
  unblinded = unblind_peer_share (self, peer, ctx, error);
  if (unblinded == NULL)
    return NULL;

  shared = multiply (self->group, self->scalar, unblinded, ctx);
  if (shared == NULL || !encode_point (self->group, shared, tw_secret_get_data (encoded), ctx))
    {
      fail_with_openssl (error, "computing the shared point");
      return NULL;
    }

  return g_steal_pointer (&encoded);
}

static guint8 *
append_with_length (guint8        *cursor,
                    gconstpointer  data,
                    gsize          size)
{
  guint64 length_le = GUINT64_TO_LE ((guint64) size);

  memcpy (cursor, &length_le, TT_LENGTH_SIZE);
  if (size > 0)
    memcpy (cursor + TT_LENGTH_SIZE, data, size);

  return cursor + TT_LENGTH_SIZE + size;
}

/* TT = len(A)||A || len(B)||B || len(pA)||pA || len(pB)||pB || len(K)||K
 *      || len(w)||w, lengths 8-byte little-endian, w 32 bytes big-endian. */
static TwSecret *
build_transcript (TwSpake2     *self,
                  const guint8  peer_share[TW_SPAKE2_POINT_SIZE],
                  TwSecret     *shared_point)
{
  gsize a_size = strlen (self->identity_a);
  gsize b_size = strlen (self->identity_b);
  gsize size = 6 * TT_LENGTH_SIZE + a_size + b_size
               + 3 * TW_SPAKE2_POINT_SIZE + TW_SPAKE2_SCALAR_SIZE;
  g_autoptr(TwSecret) transcript = tw_secret_new (size);
  g_autoptr(TwSecret) w = tw_secret_new (TW_SPAKE2_SCALAR_SIZE);
  const guint8 *share_a = self->role == TW_SPAKE2_ROLE_A ? self->share : peer_share;
  const guint8 *share_b = self->role == TW_SPAKE2_ROLE_A ? peer_share : self->share;
  guint8 *cursor = tw_secret_get_data (transcript);

  if (BN_bn2binpad (self->w, tw_secret_get_data (w), TW_SPAKE2_SCALAR_SIZE)
      != TW_SPAKE2_SCALAR_SIZE)
    g_error ("A SPAKE2 w did not fit in %d bytes", TW_SPAKE2_SCALAR_SIZE);

  cursor = append_with_length (cursor, self->identity_a, a_size);
  cursor = append_with_length (cursor, self->identity_b, b_size);
  cursor = append_with_length (cursor, share_a, TW_SPAKE2_POINT_SIZE);
  cursor = append_with_length (cursor, share_b, TW_SPAKE2_POINT_SIZE);
  cursor = append_with_length (cursor, tw_secret_get_data (shared_point), TW_SPAKE2_POINT_SIZE);
  cursor = append_with_length (cursor, tw_secret_get_data (w), TW_SPAKE2_SCALAR_SIZE);
  g_assert (cursor == tw_secret_get_data (transcript) + size);

  return g_steal_pointer (&transcript);
}

/* Ke || Ka = SHA-256(TT); KcA || KcB = HKDF(Ka, "", "ConfirmationKeys" ||
 * AAD, 32); MAC_A = HMAC(KcA, TT) and MAC_B = HMAC(KcB, TT). */
static gboolean
derive_keys (TwSpake2       *self,
             gconstpointer   aad,
             gsize           aad_size,
             GError        **error)
{
  g_autoptr(TwSecret) hash = tw_secret_new (TW_SHA256_SIZE);
  g_autoptr(TwSecret) confirmation_keys = tw_secret_new (2 * CONFIRMATION_KEY_SIZE);
  g_autofree guint8 *info = g_malloc (sizeof CONFIRMATION_INFO - 1 + aad_size);
  const guint8 *transcript = tw_secret_get_data (self->transcript);
  gsize transcript_size = tw_secret_get_size (self->transcript);
  const guint8 *key_a, *key_b;

  tw_sha256 (transcript, transcript_size, tw_secret_get_data (hash));

  memcpy (info, CONFIRMATION_INFO, sizeof CONFIRMATION_INFO - 1);
  if (aad_size > 0)
    memcpy (info + sizeof CONFIRMATION_INFO - 1, aad, aad_size);
  if (!tw_hkdf_sha256 (tw_secret_get_data (hash) + TW_SPAKE2_KE_SIZE,
                       TW_SHA256_SIZE - TW_SPAKE2_KE_SIZE, NULL, 0,
                       info, sizeof CONFIRMATION_INFO - 1 + aad_size,
                       tw_secret_get_data (confirmation_keys), 2 * CONFIRMATION_KEY_SIZE,
                       error))
    return FALSE;

  key_a = tw_secret_get_data (confirmation_keys);
  key_b = key_a + CONFIRMATION_KEY_SIZE;
  tw_hmac_sha256 (self->role == TW_SPAKE2_ROLE_A ? key_a : key_b, CONFIRMATION_KEY_SIZE,
                  transcript, transcript_size, self->own_mac);
  tw_hmac_sha256 (self->role == TW_SPAKE2_ROLE_A ? key_b : key_a, CONFIRMATION_KEY_SIZE,
                  transcript, transcript_size, self->expected_peer_mac);
  self->shared_key = tw_secret_new_from_data (tw_secret_get_data (hash), TW_SPAKE2_KE_SIZE);

  return TRUE;
}

static gboolean
refuse_out_of_order (GError     **error,
                     const char  *call)
{
  g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_STATE,
               "SPAKE2 %s was called at the wrong step of the exchange", call);
  return FALSE;
}

gboolean
tw_spake2_finish (TwSpake2      *self,
                  const guint8   peer_share[TW_SPAKE2_POINT_SIZE],
                  gconstpointer  aad,
                  gsize          aad_size,
                  GError       **error)
{
  g_autoptr(BN_CTX) ctx = NULL;
  g_autoptr(TwSecret) shared_point = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (peer_share != NULL, FALSE);
  g_return_val_if_fail (aad != NULL || aad_size == 0, FALSE);

  if (self->state != SPAKE2_STARTED)
    return refuse_out_of_order (error, "finish");
  if (aad_size > MAX_AAD_SIZE)
    {
      g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_FAILED,
                   "SPAKE2 associated data is limited to %" G_GSIZE_FORMAT " bytes",
                   (gsize) MAX_AAD_SIZE);
      return FALSE;
    }
  /* Our own share sent back would make us agree with ourselves. */
  if (tw_memeq_ct (peer_share, self->share, TW_SPAKE2_POINT_SIZE))
    return refuse_point (error, "it is our own share reflected back");

  ctx = BN_CTX_secure_new ();
  if (ctx == NULL)
    return fail_with_openssl (error, "allocating");
  shared_point = compute_shared_point (self, peer_share, ctx, error);
  if (shared_point == NULL)
    return FALSE;

  self->transcript = build_transcript (self, peer_share, shared_point);
  if (!derive_keys (self, aad, aad_size, error))
    {
      g_clear_pointer (&self->transcript, tw_secret_unref);
      return FALSE;
    }

  self->state = SPAKE2_FINISHED;
  return TRUE;
}

void
tw_spake2_get_confirmation (TwSpake2 *self,
                            guint8    out[TW_SPAKE2_MAC_SIZE])
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  memset (out, 0, TW_SPAKE2_MAC_SIZE);
  g_return_if_fail (self->state == SPAKE2_FINISHED || self->state == SPAKE2_CONFIRMED);

  memcpy (out, self->own_mac, TW_SPAKE2_MAC_SIZE);
}

static void
forget_keys (TwSpake2 *self)
{
  g_clear_pointer (&self->transcript, tw_secret_unref);
  g_clear_pointer (&self->shared_key, tw_secret_unref);
  tw_wipe (self->own_mac, sizeof self->own_mac);
  tw_wipe (self->expected_peer_mac, sizeof self->expected_peer_mac);
}

gboolean
tw_spake2_verify_confirmation (TwSpake2     *self,
                               const guint8  peer_mac[TW_SPAKE2_MAC_SIZE],
                               GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (peer_mac != NULL, FALSE);

  if (self->state != SPAKE2_FINISHED)
    return refuse_out_of_order (error, "verify_confirmation");

  if (!tw_memeq_ct (peer_mac, self->expected_peer_mac, TW_SPAKE2_MAC_SIZE))
    {
      /* One wrong MAC ends this exchange: a new PIN try needs new shares. */
      forget_keys (self);
      self->state = SPAKE2_FAILED;
      g_set_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_CONFIRMATION,
                   "The other side does not share our key: the PIN is wrong "
                   "or a message was altered");
      return FALSE;
    }

  self->state = SPAKE2_CONFIRMED;
  return TRUE;
}

TwSecret *
tw_spake2_get_shared_key (TwSpake2 *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->state == SPAKE2_CONFIRMED, NULL);

  return tw_secret_ref (self->shared_key);
}

/* TT ends with w, which allows an offline test of PINs: it is for the test
 * vectors, never for a log or the wire. */
GBytes *
tw_spake2_get_transcript (TwSpake2 *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->transcript != NULL, NULL);

  return g_bytes_new (tw_secret_get_data (self->transcript),
                      tw_secret_get_size (self->transcript));
}

void
tw_spake2_free (TwSpake2 *self)
{
  if (self == NULL)
    return;

  forget_keys (self);
  g_clear_pointer (&self->w, BN_clear_free);
  g_clear_pointer (&self->scalar, BN_clear_free);
  g_clear_pointer (&self->group, EC_GROUP_free);
  g_free (self->identity_a);
  g_free (self->identity_b);
  g_free (self);
}
