/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-link.h"

#include <gio/gio.h>
#include <string.h>

#include "tw-base64.h"

#define MAILBOX_PATH_PREFIX  "/v1/m/"
#define MAILBOX_ID_LENGTH    36
#define TIGRESS_PREFIX       "tigress:"
#define MAX_HOST_LENGTH      253
#define MAX_LABEL_LENGTH     63

struct _TwLink
{
  gatomicrefcount ref_count;
  gboolean is_http;
  char *host;                 /* lower case; IPv6 without brackets */
  gboolean host_is_ipv6;
  guint16 port;               /* 0 when the scheme's default */
  char mailbox_id[MAILBOX_ID_LENGTH + 1];
  TwLinkVertical vertical;
  TwSecret *key;              /* NULL until known */
};

/* Which form of link the parser reads. */
typedef enum {
  LINK_FORM_SHARE,            /* what people paste: query required, fragment optional */
  LINK_FORM_MAILBOX_URL,      /* the relay's urlLink: neither query nor fragment */
} LinkForm;

G_DEFINE_BOXED_TYPE (TwLink, tw_link, tw_link_ref, tw_link_unref)
G_DEFINE_QUARK (tw-link-error-quark, tw_link_error)

/* A text slice of the link being parsed; never NUL-terminated. */
typedef struct {
  const char *start;
  gsize length;
} Slice;

static const char *const hint_copy_again =
  "Copy the whole link again, or ask the sender to send it again.";

static gboolean
fail (GError     **error,
      TwLinkError  code,
      const char  *what_is_wrong)
{
  g_set_error (error, TW_LINK_ERROR, code, "%s %s", what_is_wrong, hint_copy_again);
  return FALSE;
}

static gboolean
slice_has_char (Slice slice,
                char  c)
{
  return slice.length > 0 && memchr (slice.start, c, slice.length) != NULL;
}

/* Splits @rest at the first of @stops: @head gets what comes before it,
 * @rest keeps the delimiter and what follows (empty when none was found). */
static void
slice_split (Slice      *rest,
             const char *stops,
             Slice      *head)
{
  gsize i = 0;

  while (i < rest->length && strchr (stops, rest->start[i]) == NULL)
    i++;

  head->start = rest->start;
  head->length = i;
  rest->start += i;
  rest->length -= i;
}

