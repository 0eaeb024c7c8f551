/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-share.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-output.h"
#include "cli-prompt.h"
#include "cli-qr.h"
#include "cli-shares.h"
#include "cli-wallet.h"
#include "tw-cert.h"
#include "tw-crypto.h"

#define MAX_EXPIRY_HOURS (7 * 24)

typedef struct {
  char *relay;
  int expires_hours;
  gboolean no_pin;
  gboolean separate_secret;
  gboolean allow_other_apps;
  gboolean no_qr;
  gboolean wait;
  int timeout_seconds;
  char *title;
  char *rights;
  char *key_valid;
} SendOptions;

static void
send_options_clear (SendOptions *options)
{
  g_free (options->relay);
  g_free (options->title);
  g_free (options->rights);
  g_free (options->key_valid);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SendOptions, send_options_clear)

/* "unlock,lock" as TwCertRight bits. */
static gboolean
parse_rights (const char  *text,
              guint32     *rights,
              GError     **error)
{
  g_auto(GStrv) names = g_strsplit (text, ",", -1);

  *rights = 0;
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);

      if (g_str_equal (name, "unlock"))
        *rights |= TW_CERT_RIGHT_UNLOCK;
      else if (g_str_equal (name, "lock"))
        *rights |= TW_CERT_RIGHT_LOCK;
      else if (g_str_equal (name, "start"))
        *rights |= TW_CERT_RIGHT_START;
      else if (g_str_equal (name, "trunk"))
        *rights |= TW_CERT_RIGHT_TRUNK;
      else
        {
          g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                       _("--rights “%s” is not a right. Use unlock, lock, start and trunk, "
                         "separated by commas."), name);
          return FALSE;
        }
    }
  return TRUE;
}

/* "30d", "12h", "45m" or "90s": a positive duration in seconds. */
static gboolean
parse_duration (const char  *text,
                guint64     *seconds,
                GError     **error)
{
  static const struct { char unit; guint64 seconds; } units[] = {
    { 'd', 24 * 3600 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
  };
  gsize length = strlen (text);
  g_autofree char *number = length > 1 ? g_strndup (text, length - 1) : NULL;
  guint64 count = 0;

  for (gsize i = 0; number != NULL && i < G_N_ELEMENTS (units); i++)
    if (text[length - 1] == units[i].unit
        && g_ascii_string_to_unsigned (number, 10, 1, 10000, &count, NULL))
      {
        *seconds = count * units[i].seconds;
        return TRUE;
      }
  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("--key-valid “%s” is not a duration. Write it like 30d, 12h, 45m or 90s."),
               text);
  return FALSE;
}

/* The share manager checks the title too; checking it here says what is
 * wrong before the passcode is asked for. */
static gboolean
share_title_is_usable (const char  *title,
                       GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (title));

  if (stripped[0] == '\0' || strlen (title) > 256)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("--title must have 1 to 256 bytes of text: write a shorter "
                             "one."));
      return FALSE;
    }
  if (!wallet_credential_text_is_displayable (title, FALSE))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("--title cannot hold line breaks, tabs or other control "
                             "characters: write it on one line."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_send_options (SendOptions  *options,
                    GError      **error)
{
  if (options->expires_hours != -1 &&
      (options->expires_hours < 1 || options->expires_hours > MAX_EXPIRY_HOURS))
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                   _("--expires must be between 1 and %d hours."), MAX_EXPIRY_HOURS);
      return FALSE;
    }
  if (options->timeout_seconds < 0)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE, _("--timeout cannot be negative."));
      return FALSE;
    }
  if (options->title != NULL && !share_title_is_usable (options->title, error))
    return FALSE;
  if (options->allow_other_apps && !options->no_pin)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("--allow-other-apps needs --no-pin: other apps cannot do the "
                             "PIN exchange."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
fill_share_options (CliContext          *context,
                    WalletCredential    *credential,
                    SendOptions         *options,
                    WalletShareOptions  *share_options,
                    GError             **error)
{
  gboolean digital_key = wallet_credential_get_credential_type (credential)
                         == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER;

  if (digital_key && options->no_pin)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("Digital keys are always shared with a PIN; leave out --no-pin."));
      return FALSE;
    }
  share_options->credential_id = wallet_credential_get_id (credential);
  share_options->with_pin = !options->no_pin;
  share_options->relay_url = options->relay;
  /* Without --expires, the same lifetime as a share from the app (QA F5). */
  share_options->expires_in_seconds = 3600 * (options->expires_hours > 0
                                              ? (guint) options->expires_hours
                                              : g_settings_get_uint (
                                                  cli_wallet_get_settings (context),
                                                  "default-expiry-hours"));
  share_options->allow_other_apps = options->allow_other_apps;
  share_options->title = options->title;
  if (options->key_valid != NULL)
    {
      guint64 seconds;

      if (!parse_duration (options->key_valid, &seconds, error))
        return FALSE;
      share_options->key_not_after = g_get_real_time () / G_USEC_PER_SEC + (gint64) seconds;
    }
  share_options->rights = TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK;
  return options->rights == NULL || parse_rights (options->rights, &share_options->rights, error);
}

