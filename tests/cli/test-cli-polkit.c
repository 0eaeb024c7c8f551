/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Confirming a share with system authentication from the command line:
 * when the wallet's "auth-method" setting says "system", `tigress share`
 * and `tigress receive` ask polkit (after the passcode unlocked the
 * wallet) and a refusal stops them before anything reaches the relay.
 * Runs inside tests/polkit-mock-run: polkit is python3-dbusmock's on a
 * private system bus, and it refuses until told otherwise.
 */
#include "config.h"

#include <string.h>

#include "cli-share-test.h"

#define CONFIRM_ACTION "io.github.tigress_wallet.Wallet.confirm-share"

static CliTestRelay *relay;
static CliTestWallet *here;    /* this test's own session: its settings are ours */
static CliTestWallet *other;   /* a second wallet that shares with this one */

static void
set_auth_method (const char *method)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_assert_true (g_settings_set_string (settings, "auth-method", method));
  g_settings_sync ();
}

static void
polkit_allows (gboolean allowed)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  const char *actions[] = { CONFIRM_ACTION, NULL };
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (bus);
  answer = g_dbus_connection_call_sync (bus, "org.freedesktop.PolicyKit1",
                                        "/org/freedesktop/PolicyKit1/Authority",
                                        "org.freedesktop.DBus.Mock", "SetAllowed",
                                        g_variant_new ("(^as)", allowed ? actions : actions + 1),
                                        NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static guint
count_shares (CliTestWallet *wallet)
{
  g_autoptr(JsonNode) list = cli_test_wallet_json (wallet, NULL, "shares", NULL);

  return json_array_get_length (json_node_get_array (list));
}

static char *
add_password (CliTestWallet *wallet,
              const char    *title)
{
  return rig_add (wallet, "polkit-test-secret", "password", "--title", title, NULL);
}

static void
test_refused_system_auth_shares_nothing (void)
{
  g_autofree char *id = add_password (here, "Refused by polkit");
  guint before = count_shares (here);
  g_autoptr(CliRun) refused = NULL;

  set_auth_method ("system");
  polkit_allows (FALSE);
  /* The right passcode unlocks the wallet, but polkit has the last word. */
  refused = cli_test_wallet_run (here, NULL, "share", id, "--no-pin", "--no-qr", NULL);
  cli_test_assert_status (refused, 3);
  g_assert_nonnull (strstr (refused->err, "did not confirm"));
  g_assert_cmpuint (count_shares (here), ==, before);
}

static void
test_allowed_system_auth_shares (void)
{
  g_autofree char *id = add_password (here, "Allowed by polkit");
  g_autoptr(SentShare) sent = NULL;

  set_auth_method ("system");
  polkit_allows (TRUE);
  sent = rig_share (here, id, "--no-pin", NULL);
  g_assert_nonnull (sent->link);
}

static void
test_refused_then_allowed_receive (void)
{
  g_autofree char *id = add_password (other, "Received through polkit");
  g_autoptr(SentShare) sent = rig_share (other, id, "--no-pin", NULL);
  g_autofree char *input = g_strdup_printf ("%s\n", sent->link);
  g_autoptr(CliRun) refused = NULL;
  g_autoptr(CliRun) allowed = NULL;

  set_auth_method ("system");
  polkit_allows (FALSE);
  refused = cli_test_wallet_run (here, input, "receive", "--yes", "--timeout", "10", NULL);
  cli_test_assert_status (refused, 3);

  /* Nothing was bound: the same link still opens once polkit agrees. */
  polkit_allows (TRUE);
  allowed = cli_test_wallet_run (here, input, "receive", "--yes", "--timeout", "10", NULL);
  cli_test_assert_status (allowed, 0);
}

static void
test_passcode_setting_does_not_ask_polkit (void)
{
  g_autofree char *id = add_password (here, "Passcode only");
  g_autoptr(SentShare) sent = NULL;

  set_auth_method ("passcode");
  polkit_allows (FALSE);
  sent = rig_share (here, id, "--no-pin", NULL);
  g_assert_nonnull (sent->link);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  relay = cli_test_relay_start (NULL, 0);
  here = cli_test_wallet_own ("here passcode 1");
  other = cli_test_wallet_start ("other", "other passcode 2");
  cli_test_wallet_setup (here, relay->url);
  cli_test_wallet_setup (other, relay->url);

  g_test_add_func ("/cli/reauth/system/refused-shares-nothing",
                   test_refused_system_auth_shares_nothing);
  g_test_add_func ("/cli/reauth/system/allowed-shares", test_allowed_system_auth_shares);
  g_test_add_func ("/cli/reauth/system/refused-receive-binds-nothing-then-allowed-works",
                   test_refused_then_allowed_receive);
  g_test_add_func ("/cli/reauth/passcode-setting-does-not-ask-polkit",
                   test_passcode_setting_does_not_ask_polkit);

  status = g_test_run ();
  cli_test_wallet_free (other);
  cli_test_wallet_free (here);
  cli_test_relay_free (relay);
  return status;
}
