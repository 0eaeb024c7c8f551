/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-shares.h"

#include <string.h>
#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-prompt.h"
#include "cli-wallet.h"

/* The last state told to people, per share, so each change is told once. */
#define REPORTED_STATE_KEY "cli-reported-state"

/* Longest share title in a sentence, in characters (… included). */
#define NAME_MAX_CHARACTERS 40

/* How long `shares cancel` waits for the relay to hear about it. */
#define CANCEL_WAIT_SECONDS 30

static char *share_error_text (WalletShare *share);

void
cli_shares_write_json (CliJson     *writer,
                       WalletShare *share)
{
  cli_json_begin_object (writer, NULL);
  cli_shares_write_json_members (writer, share);
  cli_json_end_object (writer);
}

void
cli_shares_write_json_members (CliJson     *writer,
                               WalletShare *share)
{
  g_autofree char *error_text = share_error_text (share);
  gboolean outgoing = wallet_share_get_direction (share) == WALLET_SHARE_OUTGOING;
  gboolean verified = wallet_share_get_flow (share) == WALLET_SHARE_FLOW_VERIFIED;

  cli_json_string (writer, "id", wallet_share_get_id (share));
  cli_json_string (writer, "share_id", wallet_share_get_share_id (share));
  cli_json_string (writer, "mailbox_id", wallet_share_get_mailbox_id (share));
  cli_json_string (writer, "direction", outgoing ? "outgoing" : "incoming");
  cli_json_string (writer, "flow", verified ? "verified" : "direct");
  cli_json_string (writer, "state", wallet_share_state_to_string (wallet_share_get_state (share)));
  cli_json_boolean (writer, "final", wallet_share_is_final (share));
  cli_json_boolean (writer, "needs_user", wallet_share_needs_user (share));
  cli_json_string (writer, "title", wallet_share_get_title (share));
  cli_json_string (writer, "credential_type",
                   wallet_credential_type_to_string (wallet_share_get_credential_type (share)));
  cli_json_string (writer, "credential_id", wallet_share_get_credential_id (share));
  cli_json_string (writer, "relay", wallet_share_get_relay (share));
  cli_json_boolean (writer, "relay_trusted", wallet_share_get_relay_trusted (share));
  cli_json_boolean (writer, "sender_verified", wallet_share_get_sender_verified (share));
  cli_json_string (writer, "sender_name", wallet_share_get_sender_name (share));
  cli_json_boolean (writer, "from_other_app", wallet_share_get_from_other_app (share));
  cli_json_int (writer, "tries_left", wallet_share_get_tries_left (share));
  cli_json_date_time (writer, "expiration", wallet_share_get_expiration (share));
  cli_json_int (writer, "seconds_left", wallet_share_get_seconds_left (share));
  cli_json_boolean (writer, "opened_on_several_devices",
                    wallet_share_get_opened_on_several_devices (share));
  cli_json_boolean (writer, "clock_skewed", wallet_share_get_clock_skewed (share));
  cli_json_string (writer, "error", error_text);
  cli_json_date_time (writer, "created", wallet_share_get_created (share));
}

/* A title of up to 200 characters would drown the sentence it is named
 * in: keep its start, cut between characters (before the last word begun,
 * when there is one near the end) and say so with "…" (QA G12). */
static char *
shorten_title (const char *title)
{
  g_autofree char *start = NULL;
  char *last_space;

  if (g_utf8_strlen (title, -1) <= NAME_MAX_CHARACTERS)
    return g_strdup (title);
  start = g_utf8_substring (title, 0, NAME_MAX_CHARACTERS - 1);
  last_space = strrchr (start, ' ');
  if (last_space != NULL &&
      g_utf8_strlen (start, last_space - start) >= NAME_MAX_CHARACTERS * 2 / 3)
    *last_space = '\0';
  g_strchomp (start);
  return g_strconcat (start, "…", NULL);
}

