/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The portal backend's keyring file, shared by every Tigress Wallet
 * process of one app (the window and the tigress command): a lock that
 * lets one process at a time read or write it, and a look at whether
 * another process wrote it since this one last did.
 *
 * The lock is flock() on a file beside the keyring file
 * (keyrings/default.keyring.lock), so it goes when the process goes. It is
 * taken without blocking: a caller tries again later while another process
 * holds it. One lock per process, taken and given back by the one call the
 * portal backend runs at a time. Private to the wallet layer.
 */

typedef enum {
  WALLET_KEYRING_FILE_LOCKED,       /* this process holds the lock now */
  WALLET_KEYRING_FILE_BUSY,         /* another process holds it: try again later */
  WALLET_KEYRING_FILE_LOCK_FAILED,  /* the lock file cannot be made or opened */
} WalletKeyringFileLock;

/* Where libsecret's file backend keeps its file (SECRET_FILE_TEST_PATH
 * when set, as libsecret does). */
char                  *wallet_keyring_file_path        (void);

WalletKeyringFileLock  wallet_keyring_file_try_lock    (GError  **error);

/* Under the lock: whether the file differs (inode, size or change time)
 * from how this process left it when it last gave the lock back. FALSE
 * before this process first held the lock. */
gboolean               wallet_keyring_file_changed     (void);

/* Notes the file as it is now as this process's, then gives the lock back.
 * Harmless without the lock. */
void                   wallet_keyring_file_unlock      (void);

G_END_DECLS
