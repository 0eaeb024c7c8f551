/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-secret.h"
#include "wallet-keyring.h"

G_BEGIN_DECLS

/*
 * WalletVault: the wallet passcode and the data key.
 *
 * Everything the wallet keeps in the keyring (credentials, owner keys, the
 * identity, contacts, shares in progress) is sealed with AES-256-GCM under
 * a random 32-byte data key. The data key itself is kept in the keyring
 * wrapped under scrypt(passcode) with N = 2^17, r = 8, p = 1; the stored
 * item is JSON holding the KDF name, its parameters, the salt and the
 * wrapped key, so anyone (a test included) can see how it was made:
 *
 *   {"v":1,"kdf":"scrypt","n":131072,"r":8,"p":1,
 *    "salt":"<base64>","wrapped":"<base64 of IV||ciphertext||tag>"}
 *
 * So a thief at an unlocked desktop who dumps the keyring gets only
 * ciphertext. The data key exists in memory only in a TwSecret while the
 * vault is unlocked; lock() and the auto-lock drop it.
 *
 * Wrong passcodes make the next try wait longer (1, 2, 5, 15, 30, 60 s,
 * then 5 min). The count is written to $XDG_STATE_HOME/tigress-wallet/
 * passcode-attempts BEFORE each try (so killing the app in the middle of
 * a try counts as a wrong one) and reset by a right passcode; quitting the
 * app does not reset it. It is a file, not a keyring item, because a
 * keyring write costs a rewrite of the whole keyring file, which with
 * thousands of items would slow every unlock.
 *
 * Signals "unlocked" and "locked" tell the other services and the GUI;
 * WalletStore empties itself on "locked".
 */

#define WALLET_TYPE_VAULT (wallet_vault_get_type ())
G_DECLARE_FINAL_TYPE (WalletVault, wallet_vault, WALLET, VAULT, GObject)

#define WALLET_VAULT_ERROR (wallet_vault_error_quark ())

typedef enum {
  WALLET_VAULT_ERROR_NOT_SET_UP,      /* no passcode yet: set one up first */
  WALLET_VAULT_ERROR_ALREADY_SET_UP,  /* setup on a wallet that has a passcode */
  WALLET_VAULT_ERROR_LOCKED,          /* seal, open or a change while locked */
  WALLET_VAULT_ERROR_WRONG_PASSCODE,  /* the message says how long to wait */
  WALLET_VAULT_ERROR_THROTTLED,       /* too soon after a wrong passcode */
  WALLET_VAULT_ERROR_WEAK_PASSCODE,   /* under the minimum length, spaces not counted */
  WALLET_VAULT_ERROR_DAMAGED,         /* a stored item was altered or is not ours */
  WALLET_VAULT_ERROR_NOTHING_TYPED,   /* an empty passcode: refused, not counted as a try */
} WalletVaultError;

typedef enum {
  WALLET_VAULT_STATE_UNKNOWN,   /* not loaded yet: call wallet_vault_load_async() */
  WALLET_VAULT_STATE_NO_PASSCODE,
  WALLET_VAULT_STATE_LOCKED,
  WALLET_VAULT_STATE_UNLOCKED,
} WalletVaultState;

#define WALLET_VAULT_MIN_PASSCODE_LENGTH 6   /* characters */
#define WALLET_VAULT_KEY_SIZE            32
#define WALLET_VAULT_SCRYPT_N            (G_GUINT64_CONSTANT (1) << 17)
#define WALLET_VAULT_SCRYPT_R            8
#define WALLET_VAULT_SCRYPT_P            1
/* The id of the wrapped data key item (kind WALLET_ITEM_VAULT). */
#define WALLET_VAULT_ID_DATA_KEY  "data-key"

GQuark            wallet_vault_error_quark          (void);

/* The rule for a new passcode, the same in the app and `tigress`: at
 * least WALLET_VAULT_MIN_PASSCODE_LENGTH characters that are not spaces
 * (six spaces are no passcode), valid UTF-8, no NUL. FALSE with
 * WALLET_VAULT_ERROR_WEAK_PASSCODE and a sentence for people. Setting up
 * or changing the passcode checks it too; call it to explain a refusal
 * before starting. */