const char *
cli_shares_get_name (WalletShare *share)
{
  const char *title = wallet_share_get_title (share);
  const char *kept = g_object_get_data (G_OBJECT (share), "tigress-cli-shown-name");
  g_autofree char *short_title = NULL;
  g_autofree char *shown = NULL;

  if (title == NULL)
    return _("(incoming share)");
  /* The title may come from the other wallet: never print it as it is.
   * The escaped copy lives on the share, so callers can keep returning
   * a plain string. */
  short_title = shorten_title (title);
  shown = cli_text_for_terminal (short_title, NULL);
  if (g_strcmp0 (kept, shown) == 0)
    return kept;
  g_object_set_data_full (G_OBJECT (share), "tigress-cli-shown-name",
                          g_steal_pointer (&shown), g_free);
  return g_object_get_data (G_OBJECT (share), "tigress-cli-shown-name");
}

/* The wallet's own sentence for an unreachable relay says the share goes
 * on by itself, which is true in the app; `tigress` stops instead, so it
 * says what to run (QA G12). NULL: the wallet's sentence is right. */
static char *
describe_for_cli (WalletShare  *share,
                  const GError *error)
{
  if (!g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_UNREACHABLE))
    return NULL;
  return g_strdup_printf (_("Cannot reach the relay %s. The share is saved: run “tigress run” "
                            "again once the connection is back."),
                          wallet_share_get_relay (share));
}

void
cli_shares_adapt_error (WalletShare  *share,
                        GError      **error)
{
  g_autofree char *message = NULL;

  if (error == NULL || *error == NULL)
    return;
  message = describe_for_cli (share, *error);
  if (message == NULL)
    return;
  g_free ((*error)->message);
  (*error)->message = g_steal_pointer (&message);
}

/* The share's error for people, as `tigress` says it; NULL if none. */
static char *
share_error_text (WalletShare *share)
{
  const GError *share_error = wallet_share_get_error (share);
  char *message;

  if (share_error == NULL)
    return NULL;
  message = describe_for_cli (share, share_error);
  return message != NULL ? message : g_strdup (share_error->message);
}

/* The share's error as `tigress` says it, for a caller to return. */
static GError *
copy_share_error (WalletShare *share)
{
  GError *copy = g_error_copy (wallet_share_get_error (share));

  cli_shares_adapt_error (share, &copy);
  return copy;
}

/* What was last told about a share: its state and, for a wrong PIN, the
 * tries left, because a second wrong PIN keeps the state and must be told
 * too (QA F5). Never 0, which means nothing was told yet. */
static gpointer
reported_state_key (WalletShare *share)
{
  WalletShareState state = wallet_share_get_state (share);
  guint tries = state == WALLET_SHARE_STATE_PIN_WRONG ? wallet_share_get_tries_left (share) : 0;

  return GUINT_TO_POINTER ((guint) (state + 1) | (MIN (tries, 0xffu) << 8));
}

void
cli_shares_report_state (CliContext  *context,
                         WalletShare *share)
{
  WalletShareState state = wallet_share_get_state (share);
  gpointer reported = g_object_get_data (G_OBJECT (share), REPORTED_STATE_KEY);
  gpointer now = reported_state_key (share);
  g_autofree char *error_text = share_error_text (share);

  if (context->json || reported == now)
    return;
  /* No try left: the share ends at once, and that is what is told. */
  if (state == WALLET_SHARE_STATE_PIN_WRONG && wallet_share_get_tries_left (share) == 0)
    return;
  g_object_set_data (G_OBJECT (share), REPORTED_STATE_KEY, now);

  fprintf (stderr, "%s: %s\n", cli_shares_get_name (share), wallet_share_state_get_label (state));
  if (state == WALLET_SHARE_STATE_PIN_WRONG)
    fprintf (stderr, g_dngettext (GETTEXT_PACKAGE, "  %u PIN try left.\n",
                                  "  %u PIN tries left.\n", wallet_share_get_tries_left (share)),
             wallet_share_get_tries_left (share));
  if (state == WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES)
    fprintf (stderr, "  %s\n", _("More than one device opened the link: treat what it holds "
                                 "as exposed."));
  if (state == WALLET_SHARE_STATE_OPENED &&
      wallet_share_get_direction (share) == WALLET_SHARE_OUTGOING &&
      wallet_share_get_flow (share) == WALLET_SHARE_FLOW_VERIFIED)
    fprintf (stderr, "  %s\n", _("Someone opened the link and has not given the PIN yet. If "
                                 "the recipient says it cannot be opened, another device "
                                 "has it: cancel this share and send a new invitation."));
  if (error_text != NULL)
    fprintf (stderr, "  %s\n", error_text);
  else if (state == WALLET_SHARE_STATE_CANCELLED)
    fprintf (stderr, "  %s\n", wallet_share_get_direction (share) == WALLET_SHARE_INCOMING
                                 ? _("The sender cancelled this share. Ask them to share it "
                                     "again if you still need it.")
                                 : _("You cancelled this share."));
}