/* Schemes are case-insensitive; paths are not. */
static gboolean
slice_consume_prefix (Slice      *slice,
                      const char *prefix,
                      gboolean    ignore_case)
{
  gsize length = strlen (prefix);

  if (slice->length < length)
    return FALSE;
  if (ignore_case ? g_ascii_strncasecmp (slice->start, prefix, length) != 0
                  : memcmp (slice->start, prefix, length) != 0)
    return FALSE;

  slice->start += length;
  slice->length -= length;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Hosts and ports                                                         */
/* ---------------------------------------------------------------------- */

static gboolean
is_all_digits (Slice slice)
{
  for (gsize i = 0; i < slice.length; i++)
    if (!g_ascii_isdigit (slice.start[i]))
      return FALSE;
  return slice.length > 0;
}

/* A decimal number without leading zeros, at most @max. */
static gboolean
parse_decimal (Slice    slice,
               guint32  max,
               guint32 *value)
{
  guint32 result = 0;

  if (!is_all_digits (slice) || slice.length > 5
      || (slice.length > 1 && slice.start[0] == '0'))
    return FALSE;

  for (gsize i = 0; i < slice.length; i++)
    result = result * 10 + (guint32) (slice.start[i] - '0');

  *value = result;
  return result <= max;
}

/* Four decimal octets without leading zeros: the only spelling of an IPv4
 * address we take, so that a name resolver cannot read the host as an
 * address we did not check (0x7f.1, 127.1, 0177.0.0.1). */
static gboolean
is_canonical_ipv4 (Slice host)
{
  Slice rest = host, octet;
  guint32 value;

  for (guint i = 0; i < 4; i++)
    {
      slice_split (&rest, ".", &octet);
      if (!parse_decimal (octet, 255, &value))
        return FALSE;
      if (i < 3 && !slice_consume_prefix (&rest, ".", FALSE))
        return FALSE;
    }

  return rest.length == 0;
}

static gboolean
is_ldh_label (Slice label)
{
  if (label.length == 0 || label.length > MAX_LABEL_LENGTH)
    return FALSE;
  if (label.start[0] == '-' || label.start[label.length - 1] == '-')
    return FALSE;

  for (gsize i = 0; i < label.length; i++)
    if (!g_ascii_isalnum (label.start[i]) && label.start[i] != '-')
      return FALSE;
  return TRUE;
}

/* A DNS name of ASCII letter-digit-hyphen labels (IDNs in their xn--
 * form), or a canonical IPv4 address. */
static gboolean
is_valid_host_name (Slice host)
{
  Slice rest = host, label = { NULL, 0 };

  if (host.length == 0 || host.length > MAX_HOST_LENGTH)
    return FALSE;

  while (TRUE)
    {
      slice_split (&rest, ".", &label);
      if (!is_ldh_label (label))
        return FALSE;
      if (rest.length == 0)
        break;
      rest.start++;
      rest.length--;
    }

  /* A name whose last label is a number is an address to resolvers. */
  if (is_all_digits (label))
    return is_canonical_ipv4 (host);
  if (label.length > 1 && label.start[0] == '0' && g_ascii_tolower (label.start[1]) == 'x')
    return FALSE;
  return TRUE;
}

/* Fills link->host with the canonical form of "[v6]". */
static gboolean
parse_ipv6_literal (Slice   bracketed,
                    TwLink *link)
{
  g_autofree char *text = NULL;
  g_autoptr (GInetAddress) address = NULL;

  if (bracketed.length < 3 || bracketed.start[bracketed.length - 1] != ']')
    return FALSE;

  /* Only hex digits, colons and dots: no zone ids, no percent escapes. */
  for (gsize i = 1; i + 1 < bracketed.length; i++)
    if (!g_ascii_isxdigit (bracketed.start[i]) && bracketed.start[i] != ':'
        && bracketed.start[i] != '.')
      return FALSE;

  text = g_strndup (bracketed.start + 1, bracketed.length - 2);
  address = g_inet_address_new_from_string (text);
  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return FALSE;

  link->host = g_inet_address_to_string (address);
  link->host_is_ipv6 = TRUE;
  return TRUE;
}

static gboolean
parse_port (Slice   port_text,
            TwLink *link)
{
  guint32 port;

  if (!parse_decimal (port_text, G_MAXUINT16, &port) || port == 0)
    return FALSE;

  /* The scheme's own port is dropped so both spellings format alike. */
  link->port = (port == (link->is_http ? 80u : 443u)) ? 0 : (guint16) port;
  return TRUE;
}

static gboolean
fail_host (GError     **error,
           const char  *reason)
{
  g_autofree char *message =
    g_strdup_printf ("The relay address in this link is not valid: %s.", reason);

  return fail (error, TW_LINK_ERROR_BAD_HOST, message);
}

/* Moves the host (a name, an IPv4 address or a bracketed IPv6 address) from
 * the start of @rest into the link. */
static gboolean
parse_host (Slice   *rest,
            TwLink  *link,
            GError **error)
{
  Slice host;

  if (rest->start[0] != '[')
    {
      slice_split (rest, ":", &host);
      if (!is_valid_host_name (host))
        return fail_host (error, "the host name is malformed");
      link->host = g_ascii_strdown (host.start, (gssize) host.length);
      return TRUE;
    }

  slice_split (rest, "]", &host);
  if (rest->length > 0)
    {
      host.length++;   /* take the ']' */
      rest->start++;
      rest->length--;
    }
  if (!parse_ipv6_literal (host, link))
    return fail_host (error, "the IPv6 address is malformed");
  return TRUE;
}

static gboolean
parse_authority (Slice    authority,
                 TwLink  *link,
                 GError **error)
{
  Slice rest = authority;

  if (authority.length == 0)
    return fail_host (error, "it is missing");
  if (slice_has_char (authority, '@'))
    return fail_host (error, "it contains a user name");
  if (slice_has_char (authority, '%'))
    return fail_host (error, "it contains percent-encoded characters");

  if (!parse_host (&rest, link, error))
    return FALSE;
  if (rest.length == 0)
    return TRUE;

  if (rest.start[0] != ':')
    return fail_host (error, "the host name is malformed");
  rest.start++;
  rest.length--;
  if (!parse_port (rest, link))
    return fail_host (error, "the port is not a number from 1 to 65535");
  return TRUE;
}

static gboolean
host_is_loopback (const TwLink *link)
{
  if (link->host_is_ipv6)
    return strcmp (link->host, "::1") == 0;
  if (strcmp (link->host, "localhost") == 0)
    return TRUE;

  /* Names that are not addresses were checked to end in a non-number. */
  return g_str_has_prefix (link->host, "127.")
         && is_canonical_ipv4 ((Slice) { link->host, strlen (link->host) });
}

/* ---------------------------------------------------------------------- */
/* Path, query and key                                                     */
/* ---------------------------------------------------------------------- */

gboolean
tw_link_mailbox_id_is_valid (const char *mailbox_id)
{
  g_return_val_if_fail (mailbox_id != NULL, FALSE);

  for (gsize i = 0; i < MAILBOX_ID_LENGTH; i++)
    {
      char c = mailbox_id[i];

      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (c != '-')
            return FALSE;
        }
      else if (!g_ascii_isdigit (c) && !(c >= 'a' && c <= 'f'))
        return FALSE;
    }

  return mailbox_id[MAILBOX_ID_LENGTH] == '\0'
         && mailbox_id[14] == '4'
         && strchr ("89ab", mailbox_id[19]) != NULL;
}

