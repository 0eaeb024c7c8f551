/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-credential.h"
#include "wallet-enums.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tw-base64.h"
#include "tw-crypto.h"
#include "tw-json-secret.h"
#include "tw-json-strict.h"

#define STORAGE_VERSION      1
#define MAX_TITLE_LENGTH     WALLET_CREDENTIAL_MAX_TITLE_CHARS
#define MAX_TEXT_SIZE        1024     /* bytes of one plain field */
#define MAX_NOTES_SIZE       16384
#define MAX_SECRET_SIZE      16384
#define MAX_DOCUMENT_SIZE    (256 * 1024)

struct _WalletCredential
{
  GObject               parent_instance;

  char                 *id;
  WalletCredentialType  type;
  char                 *title;
  GDateTime            *created;
  GDateTime            *modified;
  char                 *share_id;
  char                 *unknown_format;   /* WALLET_CREDENTIAL_UNKNOWN only */
  TwSecret             *unknown_content;  /* kept byte for byte */
  GHashTable           *fields;           /* name → text */
  GHashTable           *secrets;          /* name → TwSecret */
};

G_DEFINE_TYPE (WalletCredential, wallet_credential, G_TYPE_OBJECT)

G_DEFINE_QUARK (wallet-credential-error-quark, wallet_credential_error)

enum {
  PROP_0,
  PROP_ID,
  PROP_CREDENTIAL_TYPE,
  PROP_TITLE,
  PROP_CREATED,
  PROP_MODIFIED,
  PROP_READ_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ */
/* The types and their fields                                         */
/* ------------------------------------------------------------------ */

static const char * const wifi_security_choices[] = {
  WALLET_WIFI_SECURITY_WPA, WALLET_WIFI_SECURITY_SAE,
  WALLET_WIFI_SECURITY_WEP, WALLET_WIFI_SECURITY_NOPASS, NULL
};

#define SECRET_REQUIRED (WALLET_FIELD_FLAG_SECRET | WALLET_FIELD_FLAG_REQUIRED)
#define MADE_HERE (WALLET_FIELD_FLAG_GENERATED | WALLET_FIELD_FLAG_REQUIRED)

static const WalletFieldInfo password_fields[] = {
  { WALLET_FIELD_USERNAME, N_("Username"), WALLET_FIELD_KIND_TEXT, 0, NULL },
  { WALLET_FIELD_URL, N_("Website"), WALLET_FIELD_KIND_URL, 0, NULL },
  { WALLET_FIELD_SECRET, N_("Password"), WALLET_FIELD_KIND_PASSWORD, SECRET_REQUIRED, NULL },
  { WALLET_FIELD_NOTES, N_("Notes"), WALLET_FIELD_KIND_MULTILINE, 0, NULL },
};

static const WalletFieldInfo wifi_fields[] = {
  { WALLET_FIELD_SSID, N_("Network name"), WALLET_FIELD_KIND_TEXT,
    WALLET_FIELD_FLAG_REQUIRED, NULL },
  { WALLET_FIELD_SECURITY, N_("Security"), WALLET_FIELD_KIND_CHOICE,
    WALLET_FIELD_FLAG_REQUIRED, wifi_security_choices },
  { WALLET_FIELD_PASSWORD, N_("Password"), WALLET_FIELD_KIND_PASSWORD,
    WALLET_FIELD_FLAG_SECRET, NULL },
  { WALLET_FIELD_HIDDEN, N_("Hidden network"), WALLET_FIELD_KIND_BOOLEAN, 0, NULL },
};

static const WalletFieldInfo access_code_fields[] = {
  { WALLET_FIELD_CODE, N_("Code"), WALLET_FIELD_KIND_PASSWORD, SECRET_REQUIRED, NULL },
  { WALLET_FIELD_LOCATION, N_("Location"), WALLET_FIELD_KIND_TEXT, 0, NULL },
  { WALLET_FIELD_VALID_FROM, N_("Valid from"), WALLET_FIELD_KIND_DATETIME, 0, NULL },
  { WALLET_FIELD_VALID_UNTIL, N_("Valid until"), WALLET_FIELD_KIND_DATETIME, 0, NULL },
  { WALLET_FIELD_NOTES, N_("Notes"), WALLET_FIELD_KIND_MULTILINE, 0, NULL },
};

static const WalletFieldInfo owner_fields[] = {
  /* Translators: a noun: the door or car lock that a key belongs to */
  { WALLET_FIELD_RESOURCE_ID, N_("Lock"), WALLET_FIELD_KIND_BINARY, MADE_HERE, NULL },
  { WALLET_FIELD_OWNER_PUBLIC_KEY, N_("Owner key"), WALLET_FIELD_KIND_BINARY, MADE_HERE, NULL },
  { WALLET_FIELD_LOCK_EPOCH, N_("Lock epoch"), WALLET_FIELD_KIND_NUMBER, MADE_HERE, NULL },
  { WALLET_FIELD_REVOCATION_VERSION, N_("Revocation list version"),
    WALLET_FIELD_KIND_NUMBER, MADE_HERE, NULL },
  { WALLET_FIELD_OWNER_KEY, N_("Owner signing key"), WALLET_FIELD_KIND_BINARY,
    MADE_HERE | WALLET_FIELD_FLAG_SECRET, NULL },
};

static const WalletFieldInfo digital_key_fields[] = {
  { WALLET_FIELD_RESOURCE_ID, N_("Lock"), WALLET_FIELD_KIND_BINARY,
    WALLET_FIELD_FLAG_GENERATED, NULL },
  { WALLET_FIELD_RIGHTS, N_("Rights"), WALLET_FIELD_KIND_NUMBER,
    WALLET_FIELD_FLAG_GENERATED, NULL },
  { WALLET_FIELD_NOT_BEFORE, N_("Valid from"), WALLET_FIELD_KIND_DATETIME,
    WALLET_FIELD_FLAG_GENERATED, NULL },
  { WALLET_FIELD_NOT_AFTER, N_("Valid until"), WALLET_FIELD_KIND_DATETIME,
    WALLET_FIELD_FLAG_GENERATED, NULL },
  { WALLET_FIELD_CERTIFICATE, N_("Certificate"), WALLET_FIELD_KIND_BINARY, MADE_HERE, NULL },
  { WALLET_FIELD_PRIVATE_KEY, N_("Device key"), WALLET_FIELD_KIND_BINARY,
    MADE_HERE | WALLET_FIELD_FLAG_SECRET, NULL },
};

typedef struct {
  const char            *name;
  const char            *label;
  const char            *format;
  const WalletFieldInfo *fields;
  guint                  n_fields;
} TypeInfo;

static const TypeInfo type_infos[] = {
  [WALLET_CREDENTIAL_PASSWORD] = { "password", N_("Password"), WALLET_FORMAT_PASSWORD,
                                   password_fields, G_N_ELEMENTS (password_fields) },
  [WALLET_CREDENTIAL_WIFI] = { "wifi", N_("Wi-Fi network"), WALLET_FORMAT_WIFI,
                               wifi_fields, G_N_ELEMENTS (wifi_fields) },
  [WALLET_CREDENTIAL_ACCESS_CODE] = { "access-code", N_("Access code"),
                                      WALLET_FORMAT_ACCESS_CODE, access_code_fields,
                                      G_N_ELEMENTS (access_code_fields) },
  [WALLET_CREDENTIAL_DIGITAL_KEY_OWNER] = { "digital-key-owner", N_("Digital key owner"),
                                            NULL, owner_fields, G_N_ELEMENTS (owner_fields) },
  [WALLET_CREDENTIAL_DIGITAL_KEY] = { "digital-key", N_("Digital key"), NULL,
                                      digital_key_fields, G_N_ELEMENTS (digital_key_fields) },
  [WALLET_CREDENTIAL_UNKNOWN] = { "unknown", N_("Unknown item"), NULL, NULL, 0 },
};

static const TypeInfo *
type_info (WalletCredentialType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_infos))
    type = WALLET_CREDENTIAL_UNKNOWN;
  return &type_infos[type];
}