static TwSecret *
first_pin (CliContext   *context,
           WalletShare  *share,
           GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (!wallet_share_get_has_pin (share))
    return NULL;
  /* The first showing needs no new proof: the user confirmed moments ago. */
  wallet_share_manager_reveal_pin_async (context->shares, share, NULL, context->cancellable,
                                         cli_command_async_done, &result);
  cli_command_wait (context, &result);
  return wallet_share_manager_reveal_pin_finish (context->shares, result, error);
}

static void
write_sent_json (WalletShare *share,
                 SendOptions *options,
                 TwSecret    *pin)
{
  g_autoptr(CliJson) writer = cli_json_new (stdout);
  g_autoptr(TwSecret) tigress = wallet_share_dup_link (share, WALLET_SHARE_LINK_TIGRESS);
  g_autoptr(TwSecret) https = wallet_share_dup_link (share, WALLET_SHARE_LINK_HTTPS);
  g_autoptr(TwSecret) bare = wallet_share_dup_link (share, WALLET_SHARE_LINK_WITHOUT_KEY);
  g_autoptr(TwSecret) code = wallet_share_dup_link_key_text (share);

  cli_json_begin_object (writer, NULL);
  cli_shares_write_json_members (writer, share);
  if (options->separate_secret)
    {
      cli_json_secret (writer, "link", bare);
      cli_json_secret (writer, "code", code);
    }
  else
    {
      cli_json_secret (writer, "link", tigress);
      cli_json_secret (writer, "https_link", https);
    }
  if (pin != NULL)
    cli_json_secret (writer, "pin", pin);
  else
    cli_json_null (writer, "pin");
  cli_json_end_object (writer);
}

static void
print_qr (TwSecret *link)
{
  CliQrStyle style = isatty (STDOUT_FILENO) ? CLI_QR_STYLE_ANSI : CLI_QR_STYLE_PLAIN;
  g_autoptr(GError) error = NULL;
  char *drawing = cli_qr_render (tw_secret_get_text (link), style, &error);

  if (drawing == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return;
    }
  printf ("\n%s", drawing);
  /* The drawing holds the link key. */
  tw_wipe (drawing, strlen (drawing));
  g_free (drawing);
}

static void
print_secret_line (const char *label,
                   TwSecret   *secret)
{
  printf ("%s\n  ", label);
  fwrite (tw_secret_get_data (secret), 1, tw_secret_get_size (secret), stdout);
  fputc ('\n', stdout);
}

static void
print_sent (WalletShare *share,
            SendOptions *options,
            TwSecret    *pin)
{
  g_autoptr(TwSecret) tigress = wallet_share_dup_link (share, WALLET_SHARE_LINK_TIGRESS);
  g_autoptr(TwSecret) https = wallet_share_dup_link (share, WALLET_SHARE_LINK_HTTPS);
  g_autoptr(TwSecret) bare = wallet_share_dup_link (share, WALLET_SHARE_LINK_WITHOUT_KEY);
  g_autoptr(TwSecret) code = wallet_share_dup_link_key_text (share);
  g_autofree char *expires = cli_format_date_time (wallet_share_get_expiration (share));

  printf (_("Sharing “%s” until %s through %s.\n\n"), cli_shares_get_name (share), expires,
          wallet_share_get_relay (share));
  if (options->separate_secret)
    {
      print_secret_line (_("Link:"), bare);
      print_secret_line (_("Code (send it another way than the link):"), code);
    }
  else
    {
      print_secret_line (_("Link for Tigress Wallet:"), tigress);
      print_secret_line (_("The same link for other apps:"), https);
    }
  if (pin != NULL)
    print_secret_line (_("PIN (tell it to the recipient yourself; it is shown only once):"), pin);
  else
    printf ("\n%s\n", _("No PIN: whoever opens this link first gets the credential. Send it "
                          "in a private chat, or send the code separately."));
  if (!options->no_qr)
    print_qr (options->separate_secret ? bare : tigress);
  if (!options->wait)
    printf ("\n%s\n", pin != NULL
            ? _("Run “tigress run” when the recipient has typed the PIN, to deliver it.")
            : _("Run “tigress run” later to see that it arrived and to clean up."));
}