static gboolean
parse_path (Slice    path,
            TwLink  *link,
            GError **error)
{
  Slice rest = path;
  g_autofree char *mailbox_id = NULL;

  if (!slice_consume_prefix (&rest, MAILBOX_PATH_PREFIX, FALSE)
      || slice_has_char (rest, '/'))
    return fail (error, TW_LINK_ERROR_BAD_PATH,
                 "This link does not lead to a share: after the relay address it "
                 "should have /v1/m/ and the share's id.");

  mailbox_id = g_strndup (rest.start, rest.length);
  if (rest.length != MAILBOX_ID_LENGTH || !tw_link_mailbox_id_is_valid (mailbox_id))
    return fail (error, TW_LINK_ERROR_BAD_ID,
                 "The share's id in this link is damaged or incomplete.");

  memcpy (link->mailbox_id, mailbox_id, MAILBOX_ID_LENGTH + 1);
  return TRUE;
}

static gboolean
parse_query (Slice    query,
             TwLink  *link,
             GError **error)
{
  if (query.length != 3 || query.start[0] != 'v' || query.start[1] != '='
      || !tw_link_vertical_from_char (query.start[2], &link->vertical))
    return fail (error, TW_LINK_ERROR_BAD_VERTICAL,
                 "This link does not say what kind of credential it shares "
                 "(it should have ?v=a, ?v=h or ?v=c before the #).");
  return TRUE;
}

static gboolean
key_size_is_valid (gsize size)
{
  return size == 16 || size == 32;
}

static TwSecret *
decode_key (const char  *text,
            gsize        length,
            GError     **error)
{
  g_autoptr (TwSecret) key = tw_base64_decode_secret (text, (gssize) length,
                                                      TW_BASE64_ANY, NULL);

  if (key == NULL || !key_size_is_valid (tw_secret_get_size (key)))
    {
      fail (error, TW_LINK_ERROR_BAD_SECRET,
            "The key in this link (the part after #) is damaged or incomplete.");
      return NULL;
    }
  return g_steal_pointer (&key);
}

/* ---------------------------------------------------------------------- */
/* The whole link                                                          */
/* ---------------------------------------------------------------------- */

