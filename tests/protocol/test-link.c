/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-link.h"

#define ID        "0f1e2d3c-4b5a-4987-a654-3210fedcba98"
#define HOST      "relay.tigress.test"
#define MAILBOX   "/v1/m/" ID

/* 32 and 16 key bytes whose base64 uses '+' and '/' (or '-' and '_')
 * throughout, so each alphabet is really exercised. */
#define KEY32_STD        "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/A="
#define KEY32_STD_BARE   "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/A"
#define KEY32_URL        "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_A="
#define KEY32_URL_BARE   "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_A"
#define KEY16_STD        "+/+/+/+/+/+/+/+/+/+//g=="
#define KEY16_URL_BARE   "-_-_-_-_-_-_-_-_-_-__g"

#define LINK_A    "https://" HOST MAILBOX "?v=a#" KEY32_STD

static const guint8 key16_bytes[16] = {
  0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff,
  0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfe,
};

static void
fill_key32 (guint8 out[32])
{
  for (guint i = 0; i < 30; i++)
    out[i] = key16_bytes[i % 3];
  out[30] = 0xfb;
  out[31] = 0xf0;
}

static void
assert_key (const TwLink *link,
            gsize         key_size)
{
  TwSecret *key = tw_link_get_key (link);
  guint8 key32_bytes[32];

  if (key_size == 0)
    {
      g_assert_null (key);
      g_assert_false (tw_link_has_key (link));
      return;
    }

  fill_key32 (key32_bytes);
  g_assert_nonnull (key);
  g_assert_cmpmem (tw_secret_get_data (key), tw_secret_get_size (key),
                   key_size == 32 ? key32_bytes : key16_bytes, key_size);
}

/* ---------------------------------------------------------------------- */
/* Links that are accepted                                                 */
/* ---------------------------------------------------------------------- */

typedef struct {
  const char *text;
  const char *scheme;
  const char *host;
  guint16 port;
  TwLinkVertical vertical;
  gsize key_size;            /* 0: no key */
  gboolean loopback;
  const char *canonical;     /* tw_link_to_https_string() */
} Accepted;

