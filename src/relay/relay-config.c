/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-config.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (relay-config-error-quark, relay_config_error)

typedef enum {
  KIND_STRING,
  KIND_LIST,       /* repeatable; comma separated in the environment and files */
  KIND_FLAG_ON,    /* present: TRUE */
  KIND_FLAG_OFF,   /* present: FALSE; its default names the flag, so "false" */
  KIND_SIZE,       /* bytes */
  KIND_COUNT,
  KIND_DURATION,   /* seconds, with an optional s/m/h/d suffix */
} OptionKind;

typedef struct {
  const char *name;
  OptionKind  kind;
  gsize       offset;
  const char *default_value;
  const char *arg;
  const char *help;
} OptionSpec;

#define FIELD(member) G_STRUCT_OFFSET (RelayConfig, member)

/* The one place where each option, its default and its help live. */
static const OptionSpec options[] = {
  { "listen", KIND_LIST, FIELD (listen), "127.0.0.1:8080", "HOST:PORT",
    "Address to serve the API on; repeat for several ([::1]:8080 for IPv6, port 0 for "
    "any free port). Default 127.0.0.1:8080" },
  { "storage", KIND_STRING, FIELD (storage), "sqlite:/var/lib/tigress-relay/relay.db",
    "SPEC", "Where mailboxes live: sqlite:PATH (one file) or redis://HOST:PORT[/DB] "
    "(shared by several relays). Default sqlite:/var/lib/tigress-relay/relay.db" },
  { "tls-cert", KIND_STRING, FIELD (tls_cert), NULL, "FILE",
    "PEM certificate chain: serve HTTPS instead of plain HTTP (needs --tls-key)" },
  { "tls-key", KIND_STRING, FIELD (tls_key), NULL, "FILE",
    "PEM private key of --tls-cert" },
  { "admin-listen", KIND_STRING, FIELD (admin_listen), NULL, "HOST:PORT",
    "Address for /metrics and /healthz only; keep it private. Default: none" },
  { "public-url", KIND_STRING, FIELD (public_url), NULL, "URL",
    "Scheme and host that links start with, e.g. https://relay.example.org. "
    "Default: taken from each request's Host" },
  { "trusted-proxy", KIND_LIST, FIELD (trusted_proxies), NULL, "ADDRESS",
    "A reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are believed; "
    "repeat for several. Default: none" },
  { "threads", KIND_COUNT, FIELD (threads), "0", "N",
    "HTTP worker threads, each serving the same port. Default 0: two per CPU, so that "
    "one disk sync can serve the writes of several threads" },
  { "no-rate-limits", KIND_FLAG_OFF, FIELD (rate_limits), "false", NULL,
    "Turn off the per-address limits (creates, failed requests); for test rigs" },
  { "log-addresses", KIND_FLAG_ON, FIELD (log_addresses), "false", NULL,
    "Write client IP addresses into log lines (off by default, for privacy)" },
  { "max-body", KIND_SIZE, FIELD (max_body), "65536", "BYTES",
    "Largest request body. Default 65536" },
  { "max-payload", KIND_SIZE, FIELD (max_payload), "49152", "BYTES",
    "Largest payload.data text. Default 49152" },
  { "max-field", KIND_SIZE, FIELD (max_field), "256", "BYTES",
    "Largest display field (title, description, imageURL). Default 256" },
  { "max-url", KIND_SIZE, FIELD (max_url), "2048", "BYTES",
    "Longest path and query. Default 2048" },
  { "max-headers", KIND_SIZE, FIELD (max_headers), "8192", "BYTES",
    "Largest total of request header names and values. Default 8192" },
  { "create-limit", KIND_COUNT, FIELD (create_limit), "60", "N",
    "Mailbox creations per minute per IPv4 address or IPv6 /64. Default 60" },
  { "failure-limit", KIND_COUNT, FIELD (failure_limit), "60", "N",
    "401 and 404 answers per minute per address before it gets 429. Default 60" },
  { "read-limit", KIND_COUNT, FIELD (read_limit), "300", "N",
    "Reads per minute of one mailbox. Default 300" },
  { "max-mailboxes", KIND_COUNT, FIELD (max_mailboxes), "1000000", "N",
    "Live mailboxes the relay holds at most. Default 1000000" },
  { "max-waiting", KIND_COUNT, FIELD (max_waiting), "10000", "N",
    "Long polls waiting at the same time. Default 10000" },
  { "max-wait", KIND_DURATION, FIELD (max_wait), "60", "SECONDS",
    "Longest wait a long poll may ask for. Default 60" },
  { "max-expiry", KIND_DURATION, FIELD (max_expiry), "48h", "DURATION",
    "Longest mailbox lifetime; requests are clamped to it (at most 7d). Default 48h" },
  { "request-timeout", KIND_DURATION, FIELD (request_timeout), "30", "SECONDS",
    "Time a client has to send a whole request; also closes idle connections. "
    "Default 30" },
  { "sweep-interval", KIND_DURATION, FIELD (sweep_interval), "60", "SECONDS",
    "Time between removals of expired mailboxes. Default 60" },
};