static gboolean
parse_scheme (Slice   *rest,
              TwLink  *link,
              GError **error)
{
  slice_consume_prefix (rest, TIGRESS_PREFIX, TRUE);

  if (slice_consume_prefix (rest, "https://", TRUE))
    return TRUE;
  if (slice_consume_prefix (rest, "http://", TRUE))
    {
      link->is_http = TRUE;
      return TRUE;
    }

  g_set_error_literal (error, TW_LINK_ERROR, TW_LINK_ERROR_NOT_HTTPS,
                       "This is not a share link: a share link starts with https:// "
                       "or tigress:https://. Check that you copied the right text.");
  return FALSE;
}

static gboolean
check_scheme_allowed (const TwLink  *link,
                      GError       **error)
{
  if (!link->is_http || host_is_loopback (link))
    return TRUE;

  g_set_error_literal (error, TW_LINK_ERROR, TW_LINK_ERROR_NOT_HTTPS,
                       "This link uses plain http:, which is only allowed for a relay on "
                       "this computer. Ask the sender for the https link.");
  return FALSE;
}

/* Query and fragment: @rest starts at '?' or '#', or is empty. */
static gboolean
parse_share_tail (Slice             rest,
                  TwLinkParseFlags  flags,
                  TwLink           *link,
                  GError          **error)
{
  Slice query = { rest.start, 0 };

  if (rest.length > 0 && rest.start[0] == '?')
    {
      rest.start++;
      rest.length--;
      slice_split (&rest, "#", &query);
    }
  if (!parse_query (query, link, error))
    return FALSE;

  if (rest.length == 0)
    {
      if ((flags & TW_LINK_PARSE_REQUIRE_KEY) == 0)
        return TRUE;
      g_set_error_literal (error, TW_LINK_ERROR, TW_LINK_ERROR_MISSING_SECRET,
                           "This link has no key. Ask the sender for the code they "
                           "sent separately, and enter it with the link.");
      return FALSE;
    }

  link->key = decode_key (rest.start + 1, rest.length - 1, error);
  return link->key != NULL;
}

static TwLink *
link_new (void)
{
  TwLink *link = g_new0 (TwLink, 1);

  g_atomic_ref_count_init (&link->ref_count);
  return link;
}

static TwLink *
parse_form (Slice             text,
            LinkForm          form,
            TwLinkParseFlags  flags,
            GError          **error)
{
  g_autoptr (TwLink) link = link_new ();
  Slice rest = text, authority, path;

  if (!parse_scheme (&rest, link, error))
    return NULL;

  slice_split (&rest, "/?#", &authority);
  if (!parse_authority (authority, link, error) || !check_scheme_allowed (link, error))
    return NULL;

  slice_split (&rest, "?#", &path);
  if (!parse_path (path, link, error))
    return NULL;

  if (form == LINK_FORM_SHARE && !parse_share_tail (rest, flags, link, error))
    return NULL;
  if (form == LINK_FORM_MAILBOX_URL && rest.length > 0)
    {
      g_set_error_literal (error, TW_LINK_ERROR, TW_LINK_ERROR_TRAILING_JUNK,
                           "The address has text after the share's id.");
      return NULL;
    }

  return g_steal_pointer (&link);
}

/* The index of the first space or control character, or @length. */
static gsize
find_separator (const char *text,
                gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if ((guchar) text[i] <= ' ' || (guchar) text[i] == 0x7f)
      return i;
  return length;
}

TwLink *
tw_link_parse_with_flags (const char        *text,
                          TwLinkParseFlags   flags,
                          GError           **error)
{
  gsize length, separator;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  length = strnlen (text, TW_LINK_MAX_LENGTH + 1);
  if (length > TW_LINK_MAX_LENGTH)
    {
      g_set_error (error, TW_LINK_ERROR, TW_LINK_ERROR_TOO_LONG,
                   "This text is too long to be a share link (more than %d characters). "
                   "Copy only the link and try again.", TW_LINK_MAX_LENGTH);
      return NULL;
    }

  /* A space or control character never belongs in a link. When all that
   * comes before one is a valid link, the rest is text pasted along with
   * it; otherwise the part it sits in is what is wrong. */
  separator = find_separator (text, length);
  if (separator > 0 && separator < length)
    {
      g_autoptr (TwLink) head = parse_form ((Slice) { text, separator },
                                            LINK_FORM_SHARE, TW_LINK_PARSE_DEFAULT, NULL);
      if (head != NULL)
        {
          g_set_error_literal (error, TW_LINK_ERROR, TW_LINK_ERROR_TRAILING_JUNK,
                               "The link is followed by other text. Copy only the link "
                               "itself and try again.");
          return NULL;
        }
    }

  return parse_form ((Slice) { text, length }, LINK_FORM_SHARE, flags, error);
}

