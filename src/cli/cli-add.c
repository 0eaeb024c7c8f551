/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "cli-credentials.h"
#include "cli-exit.h"
#include "cli-prompt.h"
#include "cli-wallet.h"

/* The plain fields `add` takes as options. Secrets are never among them:
 * they are read from a prompt or standard input, so they stay out of shell
 * history and the process list. */
typedef struct {
  char *title;
  char *username;
  char *url;
  char *notes;
  char *ssid;
  char *security;
  gboolean hidden;
  char *location;
  char *valid_from;
  char *valid_until;
} AddOptions;

static void
add_options_clear (AddOptions *options)
{
  g_free (options->title);
  g_free (options->username);
  g_free (options->url);
  g_free (options->notes);
  g_free (options->ssid);
  g_free (options->security);
  g_free (options->location);
  g_free (options->valid_from);
  g_free (options->valid_until);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AddOptions, add_options_clear)

typedef struct {
  const char *option;
  const char *field;
  gsize offset;
} TextOption;

static const TextOption text_options[] = {
  { "username",    WALLET_FIELD_USERNAME,    G_STRUCT_OFFSET (AddOptions, username) },
  { "url",         WALLET_FIELD_URL,         G_STRUCT_OFFSET (AddOptions, url) },
  { "notes",       WALLET_FIELD_NOTES,       G_STRUCT_OFFSET (AddOptions, notes) },
  { "ssid",        WALLET_FIELD_SSID,        G_STRUCT_OFFSET (AddOptions, ssid) },
  { "security",    WALLET_FIELD_SECURITY,    G_STRUCT_OFFSET (AddOptions, security) },
  { "location",    WALLET_FIELD_LOCATION,    G_STRUCT_OFFSET (AddOptions, location) },
  { "valid-from",  WALLET_FIELD_VALID_FROM,  G_STRUCT_OFFSET (AddOptions, valid_from) },
  { "valid-until", WALLET_FIELD_VALID_UNTIL, G_STRUCT_OFFSET (AddOptions, valid_until) },
};

static char *
option_value (AddOptions       *options,
              const TextOption *text_option)
{
  return G_STRUCT_MEMBER (char *, options, text_option->offset);
}

/* GLib reads a time only with its seconds; people write "18:00". */
static char *
add_missing_seconds (const char *text)
{
  gsize length = strlen (text);

  if (length >= 16 && text[13] == ':' && g_ascii_isdigit (text[14]) &&
      g_ascii_isdigit (text[15]) && (length == 16 || strchr ("Zz+-", text[16]) != NULL))
    return g_strdup_printf ("%.16s:00%s", text, text + 16);
  return g_strdup (text);
}

/* A time as people write it ("2025-01-31T18:00", "2025-01-31 18:00+01:00",
 * "2025-01-31"; local time unless a zone is given) in the wallet's form,
 * ISO 8601 UTC. */
static char *
normalise_time (const char  *option,
                const char  *text,
                GError     **error)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  const char *given = text;
  g_autofree char *with_time = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) utc = NULL;

  /* A day alone means all of it: valid from its first minute, and valid
   * until its last, as people mean "until 31 January" (QA H7: the code
   * was shown as expired on the day the user named). */
  if (strlen (text) == 10)
    text = with_time = g_strdup_printf ("%sT%s", text,
                                        g_str_equal (option, "valid-until") ? "23:59:59"
                                                                            : "00:00:00");
  else
    text = with_time = add_missing_seconds (text);
  parsed = g_date_time_new_from_iso8601 (text, local);
  if (parsed == NULL)
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                   _("--%s “%s” is not a date and time. Write it like "
                     "2025-01-31T18:00 or 2025-01-31."), option, given);
      return NULL;
    }
  utc = g_date_time_to_utc (parsed);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
check_applies (WalletCredentialType   type,
               const char            *option,
               const char            *field,
               GError               **error)
{
  if (wallet_credential_type_find_field (type, field) != NULL)
    return TRUE;

  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE, _("--%s does not apply to a %s."),
               option, wallet_credential_type_get_label (type));
  return FALSE;
}