/* Raw values by source; the first source holding an option wins. */
typedef struct {
  GHashTable *command_line;
  GHashTable *environment;
  GHashTable *file;
  char       *config_path;
  gboolean    show_version;
} RawValues;

static const OptionSpec *
find_option (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_str_equal (options[i].name, name))
      return &options[i];
  return NULL;
}

static void
raw_set (GHashTable       *table,
         const OptionSpec *spec,
         const char       *value)
{
  const char *previous = g_hash_table_lookup (table, spec->name);

  if (spec->kind == KIND_LIST && previous != NULL)
    g_hash_table_insert (table, (gpointer) spec->name,
                         g_strconcat (previous, ",", value, NULL));
  else
    g_hash_table_insert (table, (gpointer) spec->name, g_strdup (value));
}

static gboolean
on_command_line_option (const char  *option_name,
                        const char  *value,
                        gpointer     data,
                        GError     **error)
{
  RawValues *raw = data;
  const OptionSpec *spec = find_option (option_name + 2);

  g_assert (spec != NULL);
  if (spec->kind == KIND_FLAG_ON || spec->kind == KIND_FLAG_OFF)
    value = "true";
  raw_set (raw->command_line, spec, value);
  return TRUE;
}

static GOptionEntry *
build_option_entries (RawValues *raw)
{
  GOptionEntry *entries = g_new0 (GOptionEntry, G_N_ELEMENTS (options) + 3);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (options); i++)
    {
      const OptionSpec *spec = &options[i];
      gboolean is_flag = spec->kind == KIND_FLAG_ON || spec->kind == KIND_FLAG_OFF;

      entries[i].long_name = spec->name;
      entries[i].flags = is_flag ? G_OPTION_FLAG_NO_ARG : 0;
      entries[i].arg = G_OPTION_ARG_CALLBACK;
      entries[i].arg_data = (gpointer) on_command_line_option;
      entries[i].description = spec->help;
      entries[i].arg_description = spec->arg;
    }
  entries[i++] = (GOptionEntry) { "config", 0, 0, G_OPTION_ARG_FILENAME, &raw->config_path,
                                  "Read settings from this file (group [relay], keys "
                                  "named like the options)", "FILE" };
  entries[i] = (GOptionEntry) { "version", 0, 0, G_OPTION_ARG_NONE, &raw->show_version,
                                "Print the version and exit", NULL };
  return entries;
}

static char *
environment_name (const char *option_name)
{
  g_autofree char *upper = g_ascii_strup (option_name, -1);

  g_strdelimit (upper, "-", '_');
  return g_strconcat ("TIGRESS_RELAY_", upper, NULL);
}

static gboolean
is_false_word (const char *value)
{
  return g_ascii_strcasecmp (value, "0") == 0 || g_ascii_strcasecmp (value, "false") == 0 ||
         g_ascii_strcasecmp (value, "no") == 0 || *value == '\0';
}

static void
read_environment (RawValues          *raw,
                  const char * const *envp)
{
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    {
      const OptionSpec *spec = &options[i];
      g_autofree char *name = environment_name (spec->name);
      const char *value = g_environ_getenv ((char **) envp, name);
      gboolean is_flag = spec->kind == KIND_FLAG_ON || spec->kind == KIND_FLAG_OFF;

      if (value == NULL || (is_flag && is_false_word (value)))
        continue;
      raw_set (raw->environment, spec, is_flag ? "true" : value);
    }

  if (raw->config_path == NULL && g_environ_getenv ((char **) envp, "TIGRESS_RELAY_CONFIG"))
    raw->config_path = g_strdup (g_environ_getenv ((char **) envp, "TIGRESS_RELAY_CONFIG"));
}

static gboolean
read_config_file (RawValues  *raw,
                  GError    **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_auto(GStrv) keys = NULL;

  if (raw->config_path == NULL)
    return TRUE;
  if (!g_key_file_load_from_file (key_file, raw->config_path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "Could not read the config file %s: ", raw->config_path);
      return FALSE;
    }

  keys = g_key_file_get_keys (key_file, "relay", NULL, NULL);
  for (gsize i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const OptionSpec *spec = find_option (keys[i]);
      g_autofree char *value = g_key_file_get_string (key_file, "relay", keys[i], NULL);
      gboolean is_flag;

      if (spec == NULL)
        {
          g_set_error (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_INVALID,
                       "The config file %s has an unknown setting \"%s\"; see "
                       "tigress-relay --help for the names", raw->config_path, keys[i]);
          return FALSE;
        }
      is_flag = spec->kind == KIND_FLAG_ON || spec->kind == KIND_FLAG_OFF;
      if (value != NULL && !(is_flag && is_false_word (value)))
        raw_set (raw->file, spec, is_flag ? "true" : value);
    }
  return TRUE;
}