TwLink *
tw_link_parse (const char  *text,
               GError     **error)
{
  return tw_link_parse_with_flags (text, TW_LINK_PARSE_DEFAULT, error);
}

TwLink *
tw_link_new_from_mailbox_url (const char      *url_link,
                              TwLinkVertical   vertical,
                              TwSecret        *key,
                              GError         **error)
{
  g_autoptr (TwLink) link = NULL;
  g_autoptr (GError) parse_error = NULL;
  gsize length;

  g_return_val_if_fail (url_link != NULL, NULL);
  g_return_val_if_fail (vertical <= TW_LINK_VERTICAL_CAR, NULL);

  length = strnlen (url_link, TW_LINK_MAX_LENGTH + 1);
  if (length > TW_LINK_MAX_LENGTH)
    {
      g_set_error_literal (error, TW_LINK_ERROR, TW_LINK_ERROR_TOO_LONG,
                           "The relay gave this share an address that is too long. "
                           "Try again, or choose another relay.");
      return NULL;
    }

  link = parse_form ((Slice) { url_link, length }, LINK_FORM_MAILBOX_URL, 0, &parse_error);
  if (link == NULL)
    {
      /* The messages for pasted links tell people to copy the link again;
       * here the relay is at fault, and the sender can only go elsewhere. */
      g_set_error (error, TW_LINK_ERROR, parse_error->code,
                   "The relay gave this share an address the wallet cannot use. "
                   "Try again, or choose another relay.");
      return NULL;
    }

  link->vertical = vertical;
  if (key != NULL && !tw_link_set_key (link, key, error))
    return NULL;
  return g_steal_pointer (&link);
}

/* ---------------------------------------------------------------------- */
/* Reference counting, accessors                                           */
/* ---------------------------------------------------------------------- */

TwLink *
tw_link_ref (TwLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  g_atomic_ref_count_inc (&link->ref_count);
  return link;
}

void
tw_link_unref (TwLink *link)
{
  g_return_if_fail (link != NULL);

  if (!g_atomic_ref_count_dec (&link->ref_count))
    return;

  g_clear_pointer (&link->key, tw_secret_unref);
  g_free (link->host);
  g_free (link);
}

gboolean
tw_link_equal (const TwLink *a,
               const TwLink *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->is_http != b->is_http || a->port != b->port || a->vertical != b->vertical
      || g_strcmp0 (a->host, b->host) != 0
      || strcmp (a->mailbox_id, b->mailbox_id) != 0)
    return FALSE;

  if (a->key == NULL || b->key == NULL)
    return a->key == b->key;
  return tw_secret_equal (a->key, b->key);
}

const char *
tw_link_get_scheme (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  return link->is_http ? "http" : "https";
}

const char *
tw_link_get_host (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  return link->host;
}

guint16
tw_link_get_port (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, 0);

  if (link->port != 0)
    return link->port;
  return link->is_http ? 80 : 443;
}

const char *
tw_link_get_mailbox_id (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  return link->mailbox_id;
}

TwLinkVertical
tw_link_get_vertical (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, TW_LINK_VERTICAL_ACCESS);

  return link->vertical;
}

gboolean
tw_link_is_loopback (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, FALSE);

  return host_is_loopback (link);
}

TwSecret *
tw_link_get_key (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  return link->key;
}

gboolean
tw_link_has_key (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, FALSE);

  return link->key != NULL;
}