/* Every option given must fit the type: said before anything else, so an
 * --ssid on a password is named as the mistake, not a missing title. */
static gboolean
check_options_apply (WalletCredentialType   type,
                     AddOptions            *options,
                     GError               **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (text_options); i++)
    {
      if (option_value (options, &text_options[i]) != NULL &&
          !check_applies (type, text_options[i].option, text_options[i].field, error))
        return FALSE;
    }
  return !options->hidden || check_applies (type, "hidden", WALLET_FIELD_HIDDEN, error);
}

static gboolean
set_plain_fields (WalletCredential  *credential,
                  AddOptions        *options,
                  GError           **error)
{
  WalletCredentialType type = wallet_credential_get_credential_type (credential);

  for (gsize i = 0; i < G_N_ELEMENTS (text_options); i++)
    {
      const TextOption *text_option = &text_options[i];
      const char *value = option_value (options, text_option);
      g_autofree char *time_value = NULL;

      if (value == NULL)
        continue;
      if (!check_applies (type, text_option->option, text_option->field, error))
        return FALSE;
      if (g_str_has_prefix (text_option->option, "valid-"))
        {
          value = time_value = normalise_time (text_option->option, value, error);
          if (value == NULL)
            return FALSE;
        }
      wallet_credential_set_field (credential, text_option->field, value);
    }

  if (options->hidden && !check_applies (type, "hidden", WALLET_FIELD_HIDDEN, error))
    return FALSE;
  if (type == WALLET_CREDENTIAL_WIFI)
    wallet_credential_set_field (credential, WALLET_FIELD_HIDDEN,
                                 options->hidden ? "true" : "false");
  return TRUE;
}

/* The Wi-Fi network name may be typed at a prompt; it is also the default
 * title. */
static gboolean
fill_wifi_defaults (AddOptions  *options,
                    GError     **error)
{
  if (options->ssid == NULL && cli_prompt_is_interactive ())
    {
      options->ssid = cli_prompt_line (_("Network name (SSID):"), error);
      if (options->ssid == NULL)
        return FALSE;
    }
  if (options->security == NULL)
    options->security = g_strdup (WALLET_WIFI_SECURITY_WPA);
  if (options->title == NULL && options->ssid != NULL)
    options->title = g_strdup (options->ssid);
  return TRUE;
}

static gboolean
fill_title (AddOptions  *options,
            GError     **error)
{
  if (options->title != NULL)
    return TRUE;
  if (cli_prompt_is_interactive ())
    {
      options->title = cli_prompt_line (_("Title:"), error);
      return options->title != NULL;
    }
  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                       _("Give the credential a title with --title."));
  return FALSE;
}

/* The secret field people type for this type (password, Wi-Fi password,
 * code), or NULL when there is none to ask for. */
static const WalletFieldInfo *
typed_secret_field (WalletCredential *credential)
{
  WalletCredentialType type = wallet_credential_get_credential_type (credential);
  const char *security = wallet_credential_get_field (credential, WALLET_FIELD_SECURITY);
  guint n_fields = 0;
  const WalletFieldInfo *fields = wallet_credential_type_get_fields (type, &n_fields);

  if (type == WALLET_CREDENTIAL_WIFI && g_strcmp0 (security, WALLET_WIFI_SECURITY_NOPASS) == 0)
    return NULL;
  for (guint i = 0; i < n_fields; i++)
    if ((fields[i].flags & WALLET_FIELD_FLAG_SECRET)
        && fields[i].kind == WALLET_FIELD_KIND_PASSWORD)
      return &fields[i];
  return NULL;
}

/* Reads the secret; at a terminal it is typed twice, to catch typos that
 * nobody can see. */
