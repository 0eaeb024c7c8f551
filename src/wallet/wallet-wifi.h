/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wallet-credential.h"

G_BEGIN_DECLS

/*
 * The Wi-Fi QR text that phones scan and print:
 *
 *   WIFI:T:WPA;S:My network;P:pass\;word;H:true;;
 *
 * T is WPA, WEP, SAE or nopass (missing means nopass), S the SSID, P the
 * password, H:true a hidden network. In S and P a backslash escapes the
 * characters \ ; , : and ". Values wrapped whole in double quotes lose the
 * quotes. Fields may come in any order; fields this wallet does not know
 * are skipped. The text holds the password, so it travels in a TwSecret.
 */

#define WALLET_WIFI_ERROR (wallet_wifi_error_quark ())

typedef enum {
  WALLET_WIFI_ERROR_NOT_WIFI,          /* does not start with WIFI: */
  WALLET_WIFI_ERROR_UNTERMINATED,      /* no closing ;; or a field without its ; */
  WALLET_WIFI_ERROR_BAD_ESCAPE,        /* a backslash before another character, or at the end */
  WALLET_WIFI_ERROR_BAD_FIELD,         /* a field without its letter and colon */
  WALLET_WIFI_ERROR_DUPLICATE_FIELD,   /* T, S, P or H twice */
  WALLET_WIFI_ERROR_MISSING_SSID,      /* no S, or an empty one */
  WALLET_WIFI_ERROR_BAD_SECURITY,      /* T is not WPA, WEP, SAE or nopass */
  WALLET_WIFI_ERROR_BAD_HIDDEN,        /* H is not true or false */
  WALLET_WIFI_ERROR_MISSING_PASSWORD,  /* a secured network without P */
  WALLET_WIFI_ERROR_BAD_TEXT,          /* not UTF-8, or holds a NUL or a line break */
} WalletWifiError;

GQuark             wallet_wifi_error_quark (void);

/* A new Wi-Fi credential (fresh id; title = the SSID) from QR text. Also
 * runs wallet_credential_validate(), so a WPA password that is too short
 * fails here with WALLET_CREDENTIAL_ERROR_INVALID. */
WalletCredential  *wallet_wifi_parse       (TwSecret          *qr_text,
                                            GError           **error);

/* The QR text of a Wi-Fi credential, in the order T, S, P, H; P only for
 * secured networks and H only for hidden ones. Fails with
 * WALLET_CREDENTIAL_ERROR_INVALID if the credential is not a valid Wi-Fi
 * network. */
TwSecret          *wallet_wifi_format      (WalletCredential  *credential,
                                            GError           **error);

G_END_DECLS