static const Accepted accepted[] = {
  { LINK_A, "https", HOST, 443, TW_LINK_VERTICAL_ACCESS, 32, FALSE, LINK_A },
  { "tigress:https://" HOST MAILBOX "?v=h#" KEY32_STD,
    "https", HOST, 443, TW_LINK_VERTICAL_HOME, 32, FALSE,
    "https://" HOST MAILBOX "?v=h#" KEY32_STD },
  { "TIGRESS:HTTPS://Relay.Tigress.TEST" MAILBOX "?v=c#" KEY32_URL,
    "https", HOST, 443, TW_LINK_VERTICAL_CAR, 32, FALSE,
    "https://" HOST MAILBOX "?v=c#" KEY32_STD },
  { "https://" HOST MAILBOX "?v=a#" KEY32_URL_BARE,
    "https", HOST, 443, TW_LINK_VERTICAL_ACCESS, 32, FALSE, LINK_A },
  { "https://" HOST MAILBOX "?v=a#" KEY32_STD_BARE,
    "https", HOST, 443, TW_LINK_VERTICAL_ACCESS, 32, FALSE, LINK_A },
  { "https://" HOST MAILBOX "?v=a#" KEY16_STD,
    "https", HOST, 443, TW_LINK_VERTICAL_ACCESS, 16, FALSE,
    "https://" HOST MAILBOX "?v=a#" KEY16_STD },
  { "https://" HOST MAILBOX "?v=a#" KEY16_URL_BARE,
    "https", HOST, 443, TW_LINK_VERTICAL_ACCESS, 16, FALSE,
    "https://" HOST MAILBOX "?v=a#" KEY16_STD },
  { "https://" HOST ":8443" MAILBOX "?v=a#" KEY32_STD,
    "https", HOST, 8443, TW_LINK_VERTICAL_ACCESS, 32, FALSE,
    "https://" HOST ":8443" MAILBOX "?v=a#" KEY32_STD },
  { "https://" HOST ":443" MAILBOX "?v=a#" KEY32_STD,
    "https", HOST, 443, TW_LINK_VERTICAL_ACCESS, 32, FALSE, LINK_A },
  { "https://" HOST ":1" MAILBOX "?v=a",
    "https", HOST, 1, TW_LINK_VERTICAL_ACCESS, 0, FALSE,
    "https://" HOST ":1" MAILBOX "?v=a" },
  { "https://" HOST ":65535" MAILBOX "?v=a",
    "https", HOST, 65535, TW_LINK_VERTICAL_ACCESS, 0, FALSE,
    "https://" HOST ":65535" MAILBOX "?v=a" },
  { "https://" HOST MAILBOX "?v=a",
    "https", HOST, 443, TW_LINK_VERTICAL_ACCESS, 0, FALSE,
    "https://" HOST MAILBOX "?v=a" },
  { "http://127.0.0.1:8080" MAILBOX "?v=a#" KEY32_STD,
    "http", "127.0.0.1", 8080, TW_LINK_VERTICAL_ACCESS, 32, TRUE,
    "http://127.0.0.1:8080" MAILBOX "?v=a#" KEY32_STD },
  { "http://127.45.6.7" MAILBOX "?v=a#" KEY32_STD,
    "http", "127.45.6.7", 80, TW_LINK_VERTICAL_ACCESS, 32, TRUE,
    "http://127.45.6.7" MAILBOX "?v=a#" KEY32_STD },
  { "http://localhost:8080" MAILBOX "?v=h#" KEY32_STD,
    "http", "localhost", 8080, TW_LINK_VERTICAL_HOME, 32, TRUE,
    "http://localhost:8080" MAILBOX "?v=h#" KEY32_STD },
  { "tigress:http://LOCALHOST:80" MAILBOX "?v=a#" KEY32_STD,
    "http", "localhost", 80, TW_LINK_VERTICAL_ACCESS, 32, TRUE,
    "http://localhost" MAILBOX "?v=a#" KEY32_STD },
  { "http://[::1]:8080" MAILBOX "?v=a#" KEY32_STD,
    "http", "::1", 8080, TW_LINK_VERTICAL_ACCESS, 32, TRUE,
    "http://[::1]:8080" MAILBOX "?v=a#" KEY32_STD },
  { "https://[0:0:0:0:0:0:0:1]" MAILBOX "?v=a#" KEY32_STD,
    "https", "::1", 443, TW_LINK_VERTICAL_ACCESS, 32, TRUE,
    "https://[::1]" MAILBOX "?v=a#" KEY32_STD },
  { "https://[2001:DB8::1]:9443" MAILBOX "?v=a#" KEY32_STD,
    "https", "2001:db8::1", 9443, TW_LINK_VERTICAL_ACCESS, 32, FALSE,
    "https://[2001:db8::1]:9443" MAILBOX "?v=a#" KEY32_STD },
  { "https://10.1.2.3" MAILBOX "?v=a#" KEY32_STD,
    "https", "10.1.2.3", 443, TW_LINK_VERTICAL_ACCESS, 32, FALSE,
    "https://10.1.2.3" MAILBOX "?v=a#" KEY32_STD },
  { "https://xn--bcher-kva.tigress.test" MAILBOX "?v=a#" KEY32_STD,
    "https", "xn--bcher-kva.tigress.test", 443, TW_LINK_VERTICAL_ACCESS, 32, FALSE,
    "https://xn--bcher-kva.tigress.test" MAILBOX "?v=a#" KEY32_STD },
  { "https://relay" MAILBOX "?v=a#" KEY32_STD,
    "https", "relay", 443, TW_LINK_VERTICAL_ACCESS, 32, FALSE,
    "https://relay" MAILBOX "?v=a#" KEY32_STD },
  { "https://a-1.b2.c3d" MAILBOX "?v=a",
    "https", "a-1.b2.c3d", 443, TW_LINK_VERTICAL_ACCESS, 0, FALSE,
    "https://a-1.b2.c3d" MAILBOX "?v=a" },
};