gboolean          wallet_vault_check_new_passcode   (const char           *text,
                                                     gsize                 size,
                                                     GError              **error);

/* @settings may be NULL (no auto-lock from settings); otherwise its
 * "auto-lock-minutes" drives the auto-lock. */
WalletVault      *wallet_vault_new                  (WalletKeyring        *keyring,
                                                     GSettings            *settings);

WalletKeyring    *wallet_vault_get_keyring          (WalletVault          *self);
WalletVaultState  wallet_vault_get_state            (WalletVault          *self);
gboolean          wallet_vault_is_unlocked          (WalletVault          *self);

/* Reads from the keyring whether a passcode exists and the wrong-passcode
 * count. Moves the state from UNKNOWN to NO_PASSCODE or LOCKED. */
void              wallet_vault_load_async           (WalletVault          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          wallet_vault_load_finish          (WalletVault          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* First run: makes a data key, wraps it under @passcode and stores it.
 * Leaves the vault unlocked. Fails with ALREADY_SET_UP if a wrapped key
 * exists (never overwrites one) and WEAK_PASSCODE if too short. */
void              wallet_vault_setup_async          (WalletVault          *self,
                                                     TwSecret             *passcode,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          wallet_vault_setup_finish         (WalletVault          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Unwraps the data key (scrypt runs in a worker thread). Fails with
 * THROTTLED, without trying, while a delay runs; with WRONG_PASSCODE
 * (and a longer delay) when the passcode is wrong. Also loads first if
 * the state is UNKNOWN. */
void              wallet_vault_unlock_async         (WalletVault          *self,
                                                     TwSecret             *passcode,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          wallet_vault_unlock_finish        (WalletVault          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Checks @passcode without changing the lock state: the same throttling
 * and counting as unlock. For re-authentication (WalletAuth). */
void              wallet_vault_verify_passcode_async  (WalletVault        *self,
                                                       TwSecret           *passcode,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean          wallet_vault_verify_passcode_finish (WalletVault        *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

/* Re-wraps the same data key under @new_passcode with a fresh salt, in one
 * keyring replace: either the old or the new passcode works afterwards,
 * never neither. Needs the right @old_passcode (counted like unlock). */
void              wallet_vault_change_passcode_async  (WalletVault        *self,
                                                       TwSecret           *old_passcode,
                                                       TwSecret           *new_passcode,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean          wallet_vault_change_passcode_finish (WalletVault        *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

/* Wipes the data key and emits "locked" (if it was unlocked). */
void              wallet_vault_lock                 (WalletVault          *self);

/* Tells the vault the user did something: restarts the idle countdown. */
void              wallet_vault_touch                (WalletVault          *self);

/* Seconds of idle time before the auto-lock; 0 turns it off. Follows
 * "auto-lock-minutes" when the vault has settings; setting it by hand
 * (tests, the CLI's one-shot runs) overrides that until settings change. */
guint             wallet_vault_get_auto_lock_seconds (WalletVault         *self);
void              wallet_vault_set_auto_lock_seconds (WalletVault         *self,
                                                      guint                seconds);

/* Seconds until the next passcode try is allowed (0: now), and the count
 * of wrong tries since the last right one. */
guint             wallet_vault_get_retry_wait_seconds (WalletVault        *self);
guint             wallet_vault_get_failed_attempts  (WalletVault          *self);

/* Seals @plaintext under the data key with AES-256-GCM. @context binds the
 * ciphertext to its place (e.g. "credential:<id>"): open() with another
 * context fails, so items cannot be swapped. Fails with LOCKED. */
GBytes           *wallet_vault_seal                 (WalletVault          *self,
                                                     const char           *context,
                                                     TwSecret             *plaintext,
                                                     GError              **error);
/* The reverse; DAMAGED if anything was altered or the context differs. */
TwSecret         *wallet_vault_open                 (WalletVault          *self,
                                                     const char           *context,
                                                     GBytes               *sealed,
                                                     GError              **error);

G_END_DECLS