/* The share once more, as `shares` shows it, now that it ended. No
 * secrets: the link and PIN went out in the first object. */
static void
write_outcome_json (WalletShare *share)
{
  g_autoptr(CliJson) writer = cli_json_new (stdout);

  cli_shares_write_json (writer, share);
}

static WalletShare *
start_share (CliContext           *context,
             WalletShareOptions   *share_options,
             GError              **error)
{
  g_autoptr(WalletAuthProof) proof = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (cli_wallet_get_share_manager (context, error) == NULL)
    return NULL;
  /* Right before the share starts: prove it is you. */
  proof = cli_wallet_confirm_presence (context, WALLET_AUTH_PURPOSE_SEND, error);
  if (proof == NULL)
    return NULL;

  wallet_share_manager_create_async (context->shares, share_options, proof,
                                     context->cancellable, cli_command_async_done, &result);
  cli_command_wait (context, &result);
  return wallet_share_manager_create_finish (context->shares, result, error);
}

gboolean
cli_share_send (CliContext  *context,
                int          argc,
                char       **argv,
                GError     **error)
{
  /* -1: no --expires given, the wallet's setting applies. */
  g_auto(SendOptions) options = { .timeout_seconds = 600, .expires_hours = -1 };
  const GOptionEntry entries[] = {
    { "relay", 0, 0, G_OPTION_ARG_STRING, &options.relay,
      N_("Share through this relay (default: the default relay)"), N_("URL") },
    { "expires", 0, 0, G_OPTION_ARG_INT, &options.expires_hours,
      N_("Hours the link stays valid (default: the wallet's setting, 24 unless changed in "
         "the app; the relay may shorten it)"), N_("HOURS") },
    { "no-pin", 0, 0, G_OPTION_ARG_NONE, &options.no_pin,
      N_("No PIN: whoever opens the link first gets it"), NULL },
    { "separate-secret", 0, 0, G_OPTION_ARG_NONE, &options.separate_secret,
      N_("Print the link without its key, and the key as a code to send separately"), NULL },
    { "allow-other-apps", 0, 0, G_OPTION_ARG_NONE, &options.allow_other_apps,
      N_("With --no-pin: let other Draft V apps open the link too"), NULL },
    { "title", 0, 0, G_OPTION_ARG_STRING, &options.title,
      N_("The title the recipient sees (default: the credential's)"), N_("TEXT") },
    { "rights", 0, 0, G_OPTION_ARG_STRING, &options.rights,
      N_("Digital keys: the rights given (default unlock,lock)"), N_("LIST") },
    { "key-valid", 0, 0, G_OPTION_ARG_STRING, &options.key_valid,
      N_("Digital keys: how long the key works, like 30d, 12h or 90s (default 30d)"),
      N_("DURATION") },
    { "no-qr", 0, 0, G_OPTION_ARG_NONE, &options.no_qr, N_("Do not draw the QR code"), NULL },
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &options.wait,
      N_("Stay until the share is complete"), NULL },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &options.timeout_seconds,
      N_("With --wait: give up waiting after this many seconds (default 600; 0: no limit)"),
      N_("SECONDS") },
    G_OPTION_ENTRY_NULL
  };
  WalletShareOptions share_options = { 0 };
  WalletCredential *credential;
  g_autoptr(WalletShare) share = NULL;
  g_autoptr(TwSecret) pin = NULL;
  g_autoptr(GError) pin_error = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error)
      || !check_send_options (&options, error))
    return FALSE;
  credential = cli_wallet_find_credential (context, argv[1], error);
  if (credential == NULL || !fill_share_options (context, credential, &options, &share_options,
                                                 error))
    return FALSE;

  share = start_share (context, &share_options, error);
  if (share == NULL)
    return FALSE;
  pin = first_pin (context, share, &pin_error);
  if (pin == NULL && pin_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&pin_error));
      return FALSE;
    }

  if (context->json)
    write_sent_json (share, &options, pin);
  else
    print_sent (share, &options, pin);
  fflush (stdout);

  if (!options.wait)
    return TRUE;
  if (!cli_shares_wait (context, share, (guint) options.timeout_seconds, error))
    return FALSE;
  /* A script reads the outcome, not only the exit code (QA H9). */
  if (context->json)
    write_outcome_json (share);
  return cli_shares_check_outcome (share, error);
}