const char *
wallet_credential_type_to_string (WalletCredentialType type)
{
  return type_info (type)->name;
}

gboolean
wallet_credential_type_from_string (const char           *name,
                                    WalletCredentialType *type)
{
  g_return_val_if_fail (type != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (type_infos); i++)
    {
      if (g_str_equal (name, type_infos[i].name))
        {
          *type = (WalletCredentialType) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
wallet_credential_type_get_label (WalletCredentialType type)
{
  return _(type_info (type)->label);
}

const WalletFieldInfo *
wallet_credential_type_get_fields (WalletCredentialType  type,
                                   guint                *n_fields)
{
  const TypeInfo *info = type_info (type);

  if (n_fields != NULL)
    *n_fields = info->n_fields;
  return info->fields;
}

const WalletFieldInfo *
wallet_credential_type_find_field (WalletCredentialType  type,
                                   const char           *name)
{
  const TypeInfo *info = type_info (type);

  for (guint i = 0; name != NULL && i < info->n_fields; i++)
    {
      if (g_str_equal (info->fields[i].name, name))
        return &info->fields[i];
    }
  return NULL;
}

static WalletCredentialType
type_for_format (const char *format)
{
  for (guint i = 0; i < G_N_ELEMENTS (type_infos); i++)
    {
      if (type_infos[i].format != NULL && g_strcmp0 (format, type_infos[i].format) == 0)
        return (WalletCredentialType) i;
    }
  return WALLET_CREDENTIAL_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* The object                                                          */
/* ------------------------------------------------------------------ */

static void
wallet_credential_finalize (GObject *object)
{
  WalletCredential *self = WALLET_CREDENTIAL (object);

  g_free (self->id);
  g_free (self->title);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->modified, g_date_time_unref);
  g_free (self->share_id);
  g_free (self->unknown_format);
  g_clear_pointer (&self->unknown_content, tw_secret_unref);
  g_hash_table_unref (self->fields);
  g_hash_table_unref (self->secrets);

  G_OBJECT_CLASS (wallet_credential_parent_class)->finalize (object);
}

static void
wallet_credential_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WalletCredential *self = WALLET_CREDENTIAL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_CREDENTIAL_TYPE:
      g_value_set_enum (value, self->type);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_CREATED:
      g_value_set_boxed (value, self->created);
      break;
    case PROP_MODIFIED:
      g_value_set_boxed (value, self->modified);
      break;
    case PROP_READ_ONLY:
      g_value_set_boolean (value, wallet_credential_is_read_only (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wallet_credential_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  WalletCredential *self = WALLET_CREDENTIAL (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      wallet_credential_set_title (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wallet_credential_class_init (WalletCredentialClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wallet_credential_finalize;
  object_class->get_property = wallet_credential_get_property;
  object_class->set_property = wallet_credential_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CREDENTIAL_TYPE] =
    g_param_spec_enum ("credential-type", NULL, NULL,
                       WALLET_TYPE_CREDENTIAL_TYPE, WALLET_CREDENTIAL_PASSWORD,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_CREATED] =
    g_param_spec_boxed ("created", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boxed ("modified", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_READ_ONLY] =
    g_param_spec_boolean ("read-only", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wallet_credential_init (WalletCredential *self)
{
  self->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) tw_secret_unref);
  self->title = g_strdup ("");
}

/* Whole seconds, as the storage form keeps them. */
static GDateTime *
now_in_seconds (void)
{
  return g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC);
}

static WalletCredential *
credential_new_with (WalletCredentialType  type,
                     const char           *id,
                     GDateTime            *created,
                     GDateTime            *modified)
{
  WalletCredential *self = g_object_new (WALLET_TYPE_CREDENTIAL, NULL);

  self->type = type;
  self->id = g_strdup (id);
  self->created = g_date_time_ref (created);
  self->modified = g_date_time_ref (modified);
  return self;
}

WalletCredential *
wallet_credential_new (WalletCredentialType type)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GDateTime) now = now_in_seconds ();

  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_infos), NULL);

  return credential_new_with (type, id, now, now);
}

static void
touch (WalletCredential *self)
{
  g_clear_pointer (&self->modified, g_date_time_unref);
  self->modified = now_in_seconds ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

WalletCredential *
wallet_credential_copy (WalletCredential *self)
{
  WalletCredential *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);

  copy = credential_new_with (self->type, self->id, self->created, self->modified);
  g_free (copy->title);
  copy->title = g_strdup (self->title);
  copy->share_id = g_strdup (self->share_id);
  copy->unknown_format = g_strdup (self->unknown_format);
  if (self->unknown_content != NULL)
    copy->unknown_content = tw_secret_ref (self->unknown_content);

  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->fields, g_strdup (key), g_strdup (value));
  /* Secrets are immutable buffers once set, so sharing them is safe. */
  g_hash_table_iter_init (&iter, self->secrets);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->secrets, g_strdup (key), tw_secret_ref (value));

  return copy;
}