/* A call to the share manager that may take as long as the other side
 * does. It lives on the heap and is shared with the manager's callback,
 * because a call given up at its time limit may still complete later,
 * while the program shuts down. */
struct _CliShareCall
{
  gatomicrefcount refs;
  GAsyncResult *result;
  gboolean timed_out;
};

CliShareCall *
cli_share_call_new (void)
{
  CliShareCall *call = g_new0 (CliShareCall, 1);

  g_atomic_ref_count_init (&call->refs);
  return call;
}

void
cli_share_call_unref (CliShareCall *call)
{
  if (!g_atomic_ref_count_dec (&call->refs))
    return;
  g_clear_object (&call->result);
  g_free (call);
}

gpointer
cli_share_call_ref_for_callback (CliShareCall *call)
{
  g_atomic_ref_count_inc (&call->refs);
  return call;
}

void
cli_share_call_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  CliShareCall *call = user_data;

  call->result = g_object_ref (result);
  cli_share_call_unref (call);
}

static gboolean
on_call_timeout (gpointer user_data)
{
  CliShareCall *call = user_data;

  call->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
call_is_over (gpointer data)
{
  CliShareCall *call = data;

  return call->result != NULL || call->timed_out;
}

static void
on_share_changed (WalletShareManager *manager,
                  WalletShare        *share,
                  gpointer            user_data)
{
  cli_shares_report_state (user_data, share);
}

/* Why a share that did not finish in time is stuck: what keeps it from
 * going on (an altered message, the relay down), or that it is waiting. */
static void
set_stuck_error (WalletShare  *share,
                 GError      **error)
{
  if (wallet_share_get_error (share) != NULL)
    {
      g_propagate_error (error, copy_share_error (share));
      return;
    }
  g_set_error (error, CLI_ERROR, CLI_EXIT_PENDING,
               _("“%s” is still in progress (%s). It is saved: run “tigress run” to go on "
                 "with it."), cli_shares_get_name (share),
               wallet_share_state_get_label (wallet_share_get_state (share)));
}

GAsyncResult *
cli_share_call_wait (CliContext    *context,
                     CliShareCall  *call,
                     WalletShare   *share,
                     guint          timeout_seconds,
                     GError       **error)
{
  guint timeout_source = 0;
  gulong change_handler;

  change_handler = g_signal_connect (context->shares, "share-changed",
                                     G_CALLBACK (on_share_changed), context);
  if (timeout_seconds > 0)
    timeout_source = g_timeout_add_seconds (timeout_seconds, on_call_timeout, call);

  cli_command_wait_until (context, call_is_over, call);

  if (timeout_source != 0 && !call->timed_out)
    g_source_remove (timeout_source);
  g_signal_handler_disconnect (context->shares, change_handler);

  if (call->result == NULL)
    set_stuck_error (share, error);
  return call->result;
}

gboolean
cli_shares_wait (CliContext   *context,
                 WalletShare  *share,
                 guint         timeout_seconds,
                 GError      **error)
{
  g_autoptr(CliShareCall) call = cli_share_call_new ();
  GAsyncResult *result;

  cli_shares_report_state (context, share);
  wallet_share_manager_wait_async (context->shares, share, context->cancellable,
                                   cli_share_call_done, cli_share_call_ref_for_callback (call));
  result = cli_share_call_wait (context, call, share, timeout_seconds, error);
  if (result != NULL && wallet_share_manager_wait_finish (context->shares, result, error))
    return TRUE;
  cli_shares_adapt_error (share, error);
  return FALSE;
}

gboolean
cli_shares_check_outcome (WalletShare  *share,
                          GError      **error)
{
  switch (wallet_share_get_state (share))
    {
    case WALLET_SHARE_STATE_DELIVERED:
    case WALLET_SHARE_STATE_RECEIVED:
      return TRUE;
    case WALLET_SHARE_STATE_DECLINED:
      g_set_error (error, CLI_ERROR, CLI_EXIT_SHARE_ENDED, _("“%s” was declined."),
                   cli_shares_get_name (share));
      return FALSE;
    case WALLET_SHARE_STATE_CANCELLED:
      g_set_error (error, CLI_ERROR, CLI_EXIT_SHARE_ENDED, _("“%s” was cancelled."),
                   cli_shares_get_name (share));
      return FALSE;
    case WALLET_SHARE_STATE_EXPIRED:
      g_set_error (error, CLI_ERROR, CLI_EXIT_SHARE_ENDED,
                   _("“%s” expired before it was completed."), cli_shares_get_name (share));
      return FALSE;
    case WALLET_SHARE_STATE_FAILED:
      if (wallet_share_get_error (share) != NULL)
        g_propagate_error (error, copy_share_error (share));
      else
        g_set_error (error, CLI_ERROR, CLI_EXIT_SHARE_ENDED, _("“%s” failed."),
                     cli_shares_get_name (share));
      return FALSE;
    case WALLET_SHARE_STATE_NEW:
    case WALLET_SHARE_STATE_CONNECTING:
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
    case WALLET_SHARE_STATE_OPENED:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
    case WALLET_SHARE_STATE_PIN_WRONG:
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
    case WALLET_SHARE_STATE_DELIVERING:
    case WALLET_SHARE_STATE_STORING:
    default:
      g_set_error (error, CLI_ERROR, CLI_EXIT_PENDING, _("“%s” is still in progress (%s)."),
                   cli_shares_get_name (share),
                   wallet_share_state_get_label (wallet_share_get_state (share)));
      return FALSE;
    }
}

/* tigress shares ---------------------------------------------------------- */

static void
print_shares (GListModel *shares)
{
  g_autoptr(CliTable) table = cli_table_new ();

  if (g_list_model_get_n_items (shares) == 0)
    {
      printf ("%s\n", _("No shares. Share a credential with “tigress share ID”."));
      return;
    }
  cli_table_add_row (table, _("ID"), _("DIRECTION"), _("STATE"), _("TITLE"), _("EXPIRES"), NULL);
  for (guint i = 0; i < g_list_model_get_n_items (shares); i++)
    {
      g_autoptr(WalletShare) share = g_list_model_get_item (shares, i);
      g_autofree char *expires = cli_format_date_time (wallet_share_get_expiration (share));

      cli_table_add_row (table, wallet_share_get_id (share),
                         wallet_share_get_direction (share) == WALLET_SHARE_OUTGOING
                           ? _("sending") : _("receiving"),
                         wallet_share_state_to_string (wallet_share_get_state (share)),
                         cli_shares_get_name (share), expires, NULL);
    }
  cli_table_print (table, stdout);
}

gboolean
cli_shares_list (CliContext  *context,
                 int          argc,
                 char       **argv,
                 GError     **error)
{
  gboolean active = FALSE;
  const GOptionEntry entries[] = {
    { "active", 'a', 0, G_OPTION_ARG_NONE, &active, N_("Only shares still in progress"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GListStore) shown = g_list_store_new (WALLET_TYPE_SHARE);
  GListModel *shares;

  if (!cli_command_parse (context, entries, &argc, &argv, 0, 0, error))
    return FALSE;
  if (cli_wallet_get_share_manager (context, error) == NULL)
    return FALSE;

  shares = G_LIST_MODEL (context->shares);
  for (guint i = 0; i < g_list_model_get_n_items (shares); i++)
    {
      g_autoptr(WalletShare) share = g_list_model_get_item (shares, i);

      if (!active || !wallet_share_is_final (share))
        g_list_store_append (shown, share);
    }

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_array (writer, NULL);
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (shown)); i++)
        {
          g_autoptr(WalletShare) share = g_list_model_get_item (G_LIST_MODEL (shown), i);

          cli_shares_write_json (writer, share);
        }
      cli_json_end_array (writer);
    }
  else
    print_shares (G_LIST_MODEL (shown));
  return TRUE;
}