static void
test_parse_accepts_good_links (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      const Accepted *expected = &accepted[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (TwLink) link = NULL;
      g_autoptr (TwSecret) https = NULL;

      g_test_message ("accepted case %" G_GSIZE_FORMAT, i);
      link = tw_link_parse (expected->text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (link);

      g_assert_cmpstr (tw_link_get_scheme (link), ==, expected->scheme);
      g_assert_cmpstr (tw_link_get_host (link), ==, expected->host);
      g_assert_cmpuint (tw_link_get_port (link), ==, expected->port);
      g_assert_cmpstr (tw_link_get_mailbox_id (link), ==, ID);
      g_assert_cmpint (tw_link_get_vertical (link), ==, expected->vertical);
      g_assert_cmpint (tw_link_is_loopback (link), ==, expected->loopback);
      assert_key (link, expected->key_size);

      https = tw_link_to_https_string (link);
      g_assert_true (strcmp (tw_secret_get_text (https), expected->canonical) == 0);
    }
}

/* Both written forms parse back to an equal link and format identically. */
static void
test_format_round_trips_both_forms (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr (TwLink) link = tw_link_parse (accepted[i].text, NULL);
      g_autoptr (TwSecret) https = tw_link_to_https_string (link);
      g_autoptr (TwSecret) tigress = tw_link_to_tigress_string (link);
      g_autoptr (TwLink) from_https = NULL;
      g_autoptr (TwLink) from_tigress = NULL;
      g_autoptr (TwSecret) https_again = NULL;

      g_test_message ("round trip case %" G_GSIZE_FORMAT, i);
      g_assert_true (g_str_has_prefix (tw_secret_get_text (tigress), "tigress:"));
      g_assert_true (strcmp (tw_secret_get_text (tigress) + strlen ("tigress:"),
                             tw_secret_get_text (https)) == 0);

      from_https = tw_link_parse (tw_secret_get_text (https), NULL);
      from_tigress = tw_link_parse_with_flags (tw_secret_get_text (tigress),
                                               TW_LINK_PARSE_DEFAULT, NULL);
      g_assert_nonnull (from_https);
      g_assert_nonnull (from_tigress);
      g_assert_true (tw_link_equal (link, from_https));
      g_assert_true (tw_link_equal (link, from_tigress));

      https_again = tw_link_to_https_string (from_tigress);
      g_assert_true (tw_secret_equal (https, https_again));
    }
}

static void
test_format_relay_base_and_mailbox_url_carry_no_key (void)
{
  static const struct {
    const char *link;
    const char *relay_base;
    const char *mailbox_url;
  } cases[] = {
    { LINK_A, "https://" HOST, "https://" HOST MAILBOX },
    { "https://" HOST ":8443" MAILBOX "?v=c#" KEY16_STD,
      "https://" HOST ":8443", "https://" HOST ":8443" MAILBOX },
    { "http://[::1]:8080" MAILBOX "?v=a#" KEY32_STD,
      "http://[::1]:8080", "http://[::1]:8080" MAILBOX },
    { "tigress:http://127.0.0.1:80" MAILBOX "?v=h",
      "http://127.0.0.1", "http://127.0.0.1" MAILBOX },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TwLink) link = tw_link_parse (cases[i].link, NULL);
      g_autofree char *relay_base = tw_link_get_relay_base (link);
      g_autofree char *mailbox_url = tw_link_get_mailbox_url (link);

      g_assert_cmpstr (relay_base, ==, cases[i].relay_base);
      g_assert_cmpstr (mailbox_url, ==, cases[i].mailbox_url);
    }
}

/* ---------------------------------------------------------------------- */
/* Links that are refused                                                  */
/* ---------------------------------------------------------------------- */

typedef struct {
  const char *text;
  TwLinkError code;
} Refused;

#define TAIL     MAILBOX "?v=a#" KEY32_STD
#define BEFORE   "https://" HOST