const char *
wallet_credential_get_id (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);
  return self->id;
}

WalletCredentialType
wallet_credential_get_credential_type (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), WALLET_CREDENTIAL_UNKNOWN);
  return self->type;
}

const char *
wallet_credential_get_title (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);
  return self->title;
}

void
wallet_credential_set_title (WalletCredential *self,
                             const char       *title)
{
  g_return_if_fail (WALLET_IS_CREDENTIAL (self));
  g_return_if_fail (!wallet_credential_is_read_only (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title != NULL ? title : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  touch (self);
}

GDateTime *
wallet_credential_get_created (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);
  return self->created;
}

GDateTime *
wallet_credential_get_modified (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);
  return self->modified;
}

gboolean
wallet_credential_is_read_only (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), TRUE);
  return self->type == WALLET_CREDENTIAL_UNKNOWN;
}

gboolean
wallet_credential_is_shareable (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), FALSE);
  /* An unknown item travels on exactly as it came. */
  return type_info (self->type)->format != NULL || self->type == WALLET_CREDENTIAL_UNKNOWN;
}

const char *
wallet_credential_get_share_id (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);
  return self->share_id;
}

void
wallet_credential_set_share_id (WalletCredential *self,
                                const char       *share_id)
{
  g_return_if_fail (WALLET_IS_CREDENTIAL (self));

  g_free (self->share_id);
  self->share_id = g_strdup (share_id);
}

const char *
wallet_credential_get_field (WalletCredential *self,
                             const char       *name)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_hash_table_lookup (self->fields, name);
}

static const WalletFieldInfo *
field_of_kind (WalletCredential *self,
               const char       *name,
               gboolean          secret)
{
  const WalletFieldInfo *info = wallet_credential_type_find_field (self->type, name);

  if (info == NULL)
    return NULL;
  if (((info->flags & WALLET_FIELD_FLAG_SECRET) != 0) != secret)
    return NULL;
  return info;
}

void
wallet_credential_set_field (WalletCredential *self,
                             const char       *name,
                             const char       *value)
{
  const char *old;

  g_return_if_fail (WALLET_IS_CREDENTIAL (self));
  g_return_if_fail (!wallet_credential_is_read_only (self));
  g_return_if_fail (field_of_kind (self, name, FALSE) != NULL);

  old = g_hash_table_lookup (self->fields, name);
  if (value != NULL && value[0] == '\0')
    value = NULL;
  if (g_strcmp0 (old, value) == 0)
    return;

  if (value == NULL)
    g_hash_table_remove (self->fields, name);
  else
    g_hash_table_insert (self->fields, g_strdup (name), g_strdup (value));
  touch (self);
}

TwSecret *
wallet_credential_get_secret (WalletCredential *self,
                              const char       *name)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_hash_table_lookup (self->secrets, name);
}

void
wallet_credential_set_secret (WalletCredential *self,
                              const char       *name,
                              TwSecret         *value)
{
  g_return_if_fail (WALLET_IS_CREDENTIAL (self));
  g_return_if_fail (!wallet_credential_is_read_only (self));
  g_return_if_fail (field_of_kind (self, name, TRUE) != NULL);

  if (value == NULL || tw_secret_get_size (value) == 0)
    g_hash_table_remove (self->secrets, name);
  else
    g_hash_table_insert (self->secrets, g_strdup (name), tw_secret_ref (value));
  touch (self);
}

const char *
wallet_credential_get_format (WalletCredential *self)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);

  if (self->type == WALLET_CREDENTIAL_UNKNOWN)
    return self->unknown_format;
  return type_info (self->type)->format;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_INVALID,
                       message);
  return FALSE;
}

/* Characters that change how the text AROUND them is shown: C0 and C1
 * controls (escape sequences start with ESC or CSI), DEL, line and
 * paragraph separators, and the bidi controls that reorder a line. Text
 * from another wallet must not be able to draw a fake line on a terminal
 * or in a one-line label. */
static gboolean
is_display_control (gunichar c,
                    gboolean multiline)
{
  if (multiline && (c == '\n' || c == '\t'))
    return FALSE;
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
    return TRUE;
  return c == 0x061c || c == 0x200e || c == 0x200f || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

gboolean
wallet_credential_text_is_displayable (const char *text,
                                       gboolean    multiline)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (is_display_control (g_utf8_get_char (p), multiline))
        return FALSE;
    }
  return TRUE;
}

char *
wallet_credential_text_make_displayable (const char *text,
                                         gboolean    multiline)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *shown = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (shown, is_display_control (c, multiline) ? 0xfffd : c);
    }
  return g_string_free (shown, FALSE);
}

