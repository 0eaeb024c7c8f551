/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's per-thread hashing (relay-digest.c) gives the protocol
 * library's one-shot results: a claim hashed or a mailbox keyed any other
 * way would no longer find what the store holds.
 */
#include "config.h"

#include <string.h>

#include "relay-digest.h"
#include "tw-crypto.h"

static void
test_sha256_matches_one_shot (void)
{
  static const char long_text[] = "a longer text that spans more than one block of "
                                  "sixty-four bytes, to be sure of the padding";
  const char *texts[] = { "", "abc", long_text };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      guint8 expected[TW_SHA256_SIZE], got[RELAY_DIGEST_SIZE];

      tw_sha256 (texts[i], strlen (texts[i]), expected);
      relay_digest_sha256 (texts[i], strlen (texts[i]), got);
      g_assert_cmpmem (got, sizeof got, expected, sizeof expected);
    }
}

static void
test_labelled_parts_are_zero_separated (void)
{
  const char joined[] = "label\0first\0second";
  guint8 expected[TW_SHA256_SIZE], got[RELAY_DIGEST_SIZE];

  tw_sha256 (joined, sizeof joined - 1, expected);
  relay_digest_labelled ("label", "first", "second", got);
  g_assert_cmpmem (got, sizeof got, expected, sizeof expected);

  tw_sha256 (joined, strlen ("label") + 1 + strlen ("first"), expected);
  relay_digest_labelled ("label", "first", NULL, got);
  g_assert_cmpmem (got, sizeof got, expected, sizeof expected);
}

static void
assert_hmac_matches (const guint8 *key,
                     gsize         key_size,
                     const char   *text)
{
  guint8 expected[TW_SHA256_SIZE], got[RELAY_DIGEST_SIZE];

  tw_hmac_sha256 (key, key_size, text, strlen (text), expected);
  relay_digest_hmac_sha256 (key, key_size, text, strlen (text), got);
  g_assert_cmpmem (got, sizeof got, expected, sizeof expected);
}

static void
test_hmac_keeps_and_changes_its_key (void)
{
  guint8 first_key[32], second_key[32];

  memset (first_key, 0x11, sizeof first_key);
  memset (second_key, 0x22, sizeof second_key);
  /* Repeated calls restart from the kept key; a new key re-keys. */
  for (guint round = 0; round < 3; round++)
    {
      assert_hmac_matches (first_key, sizeof first_key, "3f1c1a8e-0000-4000-8000-000000000001");
      assert_hmac_matches (first_key, sizeof first_key, "another mailbox");
      assert_hmac_matches (second_key, sizeof second_key, "another mailbox");
      assert_hmac_matches (second_key, 16, "a shorter key of the same bytes");
      assert_hmac_matches (first_key, 0, "no key at all");
    }
}

static gpointer
hash_in_thread (gpointer data)
{
  test_hmac_keeps_and_changes_its_key ();
  test_sha256_matches_one_shot ();
  return data;
}

static void
test_threads_have_their_own_contexts (void)
{
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("digest", hash_in_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/digest/sha256-matches-one-shot", test_sha256_matches_one_shot);
  g_test_add_func ("/relay/digest/labelled-parts-are-zero-separated",
                   test_labelled_parts_are_zero_separated);
  g_test_add_func ("/relay/digest/hmac-keeps-and-changes-its-key",
                   test_hmac_keeps_and_changes_its_key);
  g_test_add_func ("/relay/digest/threads-have-their-own-contexts",
                   test_threads_have_their_own_contexts);

  return g_test_run ();
}