gboolean
tw_link_set_key (TwLink    *link,
                 TwSecret  *key,
                 GError   **error)
{
  g_return_val_if_fail (link != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!key_size_is_valid (tw_secret_get_size (key)))
    return fail (error, TW_LINK_ERROR_BAD_SECRET,
                 "The key for this share has the wrong size.");

  tw_secret_ref (key);
  g_clear_pointer (&link->key, tw_secret_unref);
  link->key = key;
  return TRUE;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

gboolean
tw_link_set_key_from_text (TwLink      *link,
                           const char  *text,
                           GError     **error)
{
  g_autoptr (TwSecret) key = NULL;
  gsize start = 0, end;

  g_return_val_if_fail (link != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  end = strlen (text);
  while (start < end && is_space (text[start]))
    start++;
  while (end > start && is_space (text[end - 1]))
    end--;

  key = tw_base64_decode_secret (text + start, (gssize) (end - start), TW_BASE64_ANY, NULL);
  if (key == NULL || !key_size_is_valid (tw_secret_get_size (key)))
    {
      g_set_error_literal (error, TW_LINK_ERROR, TW_LINK_ERROR_BAD_SECRET,
                           "This code is not valid: it should be the 22 to 44 letters, "
                           "digits and signs the sender gave you. Check for a missing or "
                           "extra character and try again.");
      return FALSE;
    }

  return tw_link_set_key (link, key, error);
}

/* ---------------------------------------------------------------------- */
/* Formatting                                                              */
/* ---------------------------------------------------------------------- */

char
tw_link_vertical_to_char (TwLinkVertical vertical)
{
  switch (vertical)
    {
    case TW_LINK_VERTICAL_ACCESS:
      return 'a';
    case TW_LINK_VERTICAL_HOME:
      return 'h';
    case TW_LINK_VERTICAL_CAR:
      return 'c';
    default:
      g_return_val_if_reached ('a');
    }
}

gboolean
tw_link_vertical_from_char (char            letter,
                            TwLinkVertical *vertical)
{
  g_return_val_if_fail (vertical != NULL, FALSE);

  switch (letter)
    {
    case 'a':
      *vertical = TW_LINK_VERTICAL_ACCESS;
      return TRUE;
    case 'h':
      *vertical = TW_LINK_VERTICAL_HOME;
      return TRUE;
    case 'c':
      *vertical = TW_LINK_VERTICAL_CAR;
      return TRUE;
    default:
      return FALSE;
    }
}

char *
tw_link_get_relay_base (const TwLink *link)
{
  GString *base;

  g_return_val_if_fail (link != NULL, NULL);

  base = g_string_new (tw_link_get_scheme (link));
  g_string_append (base, "://");
  if (link->host_is_ipv6)
    g_string_append_printf (base, "[%s]", link->host);
  else
    g_string_append (base, link->host);
  if (link->port != 0)
    g_string_append_printf (base, ":%u", (guint) link->port);

  return g_string_free (base, FALSE);
}

char *
tw_link_get_mailbox_url (const TwLink *link)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (link != NULL, NULL);

  base = tw_link_get_relay_base (link);
  return g_strconcat (base, MAILBOX_PATH_PREFIX, link->mailbox_id, NULL);
}

/* @prefix, the https link and its key, assembled in secure memory. */
static TwSecret *
format_share_link (const TwLink *link,
                   const char   *prefix)
{
  g_autofree char *mailbox_url = tw_link_get_mailbox_url (link);
  g_autoptr (TwSecret) key_text = NULL;
  g_autofree char *head = NULL;
  gsize head_length, key_length = 0;
  TwSecret *formatted;

  head = g_strdup_printf ("%s%s?v=%c%s", prefix, mailbox_url,
                          tw_link_vertical_to_char (link->vertical),
                          link->key != NULL ? "#" : "");
  head_length = strlen (head);
  if (link->key != NULL)
    {
      key_text = tw_base64_encode_secret (link->key);
      key_length = tw_secret_get_size (key_text);
    }

  formatted = tw_secret_new (head_length + key_length);
  memcpy (tw_secret_get_data (formatted), head, head_length);
  if (key_text != NULL)
    memcpy (tw_secret_get_data (formatted) + head_length,
            tw_secret_get_data (key_text), key_length);
  return formatted;
}

TwSecret *
tw_link_to_https_string (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  return format_share_link (link, "");
}

TwSecret *
tw_link_to_tigress_string (const TwLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  return format_share_link (link, TIGRESS_PREFIX);
}