/* tigress receive ---------------------------------------------------------- */

typedef struct {
  gboolean yes;
  gboolean allow_untrusted_relay;
  int timeout_seconds;
  gboolean asked;     /* the user has said yes to this share already */
  gboolean accepted_before;  /* opened by an earlier `receive`: do not ask again */
} ReceiveOptions;

static WalletShare *
open_share (CliContext  *context,
            const char  *link_text,
            GError     **error)
{
  g_autoptr(GError) open_error = NULL;
  g_autoptr(TwSecret) code = NULL;
  WalletShare *share;

  share = wallet_share_manager_open_link (context->shares, link_text, NULL, &open_error);
  if (share != NULL || !g_error_matches (open_error, WALLET_SHARE_ERROR,
                                         WALLET_SHARE_ERROR_KEY_MISSING))
    {
      if (share == NULL)
        g_propagate_error (error, g_steal_pointer (&open_error));
      return share;
    }

  /* A link without its key: the sender sent the code another way. */
  code = cli_prompt_secret (_("This link came without its code. Type the code the sender "
                              "sent separately:"), error);
  if (code == NULL)
    return NULL;
  return wallet_share_manager_open_link (context->shares, link_text,
                                         tw_secret_get_text (code), error);
}

static gboolean
choose_relay (CliContext              *context,
              WalletShare             *share,
              ReceiveOptions          *options,
              WalletShareAcceptFlags  *flags,
              GError                 **error)
{
  g_autofree char *question = NULL;

  *flags = WALLET_SHARE_ACCEPT_DEFAULT;
  if (wallet_share_get_relay_trusted (share))
    return TRUE;

  fprintf (stderr, _("Warning: this link goes through %s, which is not one of your trusted "
                     "relays. A relay you do not know can see when and how often the link is "
                     "used, but not what it holds.\n"), wallet_share_get_relay (share));
  question = g_strdup_printf (_("Open it through %s anyway?"), wallet_share_get_relay (share));
  if (!options->allow_untrusted_relay && !cli_prompt_confirm (question, error))
    return FALSE;
  *flags = WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY;
  return TRUE;
}

static gboolean
accept_share (CliContext      *context,
              WalletShare     *share,
              ReceiveOptions  *options,
              GError         **error)
{
  WalletShareAcceptFlags flags;
  g_autoptr(WalletAuthProof) proof = NULL;
  g_autoptr(CliShareCall) call = cli_share_call_new ();
  GAsyncResult *result;

  if (!choose_relay (context, share, options, &flags, error))
    return FALSE;
  /* Right before the first read binds the share to this device. */
  proof = cli_wallet_confirm_presence (context, WALLET_AUTH_PURPOSE_ACCEPT, error);
  if (proof == NULL)
    return FALSE;

  wallet_share_manager_accept_async (context->shares, share, proof, flags,
                                     context->cancellable, cli_share_call_done,
                                     cli_share_call_ref_for_callback (call));
  result = cli_share_call_wait (context, call, share, (guint) options->timeout_seconds, error);
  return result != NULL && wallet_share_manager_accept_finish (context->shares, result, error);
}

static char *
describe_time_left (WalletShare *share)
{
  g_autofree char *until = cli_format_date_time (wallet_share_get_expiration (share));
  gint64 left = wallet_share_get_seconds_left (share);

  if (left < 0)
    return g_strdup (_("not known"));
  /* "in 0 h 00 min" reads as already over (QA H9). */
  if (left < 60)
    return g_strdup_printf (_("%s (in less than a minute)"), until);
  return g_strdup_printf (_("%s (in %d h %02d min)"),
                          until, (int) (left / 3600), (int) (left / 60 % 60));
}

static char *
describe_sender (WalletShare *share)
{
  if (wallet_share_get_sender_verified (share))
    return g_strdup_printf (_("verified sender: %s"), wallet_share_get_sender_name (share));
  return g_strdup (_("sender not verified"));
}