/* A share by its local id or at least CLI_WALLET_MIN_ID_PREFIX of its
 * first characters. Transfer none. */
static WalletShare *
find_share (CliContext  *context,
            const char  *reference,
            GError     **error)
{
  GListModel *shares = G_LIST_MODEL (context->shares);
  WalletShare *found = wallet_share_manager_lookup (context->shares, reference);
  guint matches = 0;

  for (guint i = 0; found == NULL && i < g_list_model_get_n_items (shares); i++)
    {
      g_autoptr(WalletShare) share = g_list_model_get_item (shares, i);

      if (strlen (reference) >= CLI_WALLET_MIN_ID_PREFIX
          && g_str_has_prefix (wallet_share_get_id (share), reference))
        matches++;
    }
  for (guint i = 0; found == NULL && matches == 1 && i < g_list_model_get_n_items (shares); i++)
    {
      g_autoptr(WalletShare) share = g_list_model_get_item (shares, i);

      if (g_str_has_prefix (wallet_share_get_id (share), reference))
        found = wallet_share_manager_lookup (context->shares, wallet_share_get_id (share));
    }

  if (found == NULL)
    g_set_error (error, CLI_ERROR, matches > 1 ? CLI_EXIT_USAGE : CLI_EXIT_NOT_FOUND,
                 _("No single share has the id “%s”. “tigress shares” lists them."),
                 reference);
  return found;
}

