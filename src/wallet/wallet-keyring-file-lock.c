/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-keyring-file-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* What tells one version of the file from another: libsecret writes a new
 * file and renames it over the old one, so the inode changes, and the
 * times change too in case an inode number comes back. */
typedef struct {
  gboolean         exists;
  dev_t            device;
  ino_t            inode;
  off_t            size;
  struct timespec  modified;
  struct timespec  changed;
} FileStamp;

/* One of each per process: the lock belongs to the process, like
 * libsecret's one file backend. */
static int        lock_fd = -1;
static gboolean   lock_held;
static FileStamp  left_as;        /* the file when this process last gave the lock back */
static gboolean   left_as_known;

char *
wallet_keyring_file_path (void)
{
  const char *test_path = g_getenv ("SECRET_FILE_TEST_PATH");

  if (test_path != NULL && test_path[0] != '\0')
    return g_strdup (test_path);
  return g_build_filename (g_get_user_data_dir (), "keyrings", "default.keyring", NULL);
}

static FileStamp
read_stamp (void)
{
  g_autofree char *path = wallet_keyring_file_path ();
  FileStamp stamp = { FALSE, 0, 0, 0, { 0, 0 }, { 0, 0 } };
  struct stat info;

  if (stat (path, &info) != 0)
    return stamp;
  stamp.exists = TRUE;
  stamp.device = info.st_dev;
  stamp.inode = info.st_ino;
  stamp.size = info.st_size;
  stamp.modified = info.st_mtim;
  stamp.changed = info.st_ctim;
  return stamp;
}

static gboolean
same_time (const struct timespec *a,
           const struct timespec *b)
{
  return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static gboolean
same_stamp (const FileStamp *a,
            const FileStamp *b)
{
  if (a->exists != b->exists)
    return FALSE;
  return !a->exists ||
         (a->device == b->device && a->inode == b->inode && a->size == b->size &&
          same_time (&a->modified, &b->modified) && same_time (&a->changed, &b->changed));
}

static gboolean
open_lock_file (GError **error)
{
  g_autofree char *keyring_path = wallet_keyring_file_path ();
  g_autofree char *lock_path = g_strconcat (keyring_path, ".lock", NULL);
  g_autofree char *folder = g_path_get_dirname (keyring_path);
  int saved_errno;

  if (lock_fd >= 0)
    return TRUE;
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot make the keyring folder: %s", g_strerror (saved_errno));
      return FALSE;
    }
  lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot open the keyring file's lock: %s", g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

WalletKeyringFileLock
wallet_keyring_file_try_lock (GError **error)
{
  int saved_errno;

  if (lock_held)
    return WALLET_KEYRING_FILE_LOCKED;
  if (!open_lock_file (error))
    return WALLET_KEYRING_FILE_LOCK_FAILED;
  if (flock (lock_fd, LOCK_EX | LOCK_NB) == 0)
    {
      lock_held = TRUE;
      return WALLET_KEYRING_FILE_LOCKED;
    }
  saved_errno = errno;
  if (saved_errno == EWOULDBLOCK || saved_errno == EINTR)
    return WALLET_KEYRING_FILE_BUSY;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "Cannot lock the keyring file: %s", g_strerror (saved_errno));
  return WALLET_KEYRING_FILE_LOCK_FAILED;
}

gboolean
wallet_keyring_file_changed (void)
{
  FileStamp now;

  if (!left_as_known)
    return FALSE;
  now = read_stamp ();
  return !same_stamp (&now, &left_as);
}

void
wallet_keyring_file_unlock (void)
{
  if (!lock_held)
    return;
  left_as = read_stamp ();
  left_as_known = TRUE;
  lock_held = FALSE;
  /* Closing would also drop it, but the descriptor is kept for the next
   * call. */
  flock (lock_fd, LOCK_UN);
}