static const Refused refused[] = {
  /* Not https, or http to a host that is not this machine. */
  { "ftp://" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "http://" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "http://10.0.0.1" TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "http://128.0.0.1" TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "http://[::2]" TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "http://[::ffff:127.0.0.1]" TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "http://localhost.tigress.test" TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "http://127.0.0.1.tigress.test" TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "tigress:http://" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "//" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "https:/" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "https:" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "tigress:tigress:" BEFORE TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "tigress://" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { " " BEFORE TAIL, TW_LINK_ERROR_NOT_HTTPS },
  { "", TW_LINK_ERROR_NOT_HTTPS },
  { "javascript:alert(1)", TW_LINK_ERROR_NOT_HTTPS },
  { "wss://" HOST TAIL, TW_LINK_ERROR_NOT_HTTPS },
  /* The host and port. */
  { "https://" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://user@" HOST TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://user:secret@" HOST TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://@" HOST TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay%2Etigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://%72elay.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://-relay.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay-.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay..tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://." TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://.relay.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay.tigress.test." TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay_1.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://r\xc3\xa9lay.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://ho st.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://host\t.tigress.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay.tigress.test\\@evil.test" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay.tigress.test;x" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":0" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":65536" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":99999" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":123456" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":0443" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":-1" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":+443" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":443:443" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://" HOST ":https" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://:443" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[::1" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://::1" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[]" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[::1%25lo]" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[fe80::1%lo]" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[1.2.3.4]" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[::g]" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[::1]x" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://[::1]:0" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://127.1" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://0x7f.0.0.1" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay.0x7f" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://0177.0.0.1" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://1.2.3.256" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://1.2.3.4.5" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://2130706433" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://relay.123" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "http://0x7f.0.0.1" TAIL, TW_LINK_ERROR_BAD_HOST },
  { "https://abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcd.test" TAIL,
    TW_LINK_ERROR_BAD_HOST },
  /* The path. */
  { BEFORE "?v=a#" KEY32_STD, TW_LINK_ERROR_BAD_PATH },
  { BEFORE "#" KEY32_STD, TW_LINK_ERROR_BAD_PATH },
  { BEFORE, TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v1/m?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v2/m/" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/V1/M/" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "//v1/m/" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v1//m/" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v1/m/" ID "/?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v1/m/" ID "/extra?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v1/m/../m/" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v1/./m/" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/v1/m%2F" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  { BEFORE "/x/v1/m/" ID "?v=a", TW_LINK_ERROR_BAD_PATH },
  /* The mailbox id. */
  { BEFORE "/v1/m/?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/0F1E2D3C-4B5A-4987-A654-3210FEDCBA98?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/0f1e2d3c-4b5a-1987-a654-3210fedcba98?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/0f1e2d3c-4b5a-4987-c654-3210fedcba98?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/0f1e2d3c4b5a4987a6543210fedcba98?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/{0f1e2d3c-4b5a-4987-a654-3210fedcba98}?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/%30f1e2d3c-4b5a-4987-a654-3210fedcba98?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/" ID "0?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/0f1e2d3c-4b5a-4987-a654-3210fedcba9?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/0f1e2d3c-4b5a-4987-a654-3210fedcba9g?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/0f1e2d3c-4b5a-4987-a654_3210fedcba98?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/" ID "%20?v=a", TW_LINK_ERROR_BAD_ID },
  { BEFORE "/v1/m/" ID "\x01?v=a", TW_LINK_ERROR_BAD_ID },
  /* The vertical. */
  { BEFORE MAILBOX, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v=#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v=x#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v=A#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?V=a#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v=aa#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v=a&x=1#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?x=1&v=a#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v=%61#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v=a?v=a#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  { BEFORE MAILBOX "?v a#" KEY32_STD, TW_LINK_ERROR_BAD_VERTICAL },
  /* The key. */
  { BEFORE MAILBOX "?v=a#", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#abc", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#AAAAAAAAAAAAAAAAAAAA", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#" KEY32_STD "AAAA", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#" KEY32_STD "=", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#" KEY32_STD_BARE "%3D", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#+/-_+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/A=", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/B=",
    TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#" KEY32_STD "#" KEY32_STD, TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#" KEY32_STD "\xc2\xa0", TW_LINK_ERROR_BAD_SECRET },
  { BEFORE MAILBOX "?v=a#+/+/+/+/+/+/ +/+/+/+/+/+/+/+/+/+/+/+/+/+/+/A=",
    TW_LINK_ERROR_BAD_SECRET },
  /* Text after a complete link. */
  { LINK_A " ", TW_LINK_ERROR_TRAILING_JUNK },
  { LINK_A "\n", TW_LINK_ERROR_TRAILING_JUNK },
  { LINK_A "\r\n", TW_LINK_ERROR_TRAILING_JUNK },
  { LINK_A "\tand more", TW_LINK_ERROR_TRAILING_JUNK },
  { LINK_A " " LINK_A, TW_LINK_ERROR_TRAILING_JUNK },
  { LINK_A "\x7f", TW_LINK_ERROR_TRAILING_JUNK },
  { BEFORE MAILBOX "?v=a see you", TW_LINK_ERROR_TRAILING_JUNK },
  { "tigress:" BEFORE MAILBOX "?v=h\x01", TW_LINK_ERROR_TRAILING_JUNK },
};

static void
assert_refused (const char   *text,
                TwLinkParseFlags flags,
                TwLinkError   code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwLink) link = tw_link_parse_with_flags (text, flags, &error);

  g_assert_null (link);
  g_assert_error (error, TW_LINK_ERROR, (gint) code);

  /* A message for people: a sentence or two, and never the key. */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpuint (strlen (error->message), >, 40);
  g_assert_null (strstr (error->message, KEY32_STD_BARE));
  g_assert_null (strstr (error->message, "+/+/"));
}

static void
test_parse_refuses_each_malformation_with_its_code (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_test_message ("refused case %" G_GSIZE_FORMAT, i);
      assert_refused (refused[i].text, TW_LINK_PARSE_DEFAULT, refused[i].code);
    }
}

static void
test_parse_refuses_overlong_host (void)
{
  g_autoptr (GString) host = g_string_new (NULL);
  g_autofree char *fits = NULL;
  g_autofree char *too_long = NULL;
  g_autoptr (TwLink) link = NULL;

  /* 63-character labels up to 253 characters in all: the most DNS allows. */
  while (host->len + 64 <= 253)
    g_string_append (host, "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc.");
  while (host->len < 252)
    g_string_append_c (host, 'x');
  g_string_append_c (host, 'y');
  g_assert_cmpuint (host->len, ==, 253);

  fits = g_strconcat ("https://", host->str, TAIL, NULL);
  link = tw_link_parse (fits, NULL);
  g_assert_nonnull (link);

  too_long = g_strconcat ("https://", host->str, "z", TAIL, NULL);
  assert_refused (too_long, TW_LINK_PARSE_DEFAULT, TW_LINK_ERROR_BAD_HOST);
}

/* BAD_HOST covers several faults; its message names the one found. */
static void
test_parse_says_why_the_host_is_refused (void)
{
  static const struct {
    const char *text;
    const char *reason;
  } cases[] = {
    { "https://user@" HOST TAIL, "user name" },
    { "https://relay%2Etigress.test" TAIL, "percent-encoded" },
    { "https://" HOST ":0" TAIL, "port" },
    { "https://[::g]" TAIL, "IPv6" },
    { "https://" TAIL, "missing" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TwLink) link = tw_link_parse (cases[i].text, &error);

      g_assert_null (link);
      g_assert_error (error, TW_LINK_ERROR, TW_LINK_ERROR_BAD_HOST);
      g_assert_nonnull (strstr (error->message, cases[i].reason));
    }
}

static void
test_parse_requires_key_only_when_asked (void)
{
  g_autoptr (TwLink) without_key = NULL;
  g_autoptr (TwLink) with_key = NULL;

  without_key = tw_link_parse (BEFORE MAILBOX "?v=a", NULL);
  g_assert_nonnull (without_key);
  assert_refused (BEFORE MAILBOX "?v=a", TW_LINK_PARSE_REQUIRE_KEY,
                  TW_LINK_ERROR_MISSING_SECRET);
  assert_refused ("tigress:" BEFORE MAILBOX "?v=c", TW_LINK_PARSE_REQUIRE_KEY,
                  TW_LINK_ERROR_MISSING_SECRET);
  /* Text after a link is still what is wrong with it, key or not. */
  assert_refused (BEFORE MAILBOX "?v=c and more", TW_LINK_PARSE_REQUIRE_KEY,
                  TW_LINK_ERROR_TRAILING_JUNK);

  with_key = tw_link_parse_with_flags (LINK_A, TW_LINK_PARSE_REQUIRE_KEY, NULL);
  g_assert_nonnull (with_key);
  assert_key (with_key, 32);
}

/* The limit is on the whole text, tigress: prefix included: 2048 bytes are
 * looked at (and here refused for what they hold), 2049 are not. */
static void
test_parse_length_limit_at_the_boundary (void)
{
  static const struct {
    const char *head;
    char filler;
    TwLinkError code_at_limit;
  } cases[] = {
    { LINK_A " ", 'x', TW_LINK_ERROR_TRAILING_JUNK },
    { "tigress:" LINK_A " ", 'x', TW_LINK_ERROR_TRAILING_JUNK },
    { LINK_A, 'A', TW_LINK_ERROR_BAD_SECRET },
    { BEFORE MAILBOX "?v=a", 'a', TW_LINK_ERROR_BAD_VERTICAL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GString) text = g_string_new (cases[i].head);

      while (text->len < TW_LINK_MAX_LENGTH)
        g_string_append_c (text, cases[i].filler);
      assert_refused (text->str, TW_LINK_PARSE_DEFAULT, cases[i].code_at_limit);

      g_string_append_c (text, cases[i].filler);
      assert_refused (text->str, TW_LINK_PARSE_DEFAULT, TW_LINK_ERROR_TOO_LONG);
    }
}

/* ---------------------------------------------------------------------- */
/* Keys sent separately, links built by the sender                         */
/* ---------------------------------------------------------------------- */

static void
test_key_from_text_accepts_both_alphabets_and_trims (void)
{
  static const struct {
    const char *text;
    gsize key_size;
  } cases[] = {
    { KEY32_STD, 32 },
    { KEY32_URL_BARE, 32 },
    { "  " KEY32_URL "\n", 32 },
    { "\t" KEY16_STD " ", 16 },
    { KEY16_URL_BARE, 16 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TwLink) link = tw_link_parse (BEFORE MAILBOX "?v=a", NULL);
      g_autoptr (GError) error = NULL;

      g_assert_true (tw_link_set_key_from_text (link, cases[i].text, &error));
      g_assert_no_error (error);
      assert_key (link, cases[i].key_size);
    }
}

static void
test_key_from_text_refuses_bad_codes_and_keeps_the_link (void)
{
  static const char *const bad_codes[] = {
    "",
    "   ",
    "abc",
    "+/+/+/+/+/+/+/+/ +/+/+/+/+/+/+/+/+/+/+/+/+/A=",
    "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/B=",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    /* One string on purpose: the key behind a stray "#". */
    ("#" KEY32_STD),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_codes); i++)
    {
      g_autoptr (TwLink) link = tw_link_parse (LINK_A, NULL);
      g_autoptr (GError) error = NULL;

      g_assert_false (tw_link_set_key_from_text (link, bad_codes[i], &error));
      g_assert_error (error, TW_LINK_ERROR, TW_LINK_ERROR_BAD_SECRET);
      assert_key (link, 32);
    }
}

static void
test_set_key_refuses_wrong_sizes (void)
{
  g_autoptr (TwLink) link = tw_link_parse (BEFORE MAILBOX "?v=a", NULL);
  g_autoptr (TwSecret) key20 = tw_secret_new (20);
  g_autoptr (GError) error = NULL;

  g_assert_false (tw_link_set_key (link, key20, &error));
  g_assert_error (error, TW_LINK_ERROR, TW_LINK_ERROR_BAD_SECRET);
  assert_key (link, 0);
}

static void
test_new_from_mailbox_url_builds_the_share_link (void)
{
  g_autoptr (TwSecret) key = tw_secret_new_from_data (key16_bytes, sizeof key16_bytes);
  g_autoptr (TwLink) link = NULL;
  g_autoptr (TwSecret) https = NULL;
  g_autoptr (TwSecret) tigress = NULL;
  g_autoptr (GError) error = NULL;

  link = tw_link_new_from_mailbox_url ("https://" HOST MAILBOX, TW_LINK_VERTICAL_CAR, key,
                                       &error);
  g_assert_no_error (error);
  https = tw_link_to_https_string (link);
  tigress = tw_link_to_tigress_string (link);
  g_assert_true (strcmp (tw_secret_get_text (https),
                         "https://" HOST MAILBOX "?v=c#" KEY16_STD) == 0);
  g_assert_true (strcmp (tw_secret_get_text (tigress),
                         "tigress:https://" HOST MAILBOX "?v=c#" KEY16_STD) == 0);
}

static void
test_new_from_mailbox_url_refuses_what_a_relay_never_sends (void)
{
  static const Refused cases[] = {
    { "https://" HOST MAILBOX "?v=a", TW_LINK_ERROR_TRAILING_JUNK },
    { "https://" HOST MAILBOX "#" KEY32_STD, TW_LINK_ERROR_TRAILING_JUNK },
    { "https://" HOST MAILBOX "/", TW_LINK_ERROR_BAD_PATH },
    { "https://" HOST "/v1/m/not-an-id", TW_LINK_ERROR_BAD_ID },
    { "http://" HOST MAILBOX, TW_LINK_ERROR_NOT_HTTPS },
    { "https://user@" HOST MAILBOX, TW_LINK_ERROR_BAD_HOST },
  };
  g_autoptr (TwSecret) key20 = tw_secret_new (20);
  g_autoptr (GError) size_error = NULL;
  g_autoptr (TwLink) sized = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TwLink) link = tw_link_new_from_mailbox_url (cases[i].text,
                                                              TW_LINK_VERTICAL_ACCESS,
                                                              NULL, &error);
      g_assert_null (link);
      g_assert_error (error, TW_LINK_ERROR, (gint) cases[i].code);
      /* The sender cannot fix the relay's answer by copying anything. */
      g_assert_null (strstr (error->message, "Copy"));
      g_assert_nonnull (strstr (error->message, "relay"));
    }

  sized = tw_link_new_from_mailbox_url ("https://" HOST MAILBOX, TW_LINK_VERTICAL_ACCESS,
                                        key20, &size_error);
  g_assert_null (sized);
  g_assert_error (size_error, TW_LINK_ERROR, TW_LINK_ERROR_BAD_SECRET);
}

