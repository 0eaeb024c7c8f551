/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Digital-key certificates, revocation lists and the lock's check. Each
 * refusal is proven with an answer that is good in every other respect, so
 * a test fails if a check is missing or runs in another order.
 */
#include "config.h"

#include <string.h>

#include "tw-cert.h"
#include "tw-crypto.h"

#define NOW         1700000000
#define NOT_AFTER   (NOW + 3600)

typedef struct {
  TwSecret        *owner_seed;
  guint8           owner_key[TW_ED25519_PUBLIC_SIZE];
  TwSecret        *subject_seed;
  guint8           subject_key[TW_ED25519_PUBLIC_SIZE];
  guint8           resource_id[TW_CERT_RESOURCE_ID_SIZE];
  TwCertFields     fields;
  GBytes          *certificate;
  TwLock          *lock;
  TwLockChallenge  challenge;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  tw_ed25519_generate (&fixture->owner_seed, fixture->owner_key);
  tw_ed25519_generate (&fixture->subject_seed, fixture->subject_key);
  memset (fixture->resource_id, 0x52, sizeof fixture->resource_id);

  memset (fixture->fields.serial, 0x5e, sizeof fixture->fields.serial);
  memcpy (fixture->fields.resource_id, fixture->resource_id, sizeof fixture->resource_id);
  memcpy (fixture->fields.subject_public_key, fixture->subject_key,
          sizeof fixture->subject_key);
  fixture->fields.rights = TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK;
  fixture->fields.not_before = NOW - TW_CERT_CLOCK_SKEW;
  fixture->fields.not_after = NOT_AFTER;
  fixture->fields.lock_epoch = 3;
  memset (fixture->fields.share_id, 0x1d, sizeof fixture->fields.share_id);
  fixture->certificate = tw_cert_issue (&fixture->fields, fixture->owner_seed, NULL);
  g_assert_nonnull (fixture->certificate);

  fixture->lock = tw_lock_new (fixture->owner_key, fixture->resource_id, 3);
  tw_lock_new_challenge (fixture->lock, NOW, &fixture->challenge);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->owner_seed, tw_secret_unref);
  g_clear_pointer (&fixture->subject_seed, tw_secret_unref);
  g_clear_pointer (&fixture->certificate, g_bytes_unref);
  g_clear_pointer (&fixture->lock, tw_lock_free);
}

/* The holder's answer for @right, signed with @seed over @certificate. */
static void
answer (Fixture  *fixture,
        GBytes   *certificate,
        guint32   right,
        TwSecret *seed,
        guint8    signature[TW_ED25519_SIG_SIZE])
{
  g_assert_true (tw_lock_response_sign (&fixture->challenge, certificate, right, seed,
                                        signature, NULL));
}

static void
assert_check (Fixture *fixture,
              GBytes  *certificate,
              guint32  right,
              TwSecret *seed,
              gint64   now,
              int      code)
{
  guint8 signature[TW_ED25519_SIG_SIZE];
  g_autoptr (GError) error = NULL;
  gboolean opened;

  answer (fixture, certificate, right, seed, signature);
  opened = tw_lock_check (fixture->lock, certificate, right, signature, now, &error);
  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (opened);
    }
  else
    {
      g_assert_error (error, TW_CERT_ERROR, code);
      g_assert_false (opened);
    }
}

static GBytes *
reissue (Fixture            *fixture,
         const TwCertFields *fields,
         TwSecret           *owner_seed)
{
  GBytes *certificate = tw_cert_issue (fields, owner_seed, NULL);

  g_assert_nonnull (certificate);
  return certificate;
}

static GBytes *
flip (GBytes *bytes,
      gsize   at)
{
  gsize size;
  guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, &size), g_bytes_get_size (bytes));

  copy[at] ^= 0x01;
  return g_bytes_new_take (copy, size);
}

/* ---------------------------------------------------------------------------
 * Certificates
 * ------------------------------------------------------------------------- */