static gboolean
read_secret (WalletCredential  *credential,
             GError           **error)
{
  const WalletFieldInfo *field = typed_secret_field (credential);
  g_autofree char *question = NULL;
  g_autoptr(TwSecret) secret = NULL;
  g_autoptr(TwSecret) again = NULL;

  if (field == NULL)
    return TRUE;

  question = g_strdup_printf (_("%s:"), _(field->label));
  secret = cli_prompt_secret (question, error);
  if (secret == NULL)
    return FALSE;
  if (cli_prompt_is_interactive ())
    {
      again = cli_prompt_secret (_("Type it again:"), error);
      if (again == NULL)
        return FALSE;
      if (!tw_secret_equal (secret, again))
        {
          g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                               _("The two entries differ. Nothing was added; try again."));
          return FALSE;
        }
    }
  wallet_credential_set_secret (credential, field->name, secret);
  return TRUE;
}

static WalletCredential *
build_credential (WalletCredentialType   type,
                  AddOptions            *options,
                  GError               **error)
{
  g_autoptr(WalletCredential) credential = NULL;

  if (type == WALLET_CREDENTIAL_WIFI && !fill_wifi_defaults (options, error))
    return NULL;
  if (!fill_title (options, error))
    return NULL;

  if (type == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER)
    credential = wallet_credential_new_digital_key_owner (options->title);
  else
    credential = wallet_credential_new (type);
  wallet_credential_set_title (credential, options->title);

  if (!set_plain_fields (credential, options, error) || !read_secret (credential, error))
    return NULL;
  if (!wallet_credential_validate (credential, error))
    return NULL;
  return g_steal_pointer (&credential);
}

static gboolean
parse_addable_type (const char            *name,
                    WalletCredentialType  *type,
                    GError               **error)
{
  if (wallet_credential_type_from_string (name, type)
      && (*type == WALLET_CREDENTIAL_PASSWORD || *type == WALLET_CREDENTIAL_WIFI
          || *type == WALLET_CREDENTIAL_ACCESS_CODE
          || *type == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER))
    return TRUE;

  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("Cannot add a credential of type “%s”. Add one of: password, wifi, "
                 "access-code, digital-key-owner. Digital keys arrive through a share."),
               name);
  return FALSE;
}

gboolean
cli_credentials_add (CliContext  *context,
                     int          argc,
                     char       **argv,
                     GError     **error)
{
  g_auto(AddOptions) options = { 0 };
  const GOptionEntry entries[] = {
    { "title", 0, 0, G_OPTION_ARG_STRING, &options.title,
      N_("The name to list it by"), N_("TEXT") },
    { "username", 0, 0, G_OPTION_ARG_STRING, &options.username,
      N_("password: the user name"), N_("TEXT") },
    { "url", 0, 0, G_OPTION_ARG_STRING, &options.url, N_("password: the web address"), N_("URL") },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &options.notes,
      N_("password: notes (not secret)"), N_("TEXT") },
    { "ssid", 0, 0, G_OPTION_ARG_STRING, &options.ssid, N_("wifi: the network name"), N_("NAME") },
    { "security", 0, 0, G_OPTION_ARG_STRING, &options.security,
      N_("wifi: WPA (default), SAE, WEP or nopass"), N_("KIND") },
    { "hidden", 0, 0, G_OPTION_ARG_NONE, &options.hidden, N_("wifi: the network is hidden"), NULL },
    { "location", 0, 0, G_OPTION_ARG_STRING, &options.location,
      N_("access-code: where the code works"), N_("TEXT") },
    { "valid-from", 0, 0, G_OPTION_ARG_STRING, &options.valid_from,
      N_("access-code: first valid time"), N_("TIME") },
    { "valid-until", 0, 0, G_OPTION_ARG_STRING, &options.valid_until,
      N_("access-code: last valid time"), N_("TIME") },
    G_OPTION_ENTRY_NULL
  };
  WalletCredentialType type;
  g_autoptr(WalletCredential) credential = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error))
    return FALSE;
  if (!parse_addable_type (argv[1], &type, error) ||
      !check_options_apply (type, &options, error))
    return FALSE;
  /* Unlock first: nobody should type a secret only to hear the passcode
   * was wrong, and scripts give the passcode before the secret. */
  if (cli_wallet_get_store (context, error) == NULL)
    return FALSE;

  credential = build_credential (type, &options, error);
  if (credential == NULL)
    return FALSE;
  return cli_credentials_save_new (context, credential, error);
}