static void
report_share (CliContext  *context,
              WalletShare *share)
{
  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_shares_write_json (writer, share);
    }
  else
    printf ("%s: %s\n", cli_shares_get_name (share),
            wallet_share_state_get_label (wallet_share_get_state (share)));
}

gboolean
cli_shares_cancel (CliContext  *context,
                   int          argc,
                   char       **argv,
                   GError     **error)
{
  WalletShare *share;
  g_autoptr(GAsyncResult) result = NULL;

  if (!cli_command_parse (context, NULL, &argc, &argv, 1, 1, error))
    return FALSE;
  if (cli_wallet_get_share_manager (context, error) == NULL)
    return FALSE;
  share = find_share (context, argv[1], error);
  if (share == NULL)
    return FALSE;
  g_object_ref (share);

  wallet_share_manager_cancel_async (context->shares, share, context->cancellable,
                                     cli_command_async_done, &result);
  cli_command_wait (context, &result);
  /* Then let the cancel message and the delete reach the relay. */
  if (!wallet_share_manager_cancel_finish (context->shares, result, error)
      || !cli_shares_wait (context, share, CANCEL_WAIT_SECONDS, error))
    {
      g_object_unref (share);
      return FALSE;
    }
  report_share (context, share);
  g_object_unref (share);
  return TRUE;
}

gboolean
cli_shares_pin (CliContext  *context,
                int          argc,
                char       **argv,
                GError     **error)
{
  WalletShare *share;
  g_autoptr(WalletAuthProof) proof = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TwSecret) pin = NULL;

  if (!cli_command_parse (context, NULL, &argc, &argv, 1, 1, error))
    return FALSE;
  if (cli_wallet_get_share_manager (context, error) == NULL)
    return FALSE;
  share = find_share (context, argv[1], error);
  if (share == NULL)
    return FALSE;

  /* Showing the PIN again is as sensitive as sending: prove it is you. */
  proof = cli_wallet_confirm_presence (context, WALLET_AUTH_PURPOSE_SEND, error);
  if (proof == NULL)
    return FALSE;
  wallet_share_manager_reveal_pin_async (context->shares, share, proof, context->cancellable,
                                         cli_command_async_done, &result);
  cli_command_wait (context, &result);
  pin = wallet_share_manager_reveal_pin_finish (context->shares, result, error);
  if (pin == NULL)
    return FALSE;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "id", wallet_share_get_id (share));
      cli_json_secret (writer, "pin", pin);
      cli_json_end_object (writer);
    }
  else
    cli_print_secret_field (_("PIN"), pin);
  return TRUE;
}

/* tigress run ------------------------------------------------------------- */