/* ---------------------------------------------------------------------- */
/* Small parts                                                             */
/* ---------------------------------------------------------------------- */

static void
test_equal_compares_every_part (void)
{
  g_autoptr (TwLink) a = tw_link_parse (LINK_A, NULL);
  g_autoptr (TwLink) same = tw_link_parse ("tigress:" BEFORE MAILBOX "?v=a#" KEY32_URL, NULL);
  g_autoptr (TwLink) other_vertical = tw_link_parse (BEFORE MAILBOX "?v=h#" KEY32_STD, NULL);
  g_autoptr (TwLink) other_port = tw_link_parse (BEFORE ":444" TAIL, NULL);
  g_autoptr (TwLink) other_key = tw_link_parse (BEFORE MAILBOX "?v=a#" KEY16_STD, NULL);
  g_autoptr (TwLink) no_key = tw_link_parse (BEFORE MAILBOX "?v=a", NULL);
  g_autoptr (TwLink) no_key_either = tw_link_parse (BEFORE MAILBOX "?v=a", NULL);
  TwLink *copy = g_boxed_copy (TW_TYPE_LINK, a);

  g_assert_true (tw_link_equal (a, same));
  g_assert_true (tw_link_equal (a, copy));
  g_assert_false (tw_link_equal (a, other_vertical));
  g_assert_false (tw_link_equal (a, other_port));
  g_assert_false (tw_link_equal (a, other_key));
  g_assert_false (tw_link_equal (a, no_key));
  g_assert_true (tw_link_equal (no_key, no_key_either));
  g_boxed_free (TW_TYPE_LINK, copy);
}