static void
test_layout_is_fixed_big_endian (Fixture       *fixture,
                                 gconstpointer  data)
{
  gsize size;
  const guint8 *cert = g_bytes_get_data (fixture->certificate, &size);
  guint8 key_id[TW_CERT_KEY_ID_SIZE];

  g_assert_cmpuint (size, ==, TW_CERT_SIZE);
  g_assert_cmpuint (cert[0], ==, TW_CERT_VERSION);
  g_assert_cmpuint (cert[1], ==, TW_CERT_SIGNATURE_ED25519);
  g_assert_cmpmem (cert + 2, 16, fixture->fields.serial, 16);
  tw_sha256 (fixture->owner_key, sizeof fixture->owner_key, key_id);
  g_assert_cmpmem (cert + 18, 32, key_id, 32);
  g_assert_cmpmem (cert + 50, 16, fixture->resource_id, 16);
  g_assert_cmpuint (cert[66], ==, TW_CERT_SUBJECT_ED25519);
  g_assert_cmpmem (cert + 67, 32, fixture->subject_key, 32);
  g_assert_cmpmem (cert + 99, 4, "\x00\x00\x00\x03", 4);         /* rights */
  /* not-before = NOW - 300 = 0x6553f0d4 */
  g_assert_cmpmem (cert + 103, 8, "\x00\x00\x00\x00\x65\x53\xef\xd4", 8);
  g_assert_cmpmem (cert + 119, 4, "\x00\x00\x00\x03", 4);        /* lock epoch */
  g_assert_cmpuint (cert[123], ==, 0);                            /* may-delegate */
  g_assert_cmpmem (cert + 124, 16, fixture->fields.share_id, 16);
}

static void
test_issue_then_verify_round_trips (Fixture       *fixture,
                                    gconstpointer  data)
{
  TwCertFields read;
  g_autoptr (GError) error = NULL;

  g_assert_true (tw_cert_verify (fixture->certificate, fixture->owner_key, &read, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (read.subject_public_key, 32, fixture->subject_key, 32);
  g_assert_cmpuint (read.rights, ==, fixture->fields.rights);
  g_assert_cmpint (read.not_before, ==, NOW - TW_CERT_CLOCK_SKEW);
  g_assert_cmpint (read.not_after, ==, NOT_AFTER);
  g_assert_cmpuint (read.lock_epoch, ==, 3);
  g_assert_cmpuint (read.may_delegate, ==, 0);
}

static void
test_verify_refuses_other_issuers_and_changes (Fixture       *fixture,
                                               gconstpointer  data)
{
  TwCertFields read;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) changed = flip (fixture->certificate, 100);
  g_autoptr (GBytes) newer = flip (fixture->certificate, 0);
  g_autoptr (GBytes) delegable = flip (fixture->certificate, 123);
  g_autoptr (GBytes) short_one = g_bytes_new_from_bytes (fixture->certificate, 0,
                                                         TW_CERT_SIZE - 1);

  g_assert_false (tw_cert_verify (fixture->certificate, fixture->subject_key, &read, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_WRONG_ISSUER);
  g_clear_error (&error);
  g_assert_false (tw_cert_verify (changed, fixture->owner_key, &read, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (tw_cert_decode (newer, &read, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (tw_cert_decode (delegable, &read, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (tw_cert_decode (short_one, &read, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_MALFORMED);
}

/* ---------------------------------------------------------------------------
 * The lock
 * ------------------------------------------------------------------------- */

static void
test_lock_opens_for_a_good_answer (Fixture       *fixture,
                                   gconstpointer  data)
{
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOW + 5, -1);
}

static void
test_lock_refuses_another_issuer (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr (TwSecret) other_owner = NULL;
  guint8 other_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr (GBytes) certificate = NULL;

  tw_ed25519_generate (&other_owner, other_key);
  certificate = reissue (fixture, &fixture->fields, other_owner);
  assert_check (fixture, certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed, NOW,
                TW_CERT_ERROR_WRONG_ISSUER);
}

static void
test_lock_refuses_a_changed_certificate (Fixture       *fixture,
                                         gconstpointer  data)
{
  /* Byte 102 is the low byte of rights: claims TRUNK besides its own. */
  g_autoptr (GBytes) changed = flip (fixture->certificate, 102);

  assert_check (fixture, changed, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed, NOW,
                TW_CERT_ERROR_BAD_SIGNATURE);
}

static void
test_lock_refuses_another_resource (Fixture       *fixture,
                                    gconstpointer  data)
{
  TwCertFields fields = fixture->fields;
  g_autoptr (GBytes) certificate = NULL;

  fields.resource_id[0] ^= 0xff;
  certificate = reissue (fixture, &fields, fixture->owner_seed);
  assert_check (fixture, certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed, NOW,
                TW_CERT_ERROR_WRONG_RESOURCE);
}

static void
test_lock_refuses_a_right_not_granted (Fixture       *fixture,
                                       gconstpointer  data)
{
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_START, fixture->subject_seed,
                NOW, TW_CERT_ERROR_RIGHT_NOT_GRANTED);
  /* Two rights in one request are refused even when both are granted. */
  tw_lock_new_challenge (fixture->lock, NOW, &fixture->challenge);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK,
                fixture->subject_seed, NOW, TW_CERT_ERROR_RIGHT_NOT_GRANTED);
}

static void
test_lock_refuses_outside_the_validity_window (Fixture       *fixture,
                                               gconstpointer  data)
{
  gint64 early = NOW - TW_CERT_CLOCK_SKEW - 1;

  tw_lock_new_challenge (fixture->lock, early, &fixture->challenge);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                early, TW_CERT_ERROR_NOT_YET_VALID);
  tw_lock_new_challenge (fixture->lock, NOT_AFTER, &fixture->challenge);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOT_AFTER, TW_CERT_ERROR_EXPIRED);
  /* The clock-skew margin: a lock a little behind the owner still opens. */
  tw_lock_new_challenge (fixture->lock, early + 1, &fixture->challenge);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                early + 1, -1);
}

static void
test_lock_refuses_a_stale_nonce (Fixture       *fixture,
                                 gconstpointer  data)
{
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOW + TW_LOCK_CHALLENGE_LIFETIME + 1, TW_CERT_ERROR_CHALLENGE_EXPIRED);
  tw_lock_new_challenge (fixture->lock, NOW, &fixture->challenge);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOW - 1, TW_CERT_ERROR_CHALLENGE_EXPIRED);
  tw_lock_new_challenge (fixture->lock, NOW, &fixture->challenge);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOW + TW_LOCK_CHALLENGE_LIFETIME, -1);
}