static void
print_field_to (FILE       *stream,
                const char *label,
                const char *value)
{
  g_autofree char *shown = cli_text_for_terminal (value, NULL);

  fprintf (stream, "  %-10s %s\n", label, shown);
}

static void
print_request (CliContext  *context,
               WalletShare *share)
{
  FILE *stream = context->json ? stderr : stdout;
  WalletCredentialType type = wallet_share_get_credential_type (share);
  /* Whole here, not shortened: this is what the person accepts. */
  const char *title = wallet_share_get_title (share);
  g_autofree char *what = g_strdup_printf ("%s “%s”", wallet_credential_type_get_label (type),
                                           title != NULL ? title : cli_shares_get_name (share));
  g_autofree char *sender = describe_sender (share);
  g_autofree char *relay = g_strdup_printf ("%s%s", wallet_share_get_relay (share),
                                            wallet_share_get_relay_trusted (share)
                                              ? "" : _(" (not a trusted relay)"));
  g_autofree char *expires = describe_time_left (share);

  fprintf (stream, "%s\n", _("Someone is sharing a credential with you:"));
  print_field_to (stream, _("What:"), what);
  print_field_to (stream, _("From:"), sender);
  print_field_to (stream, _("Relay:"), relay);
  print_field_to (stream, _("Expires:"), expires);
  if (wallet_share_get_from_other_app (share))
    fprintf (stream, "%s\n", _("It comes from another app: it cannot be checked against the "
                               "link, so treat it as unverified."));
  if (wallet_share_get_opened_on_several_devices (share))
    fprintf (stream, "%s\n", _("Warning: the link was opened on more than one device. Treat "
                               "what it holds as exposed."));
  if (wallet_share_get_clock_skewed (share))
    fprintf (stream, "%s\n", _("Note: this computer's clock and the relay's differ by more "
                               "than five minutes."));
  fflush (stream);
}

static gboolean
ask_once (CliContext      *context,
          WalletShare     *share,
          ReceiveOptions  *options,
          GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) declined = NULL;

  if (options->asked)
    return TRUE;
  print_request (context, share);
  options->asked = TRUE;
  if (options->yes || options->accepted_before)
    return TRUE;
  switch (cli_prompt_yes_no (_("Accept it?"), &declined))
    {
    case CLI_ANSWER_YES:
      return TRUE;
    case CLI_ANSWER_UNCLEAR:
      /* Declining cannot be undone: only a clear no does it. */
      g_propagate_error (error, g_steal_pointer (&declined));
      return FALSE;
    case CLI_ANSWER_NO:
    default:
      break;
    }

  /* Declining tells the sender and closes the mailbox. */
  wallet_share_manager_cancel_async (context->shares, share, context->cancellable,
                                     cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_share_manager_cancel_finish (context->shares, result, error)
      || !cli_shares_wait (context, share, (guint) options->timeout_seconds, error))
    return FALSE;
  g_propagate_error (error, g_steal_pointer (&declined));
  return FALSE;
}

static gboolean
confirm_share (CliContext      *context,
               WalletShare     *share,
               TwSecret        *pin,
               ReceiveOptions  *options,
               GError         **error)
{
  g_autoptr(CliShareCall) call = cli_share_call_new ();
  GAsyncResult *result;

  wallet_share_manager_confirm_async (context->shares, share, pin, context->cancellable,
                                      cli_share_call_done, cli_share_call_ref_for_callback (call));
  result = cli_share_call_wait (context, call, share, (guint) options->timeout_seconds, error);
  if (result != NULL && wallet_share_manager_confirm_finish (context->shares, result, error))
    return TRUE;
  cli_shares_adapt_error (share, error);
  return FALSE;
}

static gboolean
send_pin (CliContext      *context,
          WalletShare     *share,
          ReceiveOptions  *options,
          GError         **error)
{
  g_autoptr(TwSecret) pin = NULL;

  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_PIN_WRONG)
    fprintf (stderr, g_dngettext (GETTEXT_PACKAGE, "That PIN was wrong; %u try left.\n",
                                  "That PIN was wrong; %u tries left.\n",
                                  wallet_share_get_tries_left (share)),
             wallet_share_get_tries_left (share));
  pin = cli_prompt_secret (_("PIN from the sender:"), error);
  return pin != NULL && confirm_share (context, share, pin, options, error);
}

