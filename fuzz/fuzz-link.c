/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "tw-base64.h"
#include "tw-link.h"

/*
 * Share links as people paste them. Properties checked on every input:
 * - a refused link comes back as NULL with an error in TW_LINK_ERROR;
 * - an accepted link, written in either form, parses back to an equal link
 *   that writes the same text again (the written form is canonical);
 * - the relay's view of it (tw_link_get_mailbox_url) rebuilds the same link;
 * - strict base64 has one spelling per byte string: whatever decodes,
 *   encodes back to the same characters (modulo padding and alphabet).
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_reparses_identically (TwLink *link,
                            TwSecret *(*format) (const TwLink *))
{
  g_autoptr (TwSecret) text = format (link);
  g_autoptr (GError) error = NULL;
  g_autoptr (TwLink) again = tw_link_parse (tw_secret_get_text (text), &error);
  g_autoptr (TwSecret) text_again = NULL;

  g_assert_no_error (error);
  g_assert_true (tw_link_equal (link, again));
  text_again = format (again);
  g_assert_true (tw_secret_equal (text, text_again));
}

static void
check_mailbox_url_rebuilds_link (TwLink *link)
{
  g_autofree char *mailbox_url = tw_link_get_mailbox_url (link);
  g_autoptr (GError) error = NULL;
  g_autoptr (TwLink) rebuilt = tw_link_new_from_mailbox_url (mailbox_url,
                                                             tw_link_get_vertical (link),
                                                             tw_link_get_key (link),
                                                             &error);

  g_assert_no_error (error);
  g_assert_true (tw_link_equal (link, rebuilt));
  g_assert_null (strchr (mailbox_url, '#'));
  g_assert_null (strchr (mailbox_url, '?'));
}

static void
check_link (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwLink) link = tw_link_parse (text, &error);

  if (link == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == TW_LINK_ERROR);
      return;
    }

  g_assert_no_error (error);
  g_assert_true (strlen (text) <= TW_LINK_MAX_LENGTH);
  check_reparses_identically (link, tw_link_to_https_string);
  check_reparses_identically (link, tw_link_to_tigress_string);
  check_mailbox_url_rebuilds_link (link);
}

/* Decoding succeeded: the canonical encoding must be the input again. */
static void
check_base64_canonical (const char *text,
                        TwBase64Alphabet alphabet)
{
  g_autoptr (GBytes) bytes = tw_base64_decode_bytes (text, -1, alphabet, NULL);
  g_autofree char *standard = NULL;
  g_autofree char *url = NULL;
  gsize length = strlen (text);

  if (bytes == NULL)
    return;

  g_assert_cmpuint (tw_base64_decoded_size (text, length), ==, g_bytes_get_size (bytes));
  standard = tw_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  url = tw_base64url_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  /* Strip the input's padding and compare with the unpadded URL form after
   * mapping the standard alphabet onto it. */
  while (length > 0 && text[length - 1] == '=')
    length--;
  g_assert_cmpuint (length, ==, strlen (url));
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];

      g_assert_true (c == url[i]);
    }
  g_assert_true (strlen (standard) % 4 == 0);
}

static void
check_key_text (const char *text)
{
  g_autoptr (TwLink) link = tw_link_parse (
    "https://relay.tigress.test/v1/m/0f1e2d3c-4b5a-4987-a654-3210fedcba98?v=a", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (link);
  if (tw_link_set_key_from_text (link, text, &error))
    {
      gsize key_size = tw_secret_get_size (tw_link_get_key (link));

      g_assert_true (key_size == 16 || key_size == 32);
    }
  else
    {
      g_assert_error (error, TW_LINK_ERROR, TW_LINK_ERROR_BAD_SECRET);
      g_assert_false (tw_link_has_key (link));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);

  check_link (text);
  check_base64_canonical (text, TW_BASE64_STANDARD);
  check_base64_canonical (text, TW_BASE64_URL);
  check_key_text (text);
  return 0;
}