static void
test_lock_refuses_an_older_epoch (Fixture       *fixture,
                                  gconstpointer  data)
{
  tw_lock_set_epoch (fixture->lock, 4);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOW, TW_CERT_ERROR_EPOCH_VOIDED);
}

static void
test_lock_refuses_a_revoked_serial (Fixture       *fixture,
                                    gconstpointer  data)
{
  guint8 serials[2 * TW_CERT_SERIAL_SIZE];
  g_autoptr (GBytes) list = NULL;
  g_autoptr (GError) error = NULL;

  memset (serials, 0x77, TW_CERT_SERIAL_SIZE);
  memcpy (serials + TW_CERT_SERIAL_SIZE, fixture->fields.serial, TW_CERT_SERIAL_SIZE);
  list = tw_revocation_list_sign (fixture->resource_id, 1, serials, 2, fixture->owner_seed,
                                  NULL);
  g_assert_true (tw_lock_install_revocation_list (fixture->lock, list, &error));
  g_assert_no_error (error);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOW, TW_CERT_ERROR_REVOKED);
}

static void
test_lock_refuses_a_proof_by_another_key (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autoptr (TwSecret) thief_seed = NULL;
  guint8 thief_key[TW_ED25519_PUBLIC_SIZE];
  guint8 signature[TW_ED25519_SIG_SIZE];
  g_autoptr (GError) error = NULL;

  /* Someone who copied the certificate but not the key. */
  tw_ed25519_generate (&thief_seed, thief_key);
  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, thief_seed, NOW,
                TW_CERT_ERROR_BAD_PROOF);

  /* A proof made for one right does not serve for another. */
  tw_lock_new_challenge (fixture->lock, NOW, &fixture->challenge);
  answer (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
          signature);
  g_assert_false (tw_lock_check (fixture->lock, fixture->certificate, TW_CERT_RIGHT_LOCK,
                                 signature, NOW, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_BAD_PROOF);
}

