/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/* The longest title a credential may have, in characters. */
#define WALLET_CREDENTIAL_MAX_TITLE_CHARS 200

/*
 * WalletCredential: one thing the wallet keeps — a password, a Wi-Fi
 * network, an access code, a digital key owner identity or a digital key —
 * with a UUID v4 id, a title, creation and modification times, and named
 * fields. Plain fields are strings; secret fields are TwSecret buffers and
 * are wiped when the credential is finalized or the field is replaced.
 *
 * Each type has a fixed list of fields (wallet_credential_type_get_fields())
 * so the GUI and the CLI can build forms and tables without knowing the
 * types. Values of plain fields are text: booleans are "true"/"false",
 * times are ISO 8601 in UTC ("2025-01-31T18:00:00Z"), binary values
 * (resource ids, public keys) are lower-case hex or base64 as documented
 * per field.
 *
 * Sharing form: a format string ("tigress/password") and a JSON object as
 * TwSecret. A credential received in a format this wallet does not know
 * becomes type WALLET_CREDENTIAL_UNKNOWN; its format and content are kept
 * byte for byte, it is read-only (setters refuse it) and it is never
 * dropped.
 *
 * A credential is not thread-safe; keep it on one thread. Before editing a
 * credential that a WalletStore holds, edit a wallet_credential_copy() and
 * save the copy.
 */

#define WALLET_TYPE_CREDENTIAL (wallet_credential_get_type ())
G_DECLARE_FINAL_TYPE (WalletCredential, wallet_credential, WALLET, CREDENTIAL, GObject)

#define WALLET_CREDENTIAL_ERROR (wallet_credential_error_quark ())

typedef enum {
  WALLET_CREDENTIAL_ERROR_INVALID,        /* a field is missing or wrong; the message names it */
  WALLET_CREDENTIAL_ERROR_READ_ONLY,      /* an unknown format cannot be changed */
  WALLET_CREDENTIAL_ERROR_NOT_SHAREABLE,  /* owner identities and received keys stay here */
  WALLET_CREDENTIAL_ERROR_MALFORMED,      /* content or storage form does not parse */
} WalletCredentialError;

typedef enum {
  WALLET_CREDENTIAL_PASSWORD,           /* password or generic secret */
  WALLET_CREDENTIAL_WIFI,               /* a Wi-Fi network */
  WALLET_CREDENTIAL_ACCESS_CODE,        /* a code with a validity window */
  WALLET_CREDENTIAL_DIGITAL_KEY_OWNER,  /* an owner key that issues digital keys for a lock */
  WALLET_CREDENTIAL_DIGITAL_KEY,        /* a digital key received from an owner */
  WALLET_CREDENTIAL_UNKNOWN,            /* a format this wallet does not know: read-only */
} WalletCredentialType;

/* Field names. Secret fields are marked (secret). */
#define WALLET_FIELD_USERNAME            "username"
#define WALLET_FIELD_URL                 "url"
#define WALLET_FIELD_NOTES               "notes"
#define WALLET_FIELD_SECRET              "secret"              /* (secret) password type */
#define WALLET_FIELD_SSID                "ssid"
#define WALLET_FIELD_SECURITY            "security"            /* WPA, WEP, SAE or nopass */
#define WALLET_FIELD_PASSWORD            "password"            /* (secret) Wi-Fi */
#define WALLET_FIELD_HIDDEN              "hidden"              /* "true" or "false" */
#define WALLET_FIELD_CODE                "code"                /* (secret) access code */
#define WALLET_FIELD_LOCATION            "location"
#define WALLET_FIELD_VALID_FROM          "valid-from"          /* ISO 8601 UTC, optional */
#define WALLET_FIELD_VALID_UNTIL         "valid-until"         /* ISO 8601 UTC, optional */
#define WALLET_FIELD_RESOURCE_ID         "resource-id"         /* 16 bytes, 32 hex digits */
#define WALLET_FIELD_LOCK_EPOCH          "lock-epoch"          /* decimal, from 1 */
#define WALLET_FIELD_REVOCATION_VERSION  "revocation-version"  /* decimal, from 0 */
#define WALLET_FIELD_OWNER_PUBLIC_KEY    "owner-public-key"    /* Ed25519, 64 hex digits */
#define WALLET_FIELD_OWNER_KEY           "owner-key"           /* (secret) Ed25519 seed, 32 bytes */
#define WALLET_FIELD_CERTIFICATE         "certificate"         /* standard base64 */
#define WALLET_FIELD_NOT_BEFORE          "not-before"          /* ISO 8601 UTC */
#define WALLET_FIELD_NOT_AFTER           "not-after"           /* ISO 8601 UTC */
#define WALLET_FIELD_RIGHTS              "rights"              /* decimal bitmask */
#define WALLET_FIELD_PRIVATE_KEY         "private-key"         /* (secret) made on this device */