gboolean
relay_config_parse_duration (const char *text,
                             gint64     *seconds_out)
{
  guint64 number;
  char *end = NULL;
  gint64 unit = 1;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  number = g_ascii_strtoull (text, &end, 10);
  switch (*end)
    {
    case '\0': case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return FALSE;
    }
  if (*end != '\0' && end[1] != '\0')
    return FALSE;
  if (number > G_MAXINT32)
    return FALSE;

  *seconds_out = (gint64) number * unit;
  return TRUE;
}

static gboolean
parse_count (const char *text,
             guint64     max,
             guint64    *value_out)
{
  return g_ascii_string_to_unsigned (text, 10, 0, max, value_out, NULL);
}

static gboolean
apply_value (RelayConfig       *config,
             const OptionSpec  *spec,
             const char        *value,
             GError           **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, spec->offset);
  guint64 number;
  gint64 seconds;

  switch (spec->kind)
    {
    case KIND_STRING:
      g_free (*(char **) field);
      *(char **) field = g_strdup (value);
      return TRUE;
    case KIND_LIST:
      g_strfreev (*(GStrv *) field);
      *(GStrv *) field = value != NULL ? g_strsplit (value, ",", -1) : NULL;
      return TRUE;
    case KIND_FLAG_ON:
    case KIND_FLAG_OFF:
      *(gboolean *) field = spec->kind == KIND_FLAG_ON ? !is_false_word (value)
                                                       : is_false_word (value);
      return TRUE;
    case KIND_SIZE:
      if (!parse_count (value, G_MAXUINT32, &number))
        break;
      *(gsize *) field = number;
      return TRUE;
    case KIND_COUNT:
      if (!parse_count (value, G_MAXUINT32, &number))
        break;
      *(guint *) field = number;
      return TRUE;
    case KIND_DURATION:
      if (!relay_config_parse_duration (value, &seconds))
        break;
      if (spec->offset == FIELD (max_expiry))
        config->max_expiry = seconds;
      else
        *(guint *) field = seconds;
      return TRUE;
    default:
      g_assert_not_reached ();
    }

  g_set_error (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_INVALID,
               "The value \"%s\" of --%s is not %s", value, spec->name,
               spec->kind == KIND_DURATION ? "a duration like 90s, 15m, 48h or 7d"
                                           : "a whole number");
  return FALSE;
}

static gboolean
apply_defaults (RelayConfig *config)
{
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    {
      /* Built-in defaults are valid by construction. */
      if (options[i].default_value != NULL &&
          !apply_value (config, &options[i], options[i].default_value, NULL))
        g_assert_not_reached ();
    }
  return TRUE;
}

RelayConfig *
relay_config_new_default (void)
{
  RelayConfig *config = g_new0 (RelayConfig, 1);

  apply_defaults (config);
  return config;
}

