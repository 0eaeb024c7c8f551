/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tw-crypto.h"

#include "tigress-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TigressApplication) application = NULL;

  /* Before anything else: the secure heap, and no core dumps of a process
   * that holds keys. */
  tw_crypto_init ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name (_("Tigress Wallet"));

  application = tigress_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