/* The Wi-Fi security values (WALLET_FIELD_SECURITY). */
#define WALLET_WIFI_SECURITY_WPA     "WPA"
#define WALLET_WIFI_SECURITY_WEP     "WEP"
#define WALLET_WIFI_SECURITY_SAE     "SAE"
#define WALLET_WIFI_SECURITY_NOPASS  "nopass"

/* Sharing formats of the types that can be shared. */
#define WALLET_FORMAT_PASSWORD     "tigress/password"
#define WALLET_FORMAT_WIFI         "tigress/wifi"
#define WALLET_FORMAT_ACCESS_CODE  "tigress/access-code"

typedef enum {
  WALLET_FIELD_KIND_TEXT,       /* one line */
  WALLET_FIELD_KIND_MULTILINE,  /* notes */
  WALLET_FIELD_KIND_URL,
  WALLET_FIELD_KIND_PASSWORD,   /* secret text, hidden unless asked */
  WALLET_FIELD_KIND_BOOLEAN,    /* "true" / "false" */
  WALLET_FIELD_KIND_DATETIME,   /* ISO 8601 UTC */
  WALLET_FIELD_KIND_CHOICE,     /* one of WalletFieldInfo.choices */
  WALLET_FIELD_KIND_NUMBER,     /* decimal, not negative */
  WALLET_FIELD_KIND_BINARY,     /* hex, base64 or secret bytes: shown, never edited */
} WalletFieldKind;

typedef enum {
  WALLET_FIELD_FLAG_NONE      = 0,
  WALLET_FIELD_FLAG_SECRET    = 1 << 0,  /* a TwSecret: wallet_credential_get_secret() */
  WALLET_FIELD_FLAG_REQUIRED  = 1 << 1,
  WALLET_FIELD_FLAG_GENERATED = 1 << 2,  /* set by the wallet, not typed by people */
} WalletFieldFlags;

typedef struct {
  const char          *name;     /* a WALLET_FIELD_* name */
  const char          *label;    /* marked N_(): show it through gettext () */
  WalletFieldKind      kind;
  WalletFieldFlags     flags;
  const char * const  *choices;  /* NULL-terminated, for WALLET_FIELD_KIND_CHOICE */
} WalletFieldInfo;

GQuark                 wallet_credential_error_quark        (void);

/* "password", "wifi", "access-code", "digital-key-owner", "digital-key",
 * "unknown": stable names for keyring attributes, --json and the CLI. */
const char            *wallet_credential_type_to_string     (WalletCredentialType  type);
/* FALSE if @name is not one of the names above. */
gboolean               wallet_credential_type_from_string   (const char           *name,
                                                             WalletCredentialType *type);
/* A translated name for people: "Password", "Wi-Fi network"… */
const char            *wallet_credential_type_get_label     (WalletCredentialType  type);
/* The fields of @type in display order; the title is not among them. */
const WalletFieldInfo *wallet_credential_type_get_fields    (WalletCredentialType  type,
                                                             guint                *n_fields);
/* NULL if @name is not a field of @type. */
const WalletFieldInfo *wallet_credential_type_find_field    (WalletCredentialType  type,
                                                             const char           *name);

/* A new, empty credential with a fresh id; created = modified = now. */
WalletCredential      *wallet_credential_new                (WalletCredentialType  type);

/* A new owner identity for one lock or lock group: a fresh Ed25519 owner
 * key, a random resource id, lock epoch 1 and revocation version 0. */
WalletCredential      *wallet_credential_new_digital_key_owner (const char        *title);

/* A digital key received from an owner: its certificate and the private
 * half that THIS device generated for it (a reference is taken). The
 * caller fills in the fields read from the certificate (resource id,
 * validity, rights). */
WalletCredential      *wallet_credential_new_digital_key    (const char           *title,
                                                             GBytes               *certificate,
                                                             TwSecret             *private_key);