static gboolean
fail_invalid (GError     **error,
              const char  *message)
{
  g_set_error_literal (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
validate_addresses (RelayConfig  *config,
                    GError      **error)
{
  g_autoptr(GSocketAddress) admin = NULL;

  for (guint i = 0; config->listen[i] != NULL; i++)
    {
      g_autoptr(GSocketAddress) address = relay_config_parse_address (config->listen[i],
                                                                      error);

      if (address == NULL)
        return FALSE;
    }
  if (config->admin_listen != NULL)
    admin = relay_config_parse_address (config->admin_listen, error);
  return config->admin_listen == NULL || admin != NULL;
}

static gboolean
validate (RelayConfig  *config,
          GError      **error)
{
  if (config->listen == NULL || config->listen[0] == NULL)
    return fail_invalid (error, "--listen needs at least one HOST:PORT");
  if ((config->tls_cert == NULL) != (config->tls_key == NULL))
    return fail_invalid (error, "--tls-cert and --tls-key go together: give both files "
                                "for HTTPS, or neither for plain HTTP behind a proxy");
  if (config->max_expiry < 1 || config->max_expiry > RELAY_MAX_EXPIRY_CEILING)
    return fail_invalid (error, "--max-expiry must be between 1s and 7d");
  if (config->max_wait > 60)
    return fail_invalid (error, "--max-wait may be at most 60 seconds");
  if (config->request_timeout < 1)
    return fail_invalid (error, "--request-timeout must be at least 1 second");
  if (config->sweep_interval < 1)
    return fail_invalid (error, "--sweep-interval must be at least 1 second");
  if (config->threads > 256)
    return fail_invalid (error, "--threads may be at most 256");
  if (config->max_body < 1024)
    return fail_invalid (error, "--max-body must be at least 1024 bytes");

  if (!validate_addresses (config, error))
    return FALSE;

  if (config->threads == 0)
    config->threads = MAX (2, 2 * g_get_num_processors ());
  return TRUE;
}

static gboolean
merge (RelayConfig  *config,
       RawValues    *raw,
       GError      **error)
{
  GHashTable *sources[] = { raw->command_line, raw->environment, raw->file };

  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    {
      for (gsize s = 0; s < G_N_ELEMENTS (sources); s++)
        {
          const char *value = g_hash_table_lookup (sources[s], options[i].name);

          if (value == NULL)
            continue;
          if (!apply_value (config, &options[i], value, error))
            return FALSE;
          break;
        }
    }
  return validate (config, error);
}

static void
raw_values_clear (RawValues *raw)
{
  g_clear_pointer (&raw->command_line, g_hash_table_unref);
  g_clear_pointer (&raw->environment, g_hash_table_unref);
  g_clear_pointer (&raw->file, g_hash_table_unref);
  g_clear_pointer (&raw->config_path, g_free);
}

static gboolean
parse_command_line (RawValues   *raw,
                    int         *argc,
                    char      ***argv,
                    GError     **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autofree GOptionEntry *entries = build_option_entries (raw);
  GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, raw, NULL);

  g_option_context_set_summary (context,
    "The Tigress Wallet mailbox relay: passes end-to-end encrypted shares between "
    "two devices, keeps no accounts and cannot read what it passes.");
  g_option_context_set_description (context,
    "Every option can also be set in the environment as TIGRESS_RELAY_<NAME> (upper "
    "case, dashes as underscores; lists comma separated; flags 1 or 0) or in the file "
    "given by --config (group [relay]). The command line wins over the environment, "
    "which wins over the file. A limit of 0 switches that limit off.\n\n"
    "Example:\n  tigress-relay --listen 127.0.0.1:8080 "
    "--storage sqlite:/var/lib/tigress-relay/relay.db");
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);

  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    {
      g_set_error (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_INVALID,
                   "Unexpected argument \"%s\"; see tigress-relay --help", (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

RelayConfig *
relay_config_load (int                 *argc,
                   char              ***argv,
                   const char * const  *envp,
                   GError             **error)
{
  g_autoptr(RelayConfig) config = relay_config_new_default ();
  g_auto(GStrv) own_environment = NULL;
  RawValues raw = {
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free),
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free),
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free),
    NULL, FALSE,
  };
  gboolean ok;

  if (envp == NULL)
    envp = (const char * const *) (own_environment = g_get_environ ());

  ok = parse_command_line (&raw, argc, argv, error);
  if (ok && raw.show_version)
    {
      printf ("tigress-relay %s\n", PACKAGE_VERSION);
      g_set_error_literal (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_HELP, "version");
      ok = FALSE;
    }
  if (ok)
    read_environment (&raw, envp);
  ok = ok && read_config_file (&raw, error) && merge (config, &raw, error);
  raw_values_clear (&raw);

  return ok ? g_steal_pointer (&config) : NULL;
}

void
relay_config_free (RelayConfig *config)
{
  if (config == NULL)
    return;

  g_strfreev (config->listen);
  g_free (config->admin_listen);
  g_free (config->storage);
  g_free (config->tls_cert);
  g_free (config->tls_key);
  g_free (config->public_url);
  g_strfreev (config->trusted_proxies);
  g_free (config);
}

GSocketAddress *
relay_config_parse_address (const char  *text,
                            GError     **error)
{
  g_autofree char *host = NULL;
  const char *colon;
  guint64 port;
  g_autoptr(GInetAddress) address = NULL;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      colon = close != NULL && close[1] == ':' ? close + 1 : NULL;
      host = close != NULL ? g_strndup (text + 1, close - text - 1) : NULL;
    }
  else
    {
      colon = strrchr (text, ':');
      host = colon != NULL ? g_strndup (text, colon - text) : NULL;
    }

  if (colon != NULL && host != NULL &&
      g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    address = g_inet_address_new_from_string (*host ? host : "0.0.0.0");

  if (address == NULL)
    {
      g_set_error (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_INVALID,
                   "\"%s\" is not an address to listen on: write an IP address and a "
                   "port, like 127.0.0.1:8080 or [::1]:8080", text);
      return NULL;
    }
  return g_inet_socket_address_new (address, port);
}
