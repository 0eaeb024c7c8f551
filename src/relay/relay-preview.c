/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-preview.h"

#include <string.h>

const char *const relay_preview_headers[] = {
  "Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'self'",
  "Referrer-Policy", "no-referrer",
  "X-Content-Type-Options", "nosniff",
  "X-Frame-Options", "DENY",
  "Cache-Control", "no-store",
  NULL,
};

static const char style_sheet[] =
  "body{margin:0;font-family:system-ui,sans-serif;background:#f6f5f4;color:#241f31}\n"
  "main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;"
  "border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.15)}\n"
  "img{display:block;margin:0 auto 1rem}\n"
  "h1{font-size:1.5rem;text-align:center;overflow-wrap:anywhere}\n"
  "h2{font-size:1.1rem;margin-top:2rem}\n"
  ".description{text-align:center;color:#5e5c64;overflow-wrap:anywhere}\n"
  "code{overflow-wrap:anywhere}\n"
  "@media (prefers-color-scheme:dark){body{background:#242424;color:#fff}"
  "main{background:#303030}.description{color:#c0bfbc}}\n";

static const char icon_access[] =
  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 96 96\" width=\"96\" "
  "height=\"96\"><rect x=\"8\" y=\"20\" width=\"80\" height=\"56\" rx=\"8\" "
  "fill=\"#3584e4\"/><circle cx=\"32\" cy=\"46\" r=\"10\" fill=\"#fff\"/>"
  "<rect x=\"50\" y=\"38\" width=\"28\" height=\"5\" rx=\"2\" fill=\"#fff\"/>"
  "<rect x=\"50\" y=\"50\" width=\"20\" height=\"5\" rx=\"2\" fill=\"#fff\"/></svg>\n";

static const char icon_home[] =
  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 96 96\" width=\"96\" "
  "height=\"96\"><path d=\"M48 12 10 44h10v38h22V60h12v22h22V44h10z\" "
  "fill=\"#2ec27e\"/></svg>\n";

static const char icon_car[] =
  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 96 96\" width=\"96\" "
  "height=\"96\"><path d=\"M22 30h52l10 22v18H12V52z\" fill=\"#e66100\"/>"
  "<circle cx=\"28\" cy=\"70\" r=\"9\" fill=\"#241f31\"/>"
  "<circle cx=\"68\" cy=\"70\" r=\"9\" fill=\"#241f31\"/>"
  "<path d=\"M28 36h40l6 14H22z\" fill=\"#fff\"/></svg>\n";

char
relay_preview_vertical (const char *query)
{
  g_autoptr(GHashTable) params = NULL;
  const char *v;

  if (query == NULL)
    return 'a';
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  v = params != NULL ? g_hash_table_lookup (params, "v") : NULL;
  if (v != NULL && (g_str_equal (v, "h") || g_str_equal (v, "c")))
    return v[0];
  return 'a';
}

static const char *
kind_of (char vertical)
{
  switch (vertical)
    {
    case 'h': return "home key";
    case 'c': return "car key";
    default: return "access credential";
    }
}

/* Safe in element text and in quoted attribute values alike. Control
 * characters are dropped: they have no business in a title. */
static void
append_escaped (GString    *page,
                const char *text)
{
  for (const char *c = text != NULL ? text : ""; *c != '\0'; c++)
    {
      switch (*c)
        {
        case '&': g_string_append (page, "&amp;"); break;
        case '<': g_string_append (page, "&lt;"); break;
        case '>': g_string_append (page, "&gt;"); break;
        case '"': g_string_append (page, "&quot;"); break;
        case '\'': g_string_append (page, "&#39;"); break;
        default:
          if ((guchar) *c >= 0x20 && *c != 0x7f)
            g_string_append_c (page, *c);
        }
    }
}

static void
append_head (GString            *page,
             const RelayMailbox *mailbox,
             const char         *base_url,
             char                vertical)
{
  g_string_append (page,
                   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"robots\" content=\"noindex, nofollow\">\n<title>");
  append_escaped (page, mailbox->title);
  g_string_append (page, " – Tigress Wallet</title>\n"
                   "<meta property=\"og:type\" content=\"website\">\n"
                   "<meta property=\"og:site_name\" content=\"Tigress Wallet\">\n"
                   "<meta property=\"og:title\" content=\"");
  append_escaped (page, mailbox->title);
  g_string_append (page, "\">\n<meta property=\"og:description\" content=\"");
  append_escaped (page, mailbox->description);
  g_string_append (page, "\">\n<meta property=\"og:image\" content=\"");
  append_escaped (page, base_url);
  g_string_append_printf (page, "/static/icon-%c.svg\">\n"
                          "<link rel=\"stylesheet\" href=\"/static/preview.css\">\n"
                          "</head>\n", vertical);
}

GBytes *
relay_preview_page (const RelayMailbox *mailbox,
                    const char         *base_url,
                    char                vertical)
{
  GString *page = g_string_sized_new (2048);

  append_head (page, mailbox, base_url, vertical);
  g_string_append_printf (page, "<body>\n<main>\n<img src=\"/static/icon-%c.svg\" alt=\"\" "
                          "width=\"96\" height=\"96\">\n<h1>", vertical);
  append_escaped (page, mailbox->title);
  g_string_append (page, "</h1>\n<p class=\"description\">");
  append_escaped (page, mailbox->description);
  g_string_append_printf (page,
    "</p>\n<h2>How to open it</h2>\n"
    "<p>Someone is sharing a %s with you through Tigress Wallet. Only the Tigress "
    "Wallet app can open it, and only with the whole link you were sent, including "
    "the part after the # sign, which never reaches this server.</p>\n<ol>\n"
    "<li>Copy the whole link from the message you received.</li>\n"
    "<li>In Tigress Wallet, choose <em>Open an Invitation&hellip;</em> and paste it, or "
    "open the same link with <code>tigress:</code> written in front of it.</li>\n</ol>\n"
    "<p>This page cannot open the share and does not say whether anyone has opened "
    "it.</p>\n</main>\n</body>\n</html>\n", kind_of (vertical));

  return g_string_free_to_bytes (page);
}

GBytes *
relay_preview_missing_page (void)
{
  static const char page[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
    "<title>Link not available – Tigress Wallet</title>\n"
    "<link rel=\"stylesheet\" href=\"/static/preview.css\">\n</head>\n<body>\n<main>\n"
    "<h1>This link leads nowhere</h1>\n"
    "<p>The share it pointed to has ended, or the link is mistyped. Ask the person who "
    "sent it for a new one.</p>\n</main>\n</body>\n</html>\n";

  return g_bytes_new_static (page, sizeof page - 1);
}

gboolean
relay_preview_static_file (const char  *path,
                           GBytes     **body_out,
                           const char **content_type_out)
{
  static const struct {
    const char *path;
    const char *content;
    const char *content_type;
  } files[] = {
    { "/static/preview.css", style_sheet, "text/css; charset=utf-8" },
    { "/static/icon-a.svg", icon_access, "image/svg+xml" },
    { "/static/icon-h.svg", icon_home, "image/svg+xml" },
    { "/static/icon-c.svg", icon_car, "image/svg+xml" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      if (g_str_equal (path, files[i].path))
        {
          *body_out = g_bytes_new_static (files[i].content, strlen (files[i].content));
          *content_type_out = files[i].content_type;
          return TRUE;
        }
    }
  return FALSE;
}
