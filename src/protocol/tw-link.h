/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * A share link (protocol, section 3):
 *
 *   https://{host}[:{port}]/v1/m/{mailbox-id}?v={a|h|c}#{K}
 *   tigress:https://...      the same link for the wallet's URL scheme
 *
 * The fragment may be missing when the key travels separately; it is then
 * added with tw_link_set_key_from_text(). Plain http: is accepted only for
 * loopback hosts (127.0.0.0/8, ::1, localhost), for tests and local relays.
 *
 * Parsing is strict and has no side effects: a link is either accepted
 * whole or refused with one TW_LINK_ERROR code naming the part that is
 * wrong, and a message for people that says what to do. Hosts are kept in
 * lower case, and a port equal to the scheme's default is dropped, so two
 * spellings of the same link format identically.
 *
 * A TwLink is reference counted; only its key may change after parsing.
 */

#define TW_LINK_MAX_LENGTH 2048   /* bytes, tigress: prefix included */

#define TW_LINK_ERROR (tw_link_error_quark ())

typedef enum {
  TW_LINK_ERROR_TOO_LONG,        /* more than TW_LINK_MAX_LENGTH bytes */
  TW_LINK_ERROR_NOT_HTTPS,       /* another scheme, or http: to a host that is not loopback */
  TW_LINK_ERROR_BAD_HOST,        /* user info, a bad name, IP literal or port */
  TW_LINK_ERROR_BAD_PATH,        /* the path is not /v1/m/{id} */
  TW_LINK_ERROR_BAD_ID,          /* the id is not a canonical lower-case UUID v4 */
  TW_LINK_ERROR_BAD_VERTICAL,    /* the query is not exactly v=a, v=h or v=c */
  TW_LINK_ERROR_BAD_SECRET,      /* the key is not base64 of 16 or 32 bytes */
  TW_LINK_ERROR_MISSING_SECRET,  /* no key where one is required */
  TW_LINK_ERROR_TRAILING_JUNK,   /* a valid link followed by other text */
} TwLinkError;

typedef enum {
  TW_LINK_VERTICAL_ACCESS,  /* v=a: general access */
  TW_LINK_VERTICAL_HOME,    /* v=h */
  TW_LINK_VERTICAL_CAR,     /* v=c */
} TwLinkVertical;

typedef enum {
  TW_LINK_PARSE_DEFAULT     = 0,
  TW_LINK_PARSE_REQUIRE_KEY = 1 << 0,  /* no fragment: TW_LINK_ERROR_MISSING_SECRET */
} TwLinkParseFlags;

typedef struct _TwLink TwLink;

#define TW_TYPE_LINK (tw_link_get_type ())

GType           tw_link_get_type            (void) G_GNUC_CONST;
GQuark          tw_link_error_quark         (void);

/* Parses a link as people paste it, with or without the tigress: prefix.
 * Surrounding whitespace is not stripped: strip it first if the text comes
 * from a person. */
TwLink         *tw_link_parse               (const char        *text,
                                             GError           **error);
TwLink         *tw_link_parse_with_flags    (const char        *text,
                                             TwLinkParseFlags   flags,
                                             GError           **error);

/* For the sender: builds a link from the relay's urlLink
 * (https://{host}/v1/m/{id}, no query, no fragment), the vertical and the
 * link key (16 or 32 bytes; a reference is taken). @key may be NULL. */
TwLink         *tw_link_new_from_mailbox_url (const char       *url_link,
                                             TwLinkVertical     vertical,
                                             TwSecret          *key,
                                             GError           **error);

TwLink         *tw_link_ref                 (TwLink            *link);
void            tw_link_unref               (TwLink            *link);

/* Equal relay, mailbox, vertical and key (the key compared in constant
 * time; two links without a key have equal keys). */
gboolean        tw_link_equal               (const TwLink      *a,
                                             const TwLink      *b);

const char     *tw_link_get_scheme          (const TwLink      *link);  /* "https" or "http" */
/* Lower case; an IPv6 literal without its brackets. */
const char     *tw_link_get_host            (const TwLink      *link);
/* The port to connect to, the scheme's default when the link has none. */
guint16         tw_link_get_port            (const TwLink      *link);
const char     *tw_link_get_mailbox_id      (const TwLink      *link);
TwLinkVertical  tw_link_get_vertical        (const TwLink      *link);
/* TRUE when the relay is on this machine (only then may the scheme be http). */
gboolean        tw_link_is_loopback         (const TwLink      *link);

/* The key, or NULL when the link came without one. Transfer none. */
TwSecret       *tw_link_get_key             (const TwLink      *link);
gboolean        tw_link_has_key             (const TwLink      *link);

/* Sets the key (16 or 32 bytes; a reference is taken), else BAD_SECRET. */
gboolean        tw_link_set_key             (TwLink            *link,
                                             TwSecret          *key,
                                             GError           **error);

/* Sets the key from the code the sender sent separately: base64 in either
 * alphabet, padded or not, of 16 or 32 bytes. Leading and trailing
 * whitespace is ignored (people paste it); anything else wrong is
 * BAD_SECRET and leaves the link unchanged. */
gboolean        tw_link_set_key_from_text   (TwLink            *link,
                                             const char        *text,
                                             GError           **error);

/* The full https link; the key, if any, as padded standard base64 in the
 * fragment. Returned in a TwSecret (tw_secret_get_text) because it holds
 * the key. */
TwSecret       *tw_link_to_https_string     (const TwLink      *link);
/* The same behind "tigress:". */
TwSecret       *tw_link_to_tigress_string   (const TwLink      *link);

/* What the relay sees: scheme://host[:port]/v1/m/{id}, no query, no
 * fragment, no key. */
char           *tw_link_get_mailbox_url     (const TwLink      *link);
/* scheme://host[:port], the base for every relay call. */
char           *tw_link_get_relay_base      (const TwLink      *link);

/* The query letter of a vertical, and back. */
char            tw_link_vertical_to_char    (TwLinkVertical     vertical);
gboolean        tw_link_vertical_from_char  (char               letter,
                                             TwLinkVertical    *vertical);

/* Whether @mailbox_id is a UUID v4 in canonical lower-case form
 * (8-4-4-4-12 hex digits, version 4, variant 10xx). For the relay's paths
 * too. */
gboolean        tw_link_mailbox_id_is_valid (const char        *mailbox_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwLink, tw_link_unref)

G_END_DECLS