static GDateTime *
parse_time (const char *text)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  if (text == NULL)
    return NULL;
  return g_date_time_new_from_iso8601 (text, utc);
}

static gboolean
is_hex (const char *text,
        gsize       digits)
{
  if (text == NULL || strlen (text) != digits)
    return FALSE;
  for (gsize i = 0; i < digits; i++)
    {
      if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_number (const char *text,
           guint64     minimum)
{
  guint64 value;

  return text != NULL &&
         g_ascii_string_to_unsigned (text, 10, minimum, G_MAXUINT64, &value, NULL);
}

static gboolean
check_common_fields (WalletCredential  *self,
                     GError           **error)
{
  const TypeInfo *info = type_info (self->type);
  g_autofree char *title = g_strstrip (g_strdup (self->title));

  if (title[0] == '\0')
    return invalid (error, _("Give it a title, so you can find it later."));
  if (!g_utf8_validate (self->title, -1, NULL) ||
      g_utf8_strlen (self->title, -1) > MAX_TITLE_LENGTH)
    return invalid (error, _("The title is too long: use at most %d characters."),
                    MAX_TITLE_LENGTH);
  if (!wallet_credential_text_is_displayable (self->title, FALSE))
    return invalid (error, _("The title holds a line break, a tab or another control "
                             "character: remove it and write the title on one line."));

  for (guint i = 0; i < info->n_fields; i++)
    {
      const WalletFieldInfo *field = &info->fields[i];
      gboolean secret = (field->flags & WALLET_FIELD_FLAG_SECRET) != 0;
      gboolean present = secret ? g_hash_table_contains (self->secrets, field->name)
                                : g_hash_table_contains (self->fields, field->name);
      const char *text = g_hash_table_lookup (self->fields, field->name);
      gsize limit = field->kind == WALLET_FIELD_KIND_MULTILINE ? MAX_NOTES_SIZE
                                                                : MAX_TEXT_SIZE;

      if (!present && (field->flags & WALLET_FIELD_FLAG_REQUIRED) != 0)
        return invalid (error, _("“%s” is missing: fill it in."), _(field->label));
      if (text != NULL && (!g_utf8_validate (text, -1, NULL) || strlen (text) > limit))
        return invalid (error, _("“%s” is too long or holds characters that are not text."),
                        _(field->label));
      if (text != NULL &&
          !wallet_credential_text_is_displayable (text,
                                                  field->kind == WALLET_FIELD_KIND_MULTILINE))
        return invalid (error, _("“%s” holds a line break, a tab or another control "
                                 "character: remove it."), _(field->label));
      if (field->kind == WALLET_FIELD_KIND_DATETIME && text != NULL)
        {
          g_autoptr(GDateTime) when = parse_time (text);

          if (when == NULL)
            return invalid (error, _("“%s” is not a date and time."), _(field->label));
        }
    }
  return TRUE;
}

static gboolean
check_secret_text (WalletCredential  *self,
                   const char        *name,
                   GError           **error)
{
  TwSecret *value = g_hash_table_lookup (self->secrets, name);
  const WalletFieldInfo *field = wallet_credential_type_find_field (self->type, name);

  if (value == NULL)
    return TRUE;
  if (tw_secret_get_size (value) > MAX_SECRET_SIZE ||
      memchr (tw_secret_get_data (value), '\0', tw_secret_get_size (value)) != NULL ||
      !g_utf8_validate ((const char *) tw_secret_get_data (value),
                        tw_secret_get_size (value), NULL))
    return invalid (error, _("“%s” is too long or holds characters that are not text."),
                    _(field->label));
  return TRUE;
}

static gboolean
is_printable_ascii (TwSecret *value)
{
  const guint8 *bytes = tw_secret_get_data (value);

  for (gsize i = 0; i < tw_secret_get_size (value); i++)
    {
      if (bytes[i] < 0x20 || bytes[i] > 0x7e)
        return FALSE;
    }
  return TRUE;
}

static gboolean
all_hex (TwSecret *value)
{
  const guint8 *bytes = tw_secret_get_data (value);

  for (gsize i = 0; i < tw_secret_get_size (value); i++)
    {
      if (!g_ascii_isxdigit (bytes[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_wpa_password (TwSecret  *password,
                    GError   **error)
{
  gsize length = tw_secret_get_size (password);

  /* A passphrase is 8 to 63 printable ASCII characters; 64 hex digits are
   * the raw pre-shared key itself. */
  if (length == 64 && all_hex (password))
    return TRUE;
  if (length < 8 || length > 63)
    return invalid (error, _("A WPA password has 8 to 63 characters; this one has %u."),
                    (guint) length);
  if (!is_printable_ascii (password))
    return invalid (error, _("A WPA password can only use letters, digits, spaces and "
                             "the symbols of an English keyboard."));
  return TRUE;
}

static gboolean
check_wep_password (TwSecret  *password,
                    GError   **error)
{
  gsize length = tw_secret_get_size (password);

  if ((length == 5 || length == 13) && is_printable_ascii (password))
    return TRUE;
  if ((length == 10 || length == 26) && all_hex (password))
    return TRUE;
  return invalid (error, _("A WEP key has 5 or 13 characters, or 10 or 26 hexadecimal "
                           "digits."));
}

static gboolean
check_wifi (WalletCredential  *self,
            GError           **error)
{
  const char *ssid = g_hash_table_lookup (self->fields, WALLET_FIELD_SSID);
  const char *security = g_hash_table_lookup (self->fields, WALLET_FIELD_SECURITY);
  const char *hidden = g_hash_table_lookup (self->fields, WALLET_FIELD_HIDDEN);
  TwSecret *password = g_hash_table_lookup (self->secrets, WALLET_FIELD_PASSWORD);

  if (strlen (ssid) > 32)
    return invalid (error, _("A network name has at most 32 bytes; this one has %u."),
                    (guint) strlen (ssid));
  if (hidden != NULL && !g_str_equal (hidden, "true") && !g_str_equal (hidden, "false"))
    return invalid (error, _("“Hidden network” must be true or false."));
  if (!g_strv_contains (wifi_security_choices, security))
    return invalid (error, _("The security type must be WPA, SAE, WEP or none."));

  if (g_str_equal (security, WALLET_WIFI_SECURITY_NOPASS))
    {
      if (password != NULL)
        return invalid (error, _("An open network has no password: remove it, or choose "
                                 "the network’s security type."));
      return TRUE;
    }
  if (password == NULL)
    return invalid (error, _("A secured network needs its password."));
  if (g_str_equal (security, WALLET_WIFI_SECURITY_WPA))
    return check_wpa_password (password, error);
  if (g_str_equal (security, WALLET_WIFI_SECURITY_WEP))
    return check_wep_password (password, error);
  if (tw_secret_get_size (password) > 128)
    return invalid (error, _("This Wi-Fi password is too long: use at most 128 characters."));
  return check_secret_text (self, WALLET_FIELD_PASSWORD, error);
}

static gboolean
check_window (WalletCredential  *self,
              const char        *from_name,
              const char        *until_name,
              GError           **error)
{
  g_autoptr(GDateTime) from = parse_time (g_hash_table_lookup (self->fields, from_name));
  g_autoptr(GDateTime) until = parse_time (g_hash_table_lookup (self->fields, until_name));

  if (from != NULL && until != NULL && g_date_time_compare (from, until) >= 0)
    return invalid (error, _("The validity ends before it starts: choose an end after "
                             "the start."));
  return TRUE;
}

static gboolean
check_password (WalletCredential  *self,
                GError           **error)
{
  const char *url = g_hash_table_lookup (self->fields, WALLET_FIELD_URL);

  if (url != NULL)
    {
      g_autofree char *full = strstr (url, "://") ? g_strdup (url)
                                                  : g_strconcat ("https://", url, NULL);

      if (strpbrk (url, " \t\r\n") != NULL || !g_uri_is_valid (full, G_URI_FLAGS_NONE, NULL))
        return invalid (error, _("The website is not a web address: write it like "
                                 "example.org or https://example.org/login."));
    }
  return check_secret_text (self, WALLET_FIELD_SECRET, error);
}

static gboolean
check_owner (WalletCredential  *self,
             GError           **error)
{
  TwSecret *seed = g_hash_table_lookup (self->secrets, WALLET_FIELD_OWNER_KEY);
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  g_autofree char *public_hex = NULL;

  if (!is_hex (g_hash_table_lookup (self->fields, WALLET_FIELD_RESOURCE_ID), 32) ||
      !is_number (g_hash_table_lookup (self->fields, WALLET_FIELD_LOCK_EPOCH), 1) ||
      !is_number (g_hash_table_lookup (self->fields, WALLET_FIELD_REVOCATION_VERSION), 0) ||
      tw_secret_get_size (seed) != TW_ED25519_SEED_SIZE ||
      !tw_ed25519_public_key (seed, public_key, NULL))
    return invalid (error, _("This digital key owner is damaged: its lock data is not "
                             "complete."));

  public_hex = g_malloc (2 * TW_ED25519_PUBLIC_SIZE + 1);
  for (guint i = 0; i < TW_ED25519_PUBLIC_SIZE; i++)
    g_snprintf (public_hex + 2 * i, 3, "%02x", public_key[i]);
  if (g_strcmp0 (public_hex, g_hash_table_lookup (self->fields,
                                                  WALLET_FIELD_OWNER_PUBLIC_KEY)) != 0)
    return invalid (error, _("This digital key owner is damaged: its keys do not match."));
  return TRUE;
}

static gboolean
check_digital_key (WalletCredential  *self,
                   GError           **error)
{
  const char *certificate = g_hash_table_lookup (self->fields, WALLET_FIELD_CERTIFICATE);
  TwSecret *private_key = g_hash_table_lookup (self->secrets, WALLET_FIELD_PRIVATE_KEY);
  const char *resource = g_hash_table_lookup (self->fields, WALLET_FIELD_RESOURCE_ID);
  const char *rights = g_hash_table_lookup (self->fields, WALLET_FIELD_RIGHTS);
  g_autoptr(GBytes) raw = tw_base64_decode_bytes (certificate, -1, TW_BASE64_STANDARD, NULL);

  if (raw == NULL || g_bytes_get_size (raw) == 0 ||
      tw_secret_get_size (private_key) != TW_ED25519_SEED_SIZE ||
      (resource != NULL && !is_hex (resource, 32)) ||
      (rights != NULL && !is_number (rights, 0)))
    return invalid (error, _("This digital key is damaged: its certificate or device key "
                             "is not complete."));
  return check_window (self, WALLET_FIELD_NOT_BEFORE, WALLET_FIELD_NOT_AFTER, error);
}

gboolean
wallet_credential_validate (WalletCredential  *self,
                            GError           **error)
{
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), FALSE);

  if (self->type == WALLET_CREDENTIAL_UNKNOWN)
    return TRUE;
  if (!check_common_fields (self, error))
    return FALSE;

  switch (self->type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      return check_password (self, error);
    case WALLET_CREDENTIAL_WIFI:
      return check_wifi (self, error);
    case WALLET_CREDENTIAL_ACCESS_CODE:
      return check_secret_text (self, WALLET_FIELD_CODE, error) &&
             check_window (self, WALLET_FIELD_VALID_FROM, WALLET_FIELD_VALID_UNTIL, error);
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
      return check_owner (self, error);
    case WALLET_CREDENTIAL_DIGITAL_KEY:
      return check_digital_key (self, error);
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      return TRUE;
    }
}

/* ------------------------------------------------------------------ */
/* Digital keys                                                        */
/* ------------------------------------------------------------------ */

static char *
hex_of (const guint8 *bytes,
        gsize         size)
{
  char *hex = g_malloc (2 * size + 1);

  for (gsize i = 0; i < size; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", bytes[i]);
  return hex;
}

WalletCredential *
wallet_credential_new_digital_key_owner (const char *title)
{
  WalletCredential *self = wallet_credential_new (WALLET_CREDENTIAL_DIGITAL_KEY_OWNER);
  g_autoptr(TwSecret) seed = NULL;
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  guint8 resource_id[16];
  g_autofree char *public_hex = NULL;
  g_autofree char *resource_hex = NULL;

  tw_ed25519_generate (&seed, public_key);
  tw_random_bytes (resource_id, sizeof resource_id);
  public_hex = hex_of (public_key, sizeof public_key);
  resource_hex = hex_of (resource_id, sizeof resource_id);

  wallet_credential_set_title (self, title);
  wallet_credential_set_field (self, WALLET_FIELD_RESOURCE_ID, resource_hex);
  wallet_credential_set_field (self, WALLET_FIELD_OWNER_PUBLIC_KEY, public_hex);
  wallet_credential_set_field (self, WALLET_FIELD_LOCK_EPOCH, "1");
  wallet_credential_set_field (self, WALLET_FIELD_REVOCATION_VERSION, "0");
  wallet_credential_set_secret (self, WALLET_FIELD_OWNER_KEY, seed);
  return self;
}

WalletCredential *
wallet_credential_new_digital_key (const char *title,
                                   GBytes     *certificate,
                                   TwSecret   *private_key)
{
  WalletCredential *self;
  g_autofree char *encoded = NULL;
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (certificate != NULL, NULL);
  g_return_val_if_fail (private_key != NULL, NULL);

  self = wallet_credential_new (WALLET_CREDENTIAL_DIGITAL_KEY);
  data = g_bytes_get_data (certificate, &size);
  encoded = tw_base64_encode (data, size);
  wallet_credential_set_title (self, title);
  wallet_credential_set_field (self, WALLET_FIELD_CERTIFICATE, encoded);
  wallet_credential_set_secret (self, WALLET_FIELD_PRIVATE_KEY, private_key);
  return self;
}

/* ------------------------------------------------------------------ */
/* The sharing form                                                    */
/* ------------------------------------------------------------------ */

#define MEMBER_TITLE "title"
#define MAX_FORMAT_LENGTH 128

static const TwJsonLimits content_limits = {
  .max_depth = 8,
  .max_string_size = MAX_NOTES_SIZE,
  .max_total_size = 64 * 1024,
};

static void
write_field_value (TwJsonWriter          *writer,
                   const WalletFieldInfo *field,
                   const char            *text)
{
  tw_json_writer_member (writer, field->name);
  if (field->kind == WALLET_FIELD_KIND_BOOLEAN)
    tw_json_writer_boolean (writer, g_str_equal (text, "true"));
  else
    tw_json_writer_string (writer, text);
}

gboolean
wallet_credential_to_share (WalletCredential  *self,
                            char             **format_out,
                            TwSecret         **content_out,
                            GError           **error)
{
  const TypeInfo *info;
  g_autoptr(TwJsonWriter) writer = NULL;

  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), FALSE);
  g_return_val_if_fail (format_out != NULL && content_out != NULL, FALSE);

  if (!wallet_credential_is_shareable (self))
    {
      g_set_error_literal (error, WALLET_CREDENTIAL_ERROR,
                           WALLET_CREDENTIAL_ERROR_NOT_SHAREABLE,
                           _("Digital key owners and received digital keys never leave "
                             "this device. Share a new digital key instead."));
      return FALSE;
    }
  if (self->type == WALLET_CREDENTIAL_UNKNOWN)
    {
      *format_out = g_strdup (self->unknown_format);
      *content_out = tw_secret_ref (self->unknown_content);
      return TRUE;
    }
  if (!wallet_credential_validate (self, error))
    return FALSE;

  info = type_info (self->type);
  writer = tw_json_writer_new ();
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, MEMBER_TITLE);
  tw_json_writer_string (writer, self->title);
  for (guint i = 0; i < info->n_fields; i++)
    {
      const WalletFieldInfo *field = &info->fields[i];
      TwSecret *secret = g_hash_table_lookup (self->secrets, field->name);
      const char *text = g_hash_table_lookup (self->fields, field->name);

      if (secret != NULL)
        {
          tw_json_writer_member (writer, field->name);
          tw_json_writer_string_len (writer, (const char *) tw_secret_get_data (secret),
                                     tw_secret_get_size (secret));
        }
      else if (text != NULL)
        {
          write_field_value (writer, field, text);
        }
    }
  tw_json_writer_end_object (writer);

  *format_out = g_strdup (info->format);
  *content_out = tw_json_writer_finish (g_steal_pointer (&writer), 0);
  return TRUE;
}

static gboolean
format_is_sane (const char *format)
{
  gsize length = format != NULL ? strlen (format) : 0;

  if (length == 0 || length > MAX_FORMAT_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (format[i] <= 0x20 || format[i] >= 0x7f)
        return FALSE;
    }
  return TRUE;
}

static gboolean
malformed (GError    **error,
           const char *message)
{
  g_set_error_literal (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_MALFORMED,
                       message);
  return FALSE;
}

/* Whether every member of @content is one this wallet knows for @type:
 * otherwise the item is kept as unknown rather than losing the rest. */
static gboolean
has_only_known_members (JsonObject           *content,
                        WalletCredentialType  type)
{
  g_autoptr(GList) names = json_object_get_members (content);

  for (GList *l = names; l != NULL; l = l->next)
    {
      if (!g_str_equal (l->data, MEMBER_TITLE) &&
          wallet_credential_type_find_field (type, l->data) == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_share_member (WalletCredential       *self,
                   JsonObject             *content,
                   const WalletFieldInfo  *field,
                   GError                **error)
{
  JsonNode *node = json_object_get_member (content, field->name);

  if (node == NULL)
    return TRUE;
  if ((field->flags & WALLET_FIELD_FLAG_SECRET) != 0)
    {
      g_autoptr(TwSecret) value = tw_json_take_secret_string (content, field->name, NULL);

      if (value == NULL)
        return malformed (error, _("The shared item is damaged: a secret is not text."));
      if (tw_secret_get_size (value) > 0)
        g_hash_table_insert (self->secrets, g_strdup (field->name), g_steal_pointer (&value));
      return TRUE;
    }
  if (field->kind == WALLET_FIELD_KIND_BOOLEAN)
    {
      if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return malformed (error, _("The shared item is damaged: a yes-or-no value is not."));
      g_hash_table_insert (self->fields, g_strdup (field->name),
                           g_strdup (json_node_get_boolean (node) ? "true" : "false"));
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return malformed (error, _("The shared item is damaged: a field is not text."));
  if (json_node_get_string (node)[0] != '\0')
    g_hash_table_insert (self->fields, g_strdup (field->name),
                         g_strdup (json_node_get_string (node)));
  return TRUE;
}

/* A credential that came from another wallet (or was stored before titles
 * were checked) keeps its text, with every control character replaced by
 * U+FFFD: refusing it would lose a credential over a cosmetic detail, and
 * the replacement shows the recipient that something was there. */
static void
make_display_text_safe (WalletCredential *self)
{
  const TypeInfo *info = type_info (self->type);
  char *shown = wallet_credential_text_make_displayable (self->title, FALSE);

  g_free (self->title);
  self->title = shown;
  for (guint i = 0; i < info->n_fields; i++)
    {
      const WalletFieldInfo *field = &info->fields[i];
      const char *text = g_hash_table_lookup (self->fields, field->name);

      if (text != NULL)
        g_hash_table_insert (self->fields, g_strdup (field->name),
                             wallet_credential_text_make_displayable (
                               text, field->kind == WALLET_FIELD_KIND_MULTILINE));
    }
}

static WalletCredential *
unknown_from_share (const char *format,
                    TwSecret   *content,
                    JsonNode   *parsed)
{
  WalletCredential *self = wallet_credential_new (WALLET_CREDENTIAL_UNKNOWN);

  self->unknown_format = g_strdup (format);
  self->unknown_content = tw_secret_ref (content);
  if (JSON_NODE_HOLDS_OBJECT (parsed))
    {
      JsonNode *title = json_object_get_member (json_node_get_object (parsed), MEMBER_TITLE);

      if (title != NULL && json_node_get_value_type (title) == G_TYPE_STRING)
        self->title = (g_free (self->title), g_strdup (json_node_get_string (title)));
    }
  make_display_text_safe (self);
  return self;
}

static WalletCredential *
known_from_share (WalletCredentialType   type,
                  JsonObject            *content,
                  GError               **error)
{
  g_autoptr(WalletCredential) self = wallet_credential_new (type);
  const TypeInfo *info = type_info (type);
  const char *title = tw_json_get_string (content, MEMBER_TITLE, NULL);

  if (title == NULL)
    {
      malformed (error, _("The shared item is damaged: it has no title."));
      return NULL;
    }
  g_free (self->title);
  self->title = g_strdup (title);

  for (guint i = 0; i < info->n_fields; i++)
    {
      if (!read_share_member (self, content, &info->fields[i], error))
        return NULL;
    }
  make_display_text_safe (self);
  if (!wallet_credential_validate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

WalletCredential *
wallet_credential_new_from_share (const char  *format,
                                  TwSecret    *content,
                                  GError     **error)
{
  WalletCredentialType type;
  g_autoptr(JsonNode) parsed = NULL;
  WalletCredential *result;

  g_return_val_if_fail (content != NULL, NULL);

  if (!format_is_sane (format))
    {
      malformed (error, _("The shared item does not say what kind of item it is."));
      return NULL;
    }
  parsed = tw_json_strict_parse ((const char *) tw_secret_get_data (content),
                                 tw_secret_get_size (content), &content_limits, NULL);
  if (parsed == NULL)
    {
      malformed (error, _("The shared item is damaged: its content does not read."));
      return NULL;
    }

  type = type_for_format (format);
  if (type == WALLET_CREDENTIAL_UNKNOWN || !JSON_NODE_HOLDS_OBJECT (parsed) ||
      !has_only_known_members (json_node_get_object (parsed), type))
    result = unknown_from_share (format, content, parsed);
  else
    result = known_from_share (type, json_node_get_object (parsed), error);

  tw_json_wipe_node (parsed);
  return result;
}

/* ------------------------------------------------------------------ */
/* The storage form                                                    */
/* ------------------------------------------------------------------ */

static const TwJsonLimits storage_limits = {
  .max_depth = 4,
  .max_string_size = 128 * 1024,
  .max_total_size = MAX_DOCUMENT_SIZE,
};

static void
write_storage_maps (WalletCredential *self,
                    TwJsonWriter     *writer)
{
  g_autoptr(GList) names = NULL;

  tw_json_writer_member (writer, "fields");
  tw_json_writer_begin_object (writer);
  names = g_list_sort (g_hash_table_get_keys (self->fields), (GCompareFunc) strcmp);
  for (GList *l = names; l != NULL; l = l->next)
    {
      tw_json_writer_member (writer, l->data);
      tw_json_writer_string (writer, g_hash_table_lookup (self->fields, l->data));
    }
  tw_json_writer_end_object (writer);
  g_clear_pointer (&names, g_list_free);

  tw_json_writer_member (writer, "secrets");
  tw_json_writer_begin_object (writer);
  names = g_list_sort (g_hash_table_get_keys (self->secrets), (GCompareFunc) strcmp);
  for (GList *l = names; l != NULL; l = l->next)
    {
      TwSecret *value = g_hash_table_lookup (self->secrets, l->data);

      tw_json_writer_member (writer, l->data);
      tw_json_writer_base64 (writer, tw_secret_get_data (value), tw_secret_get_size (value));
    }
  tw_json_writer_end_object (writer);
}

TwSecret *
wallet_credential_serialize (WalletCredential *self)
{
  g_autoptr(TwJsonWriter) writer = tw_json_writer_new ();

  g_return_val_if_fail (WALLET_IS_CREDENTIAL (self), NULL);

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "v");
  tw_json_writer_int (writer, STORAGE_VERSION);
  tw_json_writer_member (writer, "id");
  tw_json_writer_string (writer, self->id);
  tw_json_writer_member (writer, "type");
  tw_json_writer_string (writer, wallet_credential_type_to_string (self->type));
  tw_json_writer_member (writer, "title");
  tw_json_writer_string (writer, self->title);
  tw_json_writer_member (writer, "created");
  tw_json_writer_int (writer, g_date_time_to_unix (self->created));
  tw_json_writer_member (writer, "modified");
  tw_json_writer_int (writer, g_date_time_to_unix (self->modified));
  if (self->share_id != NULL)
    {
      tw_json_writer_member (writer, "share");
      tw_json_writer_string (writer, self->share_id);
    }
  if (self->type == WALLET_CREDENTIAL_UNKNOWN)
    {
      tw_json_writer_member (writer, "format");
      tw_json_writer_string (writer, self->unknown_format);
      /* base64 keeps the content exactly as it came, spacing included. */
      tw_json_writer_member (writer, "content");
      tw_json_writer_base64 (writer, tw_secret_get_data (self->unknown_content),
                             tw_secret_get_size (self->unknown_content));
    }
  write_storage_maps (self, writer);
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (g_steal_pointer (&writer), 0);
}

static gboolean
read_storage_maps (WalletCredential  *self,
                   JsonObject        *root,
                   GError           **error)
{
  JsonObject *fields = tw_json_get_object (root, "fields", error);
  JsonObject *secrets = fields != NULL ? tw_json_get_object (root, "secrets", error) : NULL;
  g_autoptr(GList) names = NULL;

  if (secrets == NULL)
    return FALSE;

  names = json_object_get_members (fields);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *value = tw_json_get_string (fields, l->data, error);

      if (value == NULL)
        return FALSE;
      g_hash_table_insert (self->fields, g_strdup (l->data), g_strdup (value));
    }
  g_clear_pointer (&names, g_list_free);

  names = json_object_get_members (secrets);
  for (GList *l = names; l != NULL; l = l->next)
    {
      TwSecret *value = tw_json_take_secret_base64 (secrets, l->data, -1, error);

      if (value == NULL)
        return FALSE;
      g_hash_table_insert (self->secrets, g_strdup (l->data), value);
    }
  return TRUE;
}

static WalletCredential *
credential_from_storage (JsonObject  *root,
                         GError     **error)
{
  const char *id, *type_name, *title, *share_id = NULL, *format = NULL;
  gint64 version, created, modified;
  WalletCredentialType type;
  g_autoptr(GDateTime) created_time = NULL;
  g_autoptr(GDateTime) modified_time = NULL;
  g_autoptr(WalletCredential) self = NULL;

  if (!tw_json_get_int (root, "v", STORAGE_VERSION, STORAGE_VERSION, &version, error) ||
      (id = tw_json_get_string (root, "id", error)) == NULL ||
      (type_name = tw_json_get_string (root, "type", error)) == NULL ||
      (title = tw_json_get_string (root, "title", error)) == NULL ||
      !tw_json_get_int (root, "created", 0, G_MAXINT64 / 2, &created, error) ||
      !tw_json_get_int (root, "modified", 0, G_MAXINT64 / 2, &modified, error) ||
      !tw_json_get_optional_string (root, "share", &share_id, error) ||
      !tw_json_get_optional_string (root, "format", &format, error))
    return NULL;
  if (!wallet_credential_type_from_string (type_name, &type) ||
      (type == WALLET_CREDENTIAL_UNKNOWN && format == NULL) ||
      (created_time = g_date_time_new_from_unix_utc (created)) == NULL ||
      (modified_time = g_date_time_new_from_unix_utc (modified)) == NULL)
    {
      malformed (error, "unknown type or bad times");
      return NULL;
    }

  self = credential_new_with (type, id, created_time, modified_time);
  g_free (self->title);
  self->title = g_strdup (title);
  self->share_id = g_strdup (share_id);
  if (type == WALLET_CREDENTIAL_UNKNOWN)
    {
      self->unknown_format = g_strdup (format);
      self->unknown_content = tw_json_take_secret_base64 (root, "content", -1, error);
      if (self->unknown_content == NULL)
        return NULL;
    }
  if (!read_storage_maps (self, root, error))
    return NULL;
  make_display_text_safe (self);
  return g_steal_pointer (&self);
}

WalletCredential *
wallet_credential_deserialize (TwSecret  *stored,
                               GError   **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GError) local_error = NULL;
  WalletCredential *self;

  g_return_val_if_fail (stored != NULL, NULL);

  root = tw_json_strict_parse_object ((const char *) tw_secret_get_data (stored),
                                      tw_secret_get_size (stored), &storage_limits,
                                      &local_error);
  self = root != NULL ? credential_from_storage (root, &local_error) : NULL;
  if (root != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), root);

      tw_json_wipe_node (node);
    }
  if (self == NULL)
    {
      /* The reason names only offsets and member names, never content. */
      g_set_error (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_MALFORMED,
                   _("A stored item is damaged and cannot be read (%s)."),
                   local_error->message);
      return NULL;
    }
  return self;
}