/* One step of an incoming share, by its state; FALSE on failure. */
static gboolean
step (CliContext      *context,
      WalletShare     *share,
      ReceiveOptions  *options,
      GError         **error)
{
  switch (wallet_share_get_state (share))
    {
    case WALLET_SHARE_STATE_NEW:
      return accept_share (context, share, options, error);
    case WALLET_SHARE_STATE_OPENED:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
      return ask_once (context, share, options, error)
             && confirm_share (context, share, NULL, options, error);
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
    case WALLET_SHARE_STATE_PIN_WRONG:
      return ask_once (context, share, options, error) && send_pin (context, share, options, error);
    case WALLET_SHARE_STATE_CONNECTING:
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
    case WALLET_SHARE_STATE_STORING:
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
    case WALLET_SHARE_STATE_DELIVERING:
    case WALLET_SHARE_STATE_DELIVERED:
    case WALLET_SHARE_STATE_RECEIVED:
    case WALLET_SHARE_STATE_DECLINED:
    case WALLET_SHARE_STATE_CANCELLED:
    case WALLET_SHARE_STATE_EXPIRED:
    case WALLET_SHARE_STATE_FAILED:
    default:
      return cli_shares_wait (context, share, (guint) options->timeout_seconds, error);
    }
}

/* The sender is named here only when the offer was not shown in this run
 * (a share accepted earlier): once is enough (QA G12). */
static void
report_received (CliContext     *context,
                 WalletShare    *share,
                 ReceiveOptions *options)
{
  g_autofree char *sender = describe_sender (share);
  g_autofree char *shown_sender = cli_text_for_terminal (sender, NULL);

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_shares_write_json (writer, share);
      return;
    }
  printf (_("Saved “%s” in your wallet (id %s).\n"), cli_shares_get_name (share),
          wallet_share_get_credential_id (share));
  if (!options->asked)
    printf (_("From: %s\n"), shown_sender);
}

static char *
read_link (int      argc,
           char   **argv,
           GError **error)
{
  g_autoptr(TwSecret) pasted = NULL;

  if (argc == 2 && !g_str_equal (argv[1], "-"))
    return g_strdup (argv[1]);
  pasted = cli_prompt_secret (_("Paste the share link:"), error);
  return pasted != NULL ? g_strdup (tw_secret_get_text (pasted)) : NULL;
}

gboolean
cli_share_receive (CliContext  *context,
                   int          argc,
                   char       **argv,
                   GError     **error)
{
  ReceiveOptions options = { .timeout_seconds = 120 };
  const GOptionEntry entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &options.yes,
      N_("Accept without asking (the passcode and PIN are still needed)"), NULL },
    { "allow-untrusted-relay", 0, 0, G_OPTION_ARG_NONE, &options.allow_untrusted_relay,
      N_("Use the link's relay even if it is not trusted, without asking"), NULL },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &options.timeout_seconds,
      N_("Wait this many seconds for the sender (default 120; 0: no limit)"), N_("SECONDS") },
    G_OPTION_ENTRY_NULL
  };
  g_autofree char *link_text = NULL;
  g_autoptr(WalletShare) share = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 0, 1, error))
    return FALSE;
  if (options.timeout_seconds < 0)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE, _("--timeout cannot be negative."));
      return FALSE;
    }
  link_text = read_link (argc, argv, error);
  if (link_text == NULL || cli_wallet_get_share_manager (context, error) == NULL)
    return FALSE;
  share = open_share (context, link_text, error);
  tw_wipe (link_text, strlen (link_text));
  if (share == NULL)
    return FALSE;
  /* The yes was given when the share was first opened, by an earlier
   * run; asking again would read the PIN as the answer. */
  options.accepted_before = wallet_share_get_state (share) != WALLET_SHARE_STATE_NEW;
  /* Before asking again for a PIN, learn whether the sender ended it. */
  if (options.accepted_before && wallet_share_needs_user (share) &&
      !cli_shares_wait (context, share, (guint) options.timeout_seconds, error))
    return FALSE;

  while (!wallet_share_is_final (share))
    if (!step (context, share, &options, error))
      return FALSE;
  /* Final is not the end of the work: the receipt still goes to the
   * sender. The wait returns once the manager has written everything. */
  if (!cli_shares_wait (context, share, (guint) options.timeout_seconds, error)
      || !cli_shares_check_outcome (share, error))
    return FALSE;

  report_received (context, share, &options);
  return TRUE;
}
