/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Two processes of one wallet that write the same keyring item at the same
 * moment (QA F11: `tigress shares cancel` beside a `tigress run` of that
 * share failed with "The keyring did not keep what was written"). Each
 * writer is this program again, started twice at once; both must see
 * every write succeed, and the keyring must end with one item holding the
 * last write of one of them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wallet-keyring.h"
#include "wallet-test-util.h"

#define RECORD_ID "race-test:record"
#define WRITES_PER_WRITER 25

static char *self_path;

/* What writer @tag writes the @index-th time (not a secret: test bytes). */
static GBytes *
payload_for (const char *tag,
             guint       index)
{
  g_autofree char *text = g_strdup_printf ("writer %s, write %u", tag, index);

  return g_bytes_new (text, strlen (text));
}

/* Writer mode: writes the record again and again; prints how many writes
 * failed and the first failure's message (keyring messages hold no
 * secrets). */
static int
run_writer (const char *tag)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autofree char *first_failure = NULL;
  guint failures = 0;

  for (guint i = 0; i < WRITES_PER_WRITER; i++)
    {
      g_autoptr(GBytes) payload = payload_for (tag, i);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      wallet_keyring_store_async (keyring, WALLET_ITEM_SHARE, RECORD_ID, "outgoing",
                                  "Tigress Wallet race test", payload, NULL, wt_result_cb,
                                  &result);
      if (!wallet_keyring_store_finish (keyring, wt_wait (&result), &error))
        {
          failures++;
          if (first_failure == NULL)
            first_failure = g_strdup (error->message);
        }
    }
  printf ("failures %u\n%s\n", failures, first_failure != NULL ? first_failure : "");
  return 0;
}

static GSubprocess *
start_writer (const char *tag)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *writer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_path,
                                          "--writer", tag, NULL);

  g_assert_no_error (error);
  return writer;
}

/* Waits for @writer to end; returns how many of its writes failed. */
static guint
writer_failures (GSubprocess *writer,
                 const char  *tag)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  guint failures = G_MAXUINT;

  g_subprocess_communicate_utf8 (writer, NULL, NULL, &output, NULL, &error);
  if (error != NULL || !g_subprocess_get_if_exited (writer) ||
      g_subprocess_get_exit_status (writer) != 0 || output == NULL ||
      sscanf (output, "failures %u", &failures) != 1)
    {
      g_test_message ("writer %s did not finish its writes", tag);
      return G_MAXUINT;
    }
  if (failures != 0)
    g_test_message ("writer %s: %u of %d writes failed, first: %s", tag, failures,
                    WRITES_PER_WRITER, strchr (output, '\n') + 1);
  return failures;
}

static GPtrArray *
load_records (WalletKeyring *keyring)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  wallet_keyring_load_all_async (keyring, WALLET_ITEM_SHARE, NULL, wt_result_cb, &result);
  items = wallet_keyring_load_all_finish (keyring, wt_wait (&result), &error);
  g_assert_no_error (error);
  return items;
}

static void
test_two_processes_write_one_record (void)
{
  g_autoptr(GSubprocess) first = start_writer ("A");
  g_autoptr(GSubprocess) second = start_writer ("B");
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GBytes) last_of_a = payload_for ("A", WRITES_PER_WRITER - 1);
  g_autoptr(GBytes) last_of_b = payload_for ("B", WRITES_PER_WRITER - 1);
  WalletKeyringItem *record = NULL;
  guint copies = 0;
  guint failures_of_a = writer_failures (first, "A");
  guint failures_of_b = writer_failures (second, "B");

  /* Both writers have ended before anything is asserted, so that none is
   * left behind writing while the test's keyring daemon goes away. */
  g_assert_cmpuint (failures_of_a, ==, 0);
  g_assert_cmpuint (failures_of_b, ==, 0);

  items = load_records (keyring);
  for (guint i = 0; i < items->len; i++)
    {
      WalletKeyringItem *item = items->pdata[i];

      if (g_strcmp0 (item->id, RECORD_ID) == 0)
        {
          record = item;
          copies++;
        }
    }
  g_assert_cmpuint (copies, ==, 1);
  g_assert_true (g_bytes_equal (record->secret, last_of_a) ||
                 g_bytes_equal (record->secret, last_of_b));
}

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--writer"))
    return run_writer (argv[2]);

  self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keyring/race/two-processes-write-one-record",
                   test_two_processes_write_one_record);
  return g_test_run ();
}