static void
test_lock_takes_each_challenge_once (Fixture       *fixture,
                                     gconstpointer  data)
{
  guint8 signature[TW_ED25519_SIG_SIZE];
  g_autoptr (GError) error = NULL;
  TwLockChallenge old = fixture->challenge;

  answer (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
          signature);
  g_assert_true (tw_lock_check (fixture->lock, fixture->certificate, TW_CERT_RIGHT_UNLOCK,
                                signature, NOW, NULL));
  g_assert_false (tw_lock_check (fixture->lock, fixture->certificate, TW_CERT_RIGHT_UNLOCK,
                                 signature, NOW, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_NO_CHALLENGE);
  g_clear_error (&error);

  /* A replayed answer to an old nonce fails against a new challenge. */
  tw_lock_new_challenge (fixture->lock, NOW, &fixture->challenge);
  g_assert_cmpmem (old.nonce, 32, old.nonce, 32);
  g_assert_false (memcmp (old.nonce, fixture->challenge.nonce, 32) == 0);
  g_assert_false (tw_lock_check (fixture->lock, fixture->certificate, TW_CERT_RIGHT_UNLOCK,
                                 signature, NOW, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_BAD_PROOF);
}

static void
test_revocation_lists_only_move_forward (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr (GBytes) v2 = tw_revocation_list_sign (fixture->resource_id, 2, NULL, 0,
                                                   fixture->owner_seed, NULL);
  g_autoptr (GBytes) v1 = tw_revocation_list_sign (fixture->resource_id, 1,
                                                   fixture->fields.serial, 1,
                                                   fixture->owner_seed, NULL);
  g_autoptr (GBytes) forged = flip (v1, 24);
  g_autoptr (GBytes) other_lock = NULL;
  g_autoptr (GError) error = NULL;
  guint8 other_resource[TW_CERT_RESOURCE_ID_SIZE] = { 0 };

  g_assert_true (tw_lock_install_revocation_list (fixture->lock, v2, NULL));
  g_assert_false (tw_lock_install_revocation_list (fixture->lock, v2, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_STALE_REVOCATION_LIST);
  g_clear_error (&error);
  /* An older list must not bring back what a newer one dropped, or vice versa. */
  g_assert_false (tw_lock_install_revocation_list (fixture->lock, v1, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_STALE_REVOCATION_LIST);
  g_clear_error (&error);
  g_assert_false (tw_lock_install_revocation_list (fixture->lock, forged, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  other_lock = tw_revocation_list_sign (other_resource, 9, NULL, 0, fixture->owner_seed, NULL);
  g_assert_false (tw_lock_install_revocation_list (fixture->lock, other_lock, &error));
  g_assert_error (error, TW_CERT_ERROR, TW_CERT_ERROR_WRONG_RESOURCE);

  assert_check (fixture, fixture->certificate, TW_CERT_RIGHT_UNLOCK, fixture->subject_seed,
                NOW, -1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tw_crypto_init ();

#define ADD(path, func) \
  g_test_add ("/protocol/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("cert/layout-is-fixed-big-endian", test_layout_is_fixed_big_endian);
  ADD ("cert/issue-then-verify-round-trips", test_issue_then_verify_round_trips);
  ADD ("cert/other-issuers-and-changes-are-refused",
       test_verify_refuses_other_issuers_and_changes);
  ADD ("lock/opens-for-a-good-answer", test_lock_opens_for_a_good_answer);
  ADD ("lock/another-issuer-is-refused", test_lock_refuses_another_issuer);
  ADD ("lock/a-changed-certificate-is-refused", test_lock_refuses_a_changed_certificate);
  ADD ("lock/another-resource-is-refused", test_lock_refuses_another_resource);
  ADD ("lock/a-right-not-granted-is-refused", test_lock_refuses_a_right_not_granted);
  ADD ("lock/outside-the-validity-window-is-refused",
       test_lock_refuses_outside_the_validity_window);
  ADD ("lock/a-stale-nonce-is-refused", test_lock_refuses_a_stale_nonce);
  ADD ("lock/an-older-epoch-is-refused", test_lock_refuses_an_older_epoch);
  ADD ("lock/a-revoked-serial-is-refused", test_lock_refuses_a_revoked_serial);
  ADD ("lock/a-proof-by-another-key-is-refused", test_lock_refuses_a_proof_by_another_key);
  ADD ("lock/each-challenge-is-taken-once", test_lock_takes_each_challenge_once);
  ADD ("lock/revocation-lists-only-move-forward", test_revocation_lists_only_move_forward);
#undef ADD

  return g_test_run ();
}