/* The shares not final yet, those waiting for this user included. */
static GPtrArray *
collect_running (WalletShareManager *manager)
{
  GPtrArray *running = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *shares = G_LIST_MODEL (manager);

  for (guint i = 0; i < g_list_model_get_n_items (shares); i++)
    {
      g_autoptr(WalletShare) share = g_list_model_get_item (shares, i);

      /* One waiting for the user is waited for too: until the relay was
       * read once, it may have ended meanwhile (QA G4). */
      if (!wallet_share_is_final (share))
        g_ptr_array_add (running, g_steal_pointer (&share));
    }
  return running;
}

/* Shares that only the person can move on (a PIN to type, a Save to
 * press): `run` cannot, so it says how. */
static void
report_waiting_for_user (CliContext *context)
{
  GListModel *shares = G_LIST_MODEL (context->shares);

  if (context->json)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (shares); i++)
    {
      g_autoptr(WalletShare) share = g_list_model_get_item (shares, i);

      if (wallet_share_needs_user (share) && !wallet_share_is_final (share))
        fprintf (stderr, _("%s waits for you (%s): open its link again with "
                           "“tigress receive”.\n"), cli_shares_get_name (share),
                 wallet_share_state_get_label (wallet_share_get_state (share)));
    }
}

static guint
seconds_left_of (gint64 deadline)
{
  gint64 left = (deadline - g_get_monotonic_time ()) / G_USEC_PER_SEC;

  return (guint) MAX (left, 1);
}

static void
write_run_summary (CliContext *context,
                   GPtrArray  *shares)
{
  g_autoptr(CliJson) writer = NULL;

  if (!context->json)
    return;
  writer = cli_json_new (stdout);
  cli_json_begin_array (writer, NULL);
  for (guint i = 0; i < shares->len; i++)
    cli_shares_write_json (writer, shares->pdata[i]);
  cli_json_end_array (writer);
}

/* A script running `run` for what it receives must see when nothing came
 * of it. Outgoing shares keep exit 0 whatever the recipient did: the
 * sender's part was done, and `shares` says how each ended. */
static gboolean
nothing_arrived (GPtrArray *shares)
{
  guint carried = 0;

  for (guint i = 0; i < shares->len; i++)
    {
      WalletShare *share = shares->pdata[i];

      /* Still the user's turn: this run did not carry it. */
      if (wallet_share_needs_user (share) && !wallet_share_is_final (share))
        continue;
      carried++;
      if (wallet_share_get_direction (share) != WALLET_SHARE_INCOMING ||
          !wallet_share_is_final (share) ||
          wallet_share_get_state (share) == WALLET_SHARE_STATE_RECEIVED)
        return FALSE;
    }
  return carried > 0;
}

gboolean
cli_shares_run (CliContext  *context,
                int          argc,
                char       **argv,
                GError     **error)
{
  int timeout_seconds = 300;
  int poll_interval_ms = 0;
  const GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout_seconds,
      N_("Stop after this many seconds (default 300; 0: no limit)"), N_("SECONDS") },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval_ms,
      N_("Poll the relay this often instead of long polling"), N_("MS") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GPtrArray) running = NULL;
  gint64 deadline;

  if (!cli_command_parse (context, entries, &argc, &argv, 0, 0, error))
    return FALSE;
  if (timeout_seconds < 0 || poll_interval_ms < 0)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("--timeout and --poll-interval cannot be negative."));
      return FALSE;
    }
  if (cli_wallet_get_share_manager (context, error) == NULL)
    return FALSE;
  if (poll_interval_ms > 0)
    wallet_share_manager_set_polling (context->shares, 0, (guint) poll_interval_ms);

  running = collect_running (context->shares);
  deadline = g_get_monotonic_time () + (gint64) timeout_seconds * G_USEC_PER_SEC;
  for (guint i = 0; i < running->len; i++)
    if (!cli_shares_wait (context, running->pdata[i],
                          timeout_seconds > 0 ? seconds_left_of (deadline) : 0, error))
      {
        write_run_summary (context, running);
        return FALSE;
      }

  if (running->len == 0 && !context->json)
    printf ("%s\n", _("No share is waiting to go on."));
  report_waiting_for_user (context);
  write_run_summary (context, running);
  if (nothing_arrived (running))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_SHARE_ENDED,
                           _("Nothing arrived: the shares this run carried ended without "
                             "reaching your wallet (the reasons are above)."));
      return FALSE;
    }
  return TRUE;
}