/* A deep copy with the same id and times. */
WalletCredential      *wallet_credential_copy               (WalletCredential     *self);

const char            *wallet_credential_get_id             (WalletCredential     *self);
WalletCredentialType   wallet_credential_get_credential_type (WalletCredential    *self);
const char            *wallet_credential_get_title          (WalletCredential     *self);
void                   wallet_credential_set_title          (WalletCredential     *self,
                                                             const char           *title);
GDateTime             *wallet_credential_get_created        (WalletCredential     *self);
GDateTime             *wallet_credential_get_modified       (WalletCredential     *self);
/* TRUE for WALLET_CREDENTIAL_UNKNOWN. */
gboolean               wallet_credential_is_read_only       (WalletCredential     *self);
/* TRUE for the types that can be shared (password, Wi-Fi, access code). */
gboolean               wallet_credential_is_shareable       (WalletCredential     *self);

/* The id of the share this credential arrived through, or NULL. Set by
 * WalletStore when it stores a received credential; the share manager
 * uses it to store each share at most once. */
const char            *wallet_credential_get_share_id       (WalletCredential     *self);
void                   wallet_credential_set_share_id       (WalletCredential     *self,
                                                             const char           *share_id);

/* The value of a plain field, or NULL when it is unset. */
const char            *wallet_credential_get_field          (WalletCredential     *self,
                                                             const char           *name);
/* NULL or "" unsets. Setting a field that is not plain for this type is a
 * programming error (g_critical). Updates the modification time. */
void                   wallet_credential_set_field          (WalletCredential     *self,
                                                             const char           *name,
                                                             const char           *value);
/* The value of a secret field, or NULL. Transfer none. */
TwSecret              *wallet_credential_get_secret         (WalletCredential     *self,
                                                             const char           *name);
/* Takes a reference on @value (NULL unsets); the old value is wiped. */
void                   wallet_credential_set_secret         (WalletCredential     *self,
                                                             const char           *name,
                                                             TwSecret             *value);

/* Checks every field of the type and says in plain words what is wrong
 * with the first bad one (WALLET_CREDENTIAL_ERROR_INVALID): an empty
 * title, a WPA password that is not 8–63 characters, a validity window
 * that ends before it starts… */
gboolean               wallet_credential_validate           (WalletCredential     *self,
                                                             GError              **error);

/* TRUE when @text is UTF-8 without any character that changes how the
 * text around it is shown: control characters (so no escape sequences),
 * DEL, line and paragraph separators, bidi controls. @multiline allows
 * newlines and tabs (notes). Titles and plain fields must pass it. */
gboolean               wallet_credential_text_is_displayable (const char          *text,
                                                              gboolean             multiline);
/* A copy of @text with each such character, and each byte that is not
 * UTF-8, replaced by U+FFFD. Credentials that arrive through a share (and
 * share titles) are passed through it, so they are never refused for it. */
char                  *wallet_credential_text_make_displayable (const char        *text,
                                                                gboolean           multiline);

/* The format of an unknown credential, or of the sharing form of a known
 * one (NULL for types that cannot be shared). */
const char            *wallet_credential_get_format         (WalletCredential     *self);

/* The sharing form: @format_out gets a WALLET_FORMAT_* (or the unknown
 * format kept), @content_out a JSON object in a TwSecret. Fails with
 * NOT_SHAREABLE for digital key owners and received digital keys, and
 * with INVALID when validation fails. */
gboolean               wallet_credential_to_share           (WalletCredential     *self,
                                                             char                **format_out,
                                                             TwSecret            **content_out,
                                                             GError              **error);

/* Builds a credential from its sharing form, with a fresh id. An unknown
 * @format gives a read-only WALLET_CREDENTIAL_UNKNOWN that keeps @format
 * and @content unchanged (@content must still be JSON text). A known
 * format with bad content fails with MALFORMED or INVALID. */
WalletCredential      *wallet_credential_new_from_share     (const char           *format,
                                                             TwSecret             *content,
                                                             GError              **error);

/* The storage form: everything, secrets included, as one JSON document in
 * a TwSecret. WalletStore seals it under the data key before it reaches
 * the keyring; nothing else should need these. */
TwSecret              *wallet_credential_serialize          (WalletCredential     *self);
WalletCredential      *wallet_credential_deserialize        (TwSecret             *stored,
                                                             GError              **error);

G_END_DECLS