static void
test_mailbox_id_accepts_only_canonical_v4 (void)
{
  static const struct {
    const char *id;
    gboolean valid;
  } cases[] = {
    { ID, TRUE },
    { "00000000-0000-4000-8000-000000000000", TRUE },
    { "ffffffff-ffff-4fff-bfff-ffffffffffff", TRUE },
    { "ffffffff-ffff-4fff-9fff-ffffffffffff", TRUE },
    { "ffffffff-ffff-4fff-cfff-ffffffffffff", FALSE },
    { "ffffffff-ffff-4fff-7fff-ffffffffffff", FALSE },
    { "ffffffff-ffff-5fff-bfff-ffffffffffff", FALSE },
    { "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF", FALSE },
    { "ffffffff-ffff-4fff-bfff-fffffffffff", FALSE },
    { "ffffffff-ffff-4fff-bfff-fffffffffffff", FALSE },
    { "ffffffffffff-4fff-bfff-ffff-ffffffff", FALSE },
    { "", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (tw_link_mailbox_id_is_valid (cases[i].id), ==, cases[i].valid);
}

static void
test_vertical_letters_round_trip (void)
{
  static const char letters[] = "ahc";
  TwLinkVertical vertical;

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (tw_link_vertical_from_char (letters[i], &vertical));
      g_assert_cmpint (tw_link_vertical_to_char (vertical), ==, letters[i]);
    }
  g_assert_false (tw_link_vertical_from_char ('A', &vertical));
  g_assert_false (tw_link_vertical_from_char ('\0', &vertical));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/link/parse/accepts-good-links", test_parse_accepts_good_links);
  g_test_add_func ("/link/parse/refuses-each-malformation-with-its-code",
                   test_parse_refuses_each_malformation_with_its_code);
  g_test_add_func ("/link/parse/refuses-overlong-host", test_parse_refuses_overlong_host);
  g_test_add_func ("/link/parse/says-why-the-host-is-refused",
                   test_parse_says_why_the_host_is_refused);
  g_test_add_func ("/link/parse/requires-key-only-when-asked",
                   test_parse_requires_key_only_when_asked);
  g_test_add_func ("/link/parse/length-limit-at-the-boundary",
                   test_parse_length_limit_at_the_boundary);
  g_test_add_func ("/link/format/round-trips-both-forms", test_format_round_trips_both_forms);
  g_test_add_func ("/link/format/relay-base-and-mailbox-url-carry-no-key",
                   test_format_relay_base_and_mailbox_url_carry_no_key);
  g_test_add_func ("/link/key/from-text-accepts-both-alphabets-and-trims",
                   test_key_from_text_accepts_both_alphabets_and_trims);
  g_test_add_func ("/link/key/from-text-refuses-bad-codes-and-keeps-the-link",
                   test_key_from_text_refuses_bad_codes_and_keeps_the_link);
  g_test_add_func ("/link/key/set-refuses-wrong-sizes", test_set_key_refuses_wrong_sizes);
  g_test_add_func ("/link/sender/builds-the-share-link-from-the-mailbox-url",
                   test_new_from_mailbox_url_builds_the_share_link);
  g_test_add_func ("/link/sender/refuses-what-a-relay-never-sends",
                   test_new_from_mailbox_url_refuses_what_a_relay_never_sends);
  g_test_add_func ("/link/equal/compares-every-part", test_equal_compares_every_part);
  g_test_add_func ("/link/mailbox-id/accepts-only-canonical-v4",
                   test_mailbox_id_accepts_only_canonical_v4);
  g_test_add_func ("/link/vertical/letters-round-trip", test_vertical_letters_round_trip);

  return g_test_run ();
}
