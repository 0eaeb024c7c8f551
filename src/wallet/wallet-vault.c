/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-vault.h"
#include "wallet-enums.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "tw-base64.h"
#include "tw-crypto.h"
#include "tw-json-strict.h"

#define WRAP_VERSION     1
#define SEAL_VERSION     0x01
#define SALT_SIZE        16
#define WRAP_LABEL       "tigress-wallet v1 vault data-key"
#define SEAL_LABEL       "tigress-wallet v1 vault "
#define ITEM_LABEL       N_("Tigress Wallet data key (locked with your wallet passcode)")
#define ATTEMPTS_FILE    "passcode-attempts"

/* Seconds to wait after the n-th wrong passcode in a row. */
static const guint retry_delays[] = { 0, 1, 2, 5, 15, 30, 60, 300 };

struct _WalletVault
{
  GObject           parent_instance;

  WalletKeyring    *keyring;
  GSettings        *settings;
  WalletVaultState  state;
  TwSecret         *data_key;          /* only while unlocked */
  guint             failed_attempts;
  gint64            last_attempt;      /* real time, microseconds */
  guint             auto_lock_seconds;
  guint             idle_source;
};

G_DEFINE_TYPE (WalletVault, wallet_vault, G_TYPE_OBJECT)

G_DEFINE_QUARK (wallet-vault-error-quark, wallet_vault_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_AUTO_LOCK_SECONDS,
  N_PROPS
};

enum {
  SIGNAL_LOCKED,
  SIGNAL_UNLOCKED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The wrapped key as stored: the KDF's parameters travel with it. */
typedef struct {
  guint64   n;
  guint32   r;
  guint32   p;
  guint8    salt[SALT_SIZE];
  GBytes   *wrapped;
} Wrapping;

static void
wrapping_free (Wrapping *wrapping)
{
  g_clear_pointer (&wrapping->wrapped, g_bytes_unref);
  g_free (wrapping);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Wrapping, wrapping_free)

/* ------------------------------------------------------------------ */
/* Wrong-passcode counting                                             */
/* ------------------------------------------------------------------ */

static char *
attempts_path (void)
{
  return g_build_filename (g_get_user_state_dir (), PACKAGE_NAME, ATTEMPTS_FILE, NULL);
}

/* Plain functions of the file, no object: the passcode check calls them
 * from its worker thread. */
static void
attempts_load (guint  *failures,
               gint64 *last_attempt)
{
  g_autofree char *path = attempts_path ();
  g_autofree char *text = NULL;
  guint64 stored_failures = 0, stored_last = 0;

  *failures = 0;
  *last_attempt = 0;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  if (sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
              &stored_failures, &stored_last) == 2)
    {
      *failures = (guint) MIN (stored_failures, G_MAXUINT);
      *last_attempt = (gint64) MIN (stored_last, (guint64) G_MAXINT64);
    }
}

static void
attempts_save (guint  failures,
               gint64 last_attempt)
{
  g_autofree char *path = attempts_path ();
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *text = g_strdup_printf ("%u %" G_GINT64_FORMAT "\n", failures, last_attempt);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (folder, 0700) != 0 ||
      !g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT |
                                 G_FILE_SET_CONTENTS_DURABLE, 0600, &error))
    g_warning ("Could not save the count of wrong passcodes to %s: %s", path,
               error != NULL ? error->message : g_strerror (errno));
}

/* Every passcode check of this user, in any process, holds this lock from
 * reading the count to recording the outcome. So a right passcode never
 * meets a try that is counted but not checked yet (QA F13: parallel
 * `tigress receive` read as "too many wrong passcodes"), and parallel
 * wrong tries still wait their turn and then the delay. Returns the
 * descriptor to pass to attempts_unlock(), or -1 when the lock cannot be
 * had (the check then goes on unserialised rather than not at all). */
static int
attempts_lock (void)
{
  g_autofree char *path = g_strconcat (attempts_path (), ".lock", NULL);
  g_autofree char *folder = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    return -1;
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_warning ("Could not open %s: %s", path, g_strerror (errno));
      return -1;
    }
  while (flock (fd, LOCK_EX) != 0)
    {
      if (errno != EINTR)
        {
          g_warning ("Could not lock %s: %s", path, g_strerror (errno));
          break;
        }
    }
  return fd;
}

static void
attempts_unlock (int fd)
{
  /* Closing the descriptor releases the lock. */
  if (fd >= 0)
    close (fd);
}

static void
read_attempts (WalletVault *self)
{
  attempts_load (&self->failed_attempts, &self->last_attempt);
}

static guint
delay_after (guint failures)
{
  return retry_delays[MIN (failures, G_N_ELEMENTS (retry_delays) - 1)];
}

static guint
retry_wait_seconds (guint  failures,
                    gint64 last_attempt)
{
  gint64 now = g_get_real_time ();
  gint64 delay = (gint64) delay_after (failures) * G_USEC_PER_SEC;
  gint64 left;

  /* A clock set back must not turn a minute into a year. */
  if (now < last_attempt)
    return (guint) (delay / G_USEC_PER_SEC);
  left = last_attempt + delay - now;
  return left <= 0 ? 0 : (guint) ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

guint
wallet_vault_get_retry_wait_seconds (WalletVault *self)
{
  g_return_val_if_fail (WALLET_IS_VAULT (self), 0);
  return retry_wait_seconds (self->failed_attempts, self->last_attempt);
}

guint
wallet_vault_get_failed_attempts (WalletVault *self)
{
  g_return_val_if_fail (WALLET_IS_VAULT (self), 0);
  return self->failed_attempts;
}

static GError *
throttled_error (WalletVault *self,
                 int          code)
{
  guint wait = wallet_vault_get_retry_wait_seconds (self);

  if (code == WALLET_VAULT_ERROR_WRONG_PASSCODE)
    return g_error_new (WALLET_VAULT_ERROR, code,
                        g_dngettext (GETTEXT_PACKAGE,
                                     "That passcode is wrong. You can try again in %u second.",
                                     "That passcode is wrong. You can try again in %u seconds.",
                                     wait), wait);
  return g_error_new (WALLET_VAULT_ERROR, code,
                      g_dngettext (GETTEXT_PACKAGE,
                                   "Too many wrong passcodes. Wait %u second, then try again.",
                                   "Too many wrong passcodes. Wait %u seconds, then try again.",
                                   wait), wait);
}

/* ------------------------------------------------------------------ */
/* Wrapping and unwrapping the data key                                */
/* ------------------------------------------------------------------ */

static GBytes *
wrapping_to_json (const Wrapping *wrapping)
{
  g_autofree char *salt = tw_base64_encode (wrapping->salt, SALT_SIZE);
  g_autofree char *wrapped = tw_base64_encode (g_bytes_get_data (wrapping->wrapped, NULL),
                                               g_bytes_get_size (wrapping->wrapped));
  char *text = g_strdup_printf ("{\"v\":%d,\"kdf\":\"scrypt\",\"n\":%" G_GUINT64_FORMAT
                                ",\"r\":%u,\"p\":%u,\"salt\":\"%s\",\"wrapped\":\"%s\"}",
                                WRAP_VERSION, wrapping->n, wrapping->r, wrapping->p,
                                salt, wrapped);

  return g_bytes_new_take (text, strlen (text));
}

static Wrapping *
wrapping_from_json (GBytes  *stored,
                    GError **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(Wrapping) wrapping = g_new0 (Wrapping, 1);
  const char *kdf, *wrapped;
  gint64 version, n, r, p;

  root = tw_json_strict_parse_object (g_bytes_get_data (stored, NULL),
                                      g_bytes_get_size (stored), NULL, NULL);
  /* scrypt's limits: N a power of two up to 2^20 (1 GiB with r = 8). */
  if (root == NULL ||
      !tw_json_get_int (root, "v", WRAP_VERSION, WRAP_VERSION, &version, NULL) ||
      (kdf = tw_json_get_string (root, "kdf", NULL)) == NULL || !g_str_equal (kdf, "scrypt") ||
      !tw_json_get_int (root, "n", 2, 1 << 20, &n, NULL) || (n & (n - 1)) != 0 ||
      !tw_json_get_int (root, "r", 1, 32, &r, NULL) ||
      !tw_json_get_int (root, "p", 1, 16, &p, NULL) ||
      !tw_base64_decode_exact (tw_json_get_string (root, "salt", NULL), -1, TW_BASE64_STANDARD,
                               wrapping->salt, SALT_SIZE, NULL) ||
      (wrapped = tw_json_get_string (root, "wrapped", NULL)) == NULL ||
      (wrapping->wrapped = tw_base64_decode_bytes (wrapped, -1, TW_BASE64_STANDARD,
                                                   NULL)) == NULL)
    {
      g_set_error_literal (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_DAMAGED,
                           _("The wallet’s data key in the keyring is damaged. Restore the "
                             "keyring from a backup, or remove the wallet and set it up "
                             "again."));
      return NULL;
    }
  wrapping->n = (guint64) n;
  wrapping->r = (guint32) r;
  wrapping->p = (guint32) p;
  return g_steal_pointer (&wrapping);
}

static TwSecret *
derive_key (const Wrapping  *wrapping,
            TwSecret        *passcode,
            GError         **error)
{
  g_autoptr(TwSecret) key = tw_secret_new (WALLET_VAULT_KEY_SIZE);

  if (!tw_scrypt (tw_secret_get_data (passcode), tw_secret_get_size (passcode),
                  wrapping->salt, SALT_SIZE, wrapping->n, wrapping->r, wrapping->p,
                  tw_secret_get_data (key), WALLET_VAULT_KEY_SIZE, error))
    return NULL;
  return g_steal_pointer (&key);
}

/* Returns the data key, or NULL with WRONG_PASSCODE (the error is
 * replaced by one that says how long to wait). */
static TwSecret *
unwrap (const Wrapping  *wrapping,
        TwSecret        *passcode,
        GError         **error)
{
  g_autoptr(TwSecret) key = derive_key (wrapping, passcode, error);
  g_autoptr(TwSecret) data_key = NULL;

  if (key == NULL)
    return NULL;
  data_key = tw_aes_gcm_open (tw_secret_get_data (key), WALLET_VAULT_KEY_SIZE,
                              WRAP_LABEL, strlen (WRAP_LABEL),
                              g_bytes_get_data (wrapping->wrapped, NULL),
                              g_bytes_get_size (wrapping->wrapped), NULL);
  if (data_key == NULL || tw_secret_get_size (data_key) != WALLET_VAULT_KEY_SIZE)
    {
      g_set_error_literal (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WRONG_PASSCODE,
                           "wrong passcode");
      return NULL;
    }
  return g_steal_pointer (&data_key);
}

static Wrapping *
wrap (TwSecret  *data_key,
      TwSecret  *passcode,
      GError   **error)
{
  g_autoptr(Wrapping) wrapping = g_new0 (Wrapping, 1);
  g_autoptr(TwSecret) key = NULL;

  wrapping->n = WALLET_VAULT_SCRYPT_N;
  wrapping->r = WALLET_VAULT_SCRYPT_R;
  wrapping->p = WALLET_VAULT_SCRYPT_P;
  tw_random_bytes (wrapping->salt, SALT_SIZE);
  key = derive_key (wrapping, passcode, error);
  if (key == NULL)
    return NULL;
  wrapping->wrapped = tw_aes_gcm_seal (tw_secret_get_data (key), WALLET_VAULT_KEY_SIZE,
                                       WRAP_LABEL, strlen (WRAP_LABEL),
                                       tw_secret_get_data (data_key),
                                       tw_secret_get_size (data_key), error);
  if (wrapping->wrapped == NULL)
    return NULL;
  return g_steal_pointer (&wrapping);
}

/* The slow part (scrypt, about half a second) runs in a worker thread. */
typedef struct {
  Wrapping *wrapping;       /* the stored one, to unwrap (may be NULL for setup) */
  TwSecret *passcode;
  TwSecret *new_passcode;   /* set: wrap the data key under it */
  TwSecret *data_key;       /* in: for setup; out: the unwrapped key */
  Wrapping *new_wrapping;   /* out */
  guint     failures;       /* out: wrong tries in a row after this one */
  gint64    last_attempt;   /* out: when the last wrong one was found wrong */
} CryptoJob;

static void
crypto_job_free (CryptoJob *job)
{
  g_clear_pointer (&job->wrapping, wrapping_free);
  g_clear_pointer (&job->new_wrapping, wrapping_free);
  g_clear_pointer (&job->passcode, tw_secret_unref);
  g_clear_pointer (&job->new_passcode, tw_secret_unref);
  g_clear_pointer (&job->data_key, tw_secret_unref);
  g_free (job);
}

/* In the worker thread, under the lock of every process's checks: the
 * wait first, then scrypt, then the outcome recorded, in that order. */
static gboolean
check_passcode (CryptoJob  *job,
                GError    **error)
{
  int lock = attempts_lock ();
  gboolean right;

  attempts_load (&job->failures, &job->last_attempt);
  if (retry_wait_seconds (job->failures, job->last_attempt) > 0)
    {
      attempts_unlock (lock);
      g_set_error_literal (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_THROTTLED, "");
      return FALSE;
    }
  job->data_key = unwrap (job->wrapping, job->passcode, error);
  right = job->data_key != NULL;
  if (!right && g_error_matches (*error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WRONG_PASSCODE))
    {
      job->failures++;
      job->last_attempt = g_get_real_time ();
      attempts_save (job->failures, job->last_attempt);
    }
  else if (right && job->failures > 0)
    {
      job->failures = 0;
      job->last_attempt = 0;
      attempts_save (0, 0);
    }
  attempts_unlock (lock);
  return right;
}

static void
run_crypto_job (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CryptoJob *job = task_data;
  GError *error = NULL;

  if (job->wrapping != NULL && !check_passcode (job, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (job->new_passcode != NULL)
    {
      job->new_wrapping = wrap (job->data_key, job->new_passcode, &error);
      if (job->new_wrapping == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

static void
set_state (WalletVault      *self,
           WalletVaultState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
stop_idle_timer (WalletVault *self)
{
  g_clear_handle_id (&self->idle_source, g_source_remove);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  WalletVault *self = user_data;

  self->idle_source = 0;
  g_debug ("The wallet was idle for %u seconds; locking it", self->auto_lock_seconds);
  wallet_vault_lock (self);
  return G_SOURCE_REMOVE;
}

static void
restart_idle_timer (WalletVault *self)
{
  stop_idle_timer (self);
  if (self->state == WALLET_VAULT_STATE_UNLOCKED && self->auto_lock_seconds > 0)
    self->idle_source = g_timeout_add_seconds (self->auto_lock_seconds, on_idle_timeout, self);
}

static void
become_unlocked (WalletVault *self,
                 TwSecret    *data_key)
{
  g_clear_pointer (&self->data_key, tw_secret_unref);
  self->data_key = tw_secret_ref (data_key);
  set_state (self, WALLET_VAULT_STATE_UNLOCKED);
  restart_idle_timer (self);
  g_signal_emit (self, signals[SIGNAL_UNLOCKED], 0);
}

void
wallet_vault_lock (WalletVault *self)
{
  g_return_if_fail (WALLET_IS_VAULT (self));

  stop_idle_timer (self);
  if (self->state != WALLET_VAULT_STATE_UNLOCKED)
    return;
  /* The unref wipes the key (TwSecret), unless a seal in flight holds a
   * reference for a moment. */
  g_clear_pointer (&self->data_key, tw_secret_unref);
  set_state (self, WALLET_VAULT_STATE_LOCKED);
  g_signal_emit (self, signals[SIGNAL_LOCKED], 0);
}

void
wallet_vault_touch (WalletVault *self)
{
  g_return_if_fail (WALLET_IS_VAULT (self));
  restart_idle_timer (self);
}

guint
wallet_vault_get_auto_lock_seconds (WalletVault *self)
{
  g_return_val_if_fail (WALLET_IS_VAULT (self), 0);
  return self->auto_lock_seconds;
}

void
wallet_vault_set_auto_lock_seconds (WalletVault *self,
                                    guint        seconds)
{
  g_return_if_fail (WALLET_IS_VAULT (self));

  if (self->auto_lock_seconds == seconds)
    return;
  self->auto_lock_seconds = seconds;
  restart_idle_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_LOCK_SECONDS]);
}

static void
on_auto_lock_setting_changed (GSettings  *settings,
                              const char *key,
                              gpointer    user_data)
{
  WalletVault *self = user_data;

  wallet_vault_set_auto_lock_seconds (self, 60 * g_settings_get_uint (settings, key));
}

WalletKeyring *
wallet_vault_get_keyring (WalletVault *self)
{
  g_return_val_if_fail (WALLET_IS_VAULT (self), NULL);
  return self->keyring;
}

WalletVaultState
wallet_vault_get_state (WalletVault *self)
{
  g_return_val_if_fail (WALLET_IS_VAULT (self), WALLET_VAULT_STATE_UNKNOWN);
  return self->state;
}

gboolean
wallet_vault_is_unlocked (WalletVault *self)
{
  g_return_val_if_fail (WALLET_IS_VAULT (self), FALSE);
  return self->state == WALLET_VAULT_STATE_UNLOCKED;
}

/* ------------------------------------------------------------------ */
/* The object                                                          */
/* ------------------------------------------------------------------ */

static void
wallet_vault_dispose (GObject *object)
{
  WalletVault *self = WALLET_VAULT (object);

  stop_idle_timer (self);
  g_clear_pointer (&self->data_key, tw_secret_unref);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->keyring);
  G_OBJECT_CLASS (wallet_vault_parent_class)->dispose (object);
}

static void
wallet_vault_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WalletVault *self = WALLET_VAULT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_AUTO_LOCK_SECONDS:
      g_value_set_uint (value, self->auto_lock_seconds);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wallet_vault_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  WalletVault *self = WALLET_VAULT (object);

  switch (prop_id)
    {
    case PROP_AUTO_LOCK_SECONDS:
      wallet_vault_set_auto_lock_seconds (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wallet_vault_class_init (WalletVaultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wallet_vault_dispose;
  object_class->get_property = wallet_vault_get_property;
  object_class->set_property = wallet_vault_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, WALLET_TYPE_VAULT_STATE,
                       WALLET_VAULT_STATE_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTO_LOCK_SECONDS] =
    g_param_spec_uint ("auto-lock-seconds", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_LOCKED] = g_signal_new ("locked", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
  signals[SIGNAL_UNLOCKED] = g_signal_new ("unlocked", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
wallet_vault_init (WalletVault *self)
{
  self->state = WALLET_VAULT_STATE_UNKNOWN;
}

WalletVault *
wallet_vault_new (WalletKeyring *keyring,
                  GSettings     *settings)
{
  WalletVault *self;

  g_return_val_if_fail (WALLET_IS_KEYRING (keyring), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (WALLET_TYPE_VAULT, NULL);
  self->keyring = g_object_ref (keyring);
  read_attempts (self);
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_signal_connect (settings, "changed::auto-lock-minutes",
                        G_CALLBACK (on_auto_lock_setting_changed), self);
      on_auto_lock_setting_changed (settings, "auto-lock-minutes", self);
    }
  return self;
}

/* ------------------------------------------------------------------ */
/* Passcode operations: load the wrapped key, check, scrypt, store      */
/* ------------------------------------------------------------------ */

typedef enum {
  MODE_LOAD,
  MODE_SETUP,
  MODE_UNLOCK,
  MODE_VERIFY,
  MODE_CHANGE,
} Mode;

typedef struct {
  Mode      mode;
  TwSecret *passcode;
  TwSecret *new_passcode;
  TwSecret *data_key;   /* the result of the scrypt job */
} VaultOp;

static void
vault_op_free (VaultOp *op)
{
  g_clear_pointer (&op->passcode, tw_secret_unref);
  g_clear_pointer (&op->new_passcode, tw_secret_unref);
  g_clear_pointer (&op->data_key, tw_secret_unref);
  g_free (op);
}

/* Spaces are allowed (passphrases) but do not count: six spaces are no
 * passcode at all. */
static glong
count_visible_characters (const char *text,
                          gsize       size)
{
  glong visible = 0;

  for (const char *p = text; p < text + size; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        visible++;
    }
  return visible;
}

gboolean
wallet_vault_check_new_passcode (const char  *text,
                                 gsize        size,
                                 GError     **error)
{
  g_return_val_if_fail (text != NULL, FALSE);

  if (!g_utf8_validate (text, size, NULL) || memchr (text, '\0', size) != NULL ||
      count_visible_characters (text, size) < WALLET_VAULT_MIN_PASSCODE_LENGTH)
    {
      g_set_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WEAK_PASSCODE,
                   _("Choose a passcode of at least %d characters, not counting "
                     "spaces."),
                   WALLET_VAULT_MIN_PASSCODE_LENGTH);
      return FALSE;
    }
  return TRUE;
}

static gboolean
passcode_is_strong_enough (TwSecret  *passcode,
                           GError   **error)
{
  return wallet_vault_check_new_passcode (tw_secret_get_text (passcode),
                                          tw_secret_get_size (passcode), error);
}

static void
finish_op (GTask  *task,
           GError *error)
{
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_wrapping_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  WalletVault *self = g_task_get_source_object (task);
  VaultOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    {
      finish_op (task, error);
      return;
    }
  if (op->mode == MODE_SETUP)
    become_unlocked (self, op->data_key);
  finish_op (task, NULL);
}

static void
store_wrapping (GTask    *task,
                Wrapping *wrapping)
{
  WalletVault *self = g_task_get_source_object (task);
  g_autoptr(GBytes) stored = wrapping_to_json (wrapping);

  wallet_keyring_store_async (self->keyring, WALLET_ITEM_VAULT, WALLET_VAULT_ID_DATA_KEY,
                              "scrypt", _(ITEM_LABEL), stored, g_task_get_cancellable (task),
                              on_wrapping_stored, task);
}

static void
on_crypto_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  WalletVault *self = g_task_get_source_object (task);
  VaultOp *op = g_task_get_task_data (task);
  CryptoJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (job->wrapping != NULL)
    {
      self->failed_attempts = job->failures;
      self->last_attempt = job->last_attempt;
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WRONG_PASSCODE) ||
          g_error_matches (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_THROTTLED))
        {
          int code = error->code;

          g_clear_error (&error);
          error = throttled_error (self, code);
        }
      finish_op (task, error);
      return;
    }
  op->data_key = g_steal_pointer (&job->data_key);

  switch (op->mode)
    {
    case MODE_SETUP:
    case MODE_CHANGE:
      store_wrapping (task, job->new_wrapping);
      return;
    case MODE_UNLOCK:
      become_unlocked (self, op->data_key);
      break;
    case MODE_LOAD:
    case MODE_VERIFY:
    default:
      break;
    }
  finish_op (task, NULL);
}

static void
start_crypto (GTask    *task,
              Wrapping *stored)
{
  VaultOp *op = g_task_get_task_data (task);
  CryptoJob *job = g_new0 (CryptoJob, 1);
  g_autoptr(GTask) job_task = g_task_new (g_task_get_source_object (task), NULL,
                                          on_crypto_done, task);

  job->wrapping = stored;
  if (op->mode == MODE_SETUP)
    {
      job->data_key = tw_secret_new (WALLET_VAULT_KEY_SIZE);
      tw_random_bytes (tw_secret_get_data (job->data_key), WALLET_VAULT_KEY_SIZE);
      job->new_passcode = tw_secret_ref (op->passcode);
    }
  else
    {
      job->passcode = tw_secret_ref (op->passcode);
      if (op->mode == MODE_CHANGE)
        job->new_passcode = tw_secret_ref (op->new_passcode);
    }
  g_task_set_task_data (job_task, job, (GDestroyNotify) crypto_job_free);
  g_task_run_in_thread (job_task, run_crypto_job);
}

/* No wrapped key in the keyring: only setup may go on. */
static void
continue_without_wrapping (GTask *task)
{
  WalletVault *self = g_task_get_source_object (task);
  VaultOp *op = g_task_get_task_data (task);

  set_state (self, WALLET_VAULT_STATE_NO_PASSCODE);
  if (op->mode == MODE_SETUP)
    start_crypto (task, NULL);
  else if (op->mode == MODE_LOAD)
    finish_op (task, NULL);
  else
    finish_op (task, g_error_new_literal (WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_NOT_SET_UP,
                                          _("This wallet has no passcode yet. Set one up "
                                            "first.")));
}

/* A wrapped key exists: check the wait here at once, then again with the
 * passcode in the worker (check_passcode()). */
static void
continue_with_wrapping (GTask    *task,
                        Wrapping *wrapping)
{
  WalletVault *self = g_task_get_source_object (task);
  VaultOp *op = g_task_get_task_data (task);
  g_autoptr(Wrapping) owned = wrapping;

  if (self->state != WALLET_VAULT_STATE_UNLOCKED)
    set_state (self, WALLET_VAULT_STATE_LOCKED);
  read_attempts (self);

  if (op->mode == MODE_LOAD)
    finish_op (task, NULL);
  else if (op->mode == MODE_SETUP)
    finish_op (task, g_error_new_literal (WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_ALREADY_SET_UP,
                                          _("This wallet has a passcode already. Change it "
                                            "instead.")));
  else if (wallet_vault_get_retry_wait_seconds (self) > 0)
    finish_op (task, throttled_error (self, WALLET_VAULT_ERROR_THROTTLED));
  else
    start_crypto (task, g_steal_pointer (&owned));
}

static void
on_wrapping_loaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) stored = wallet_keyring_load_finish (WALLET_KEYRING (source), result,
                                                          &error);
  Wrapping *wrapping;

  if (g_error_matches (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      continue_without_wrapping (task);
      return;
    }
  if (stored == NULL || (wrapping = wrapping_from_json (stored, &error)) == NULL)
    {
      finish_op (task, error);
      return;
    }
  continue_with_wrapping (task, wrapping);
}

/* An empty passcode is nobody's passcode (a stray Enter, an empty line on
 * standard input): it is refused before anything is checked, so it is not
 * counted as a wrong try and does not make the next wait longer (QA H12). */
static gboolean
passcode_was_typed (Mode       mode,
                    TwSecret  *passcode,
                    GError   **error)
{
  if ((mode != MODE_UNLOCK && mode != MODE_VERIFY && mode != MODE_CHANGE) ||
      passcode == NULL || tw_secret_get_size (passcode) > 0)
    return TRUE;

  g_set_error_literal (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_NOTHING_TYPED,
                       _("No passcode was typed. Type the wallet passcode; an empty one "
                         "does not count as a try."));
  return FALSE;
}

static void
start_op (WalletVault         *self,
          Mode                 mode,
          TwSecret            *passcode,
          TwSecret            *new_passcode,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  VaultOp *op = g_new0 (VaultOp, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  op->mode = mode;
  op->passcode = passcode != NULL ? tw_secret_ref (passcode) : NULL;
  op->new_passcode = new_passcode != NULL ? tw_secret_ref (new_passcode) : NULL;
  g_task_set_task_data (task, op, (GDestroyNotify) vault_op_free);

  if ((mode == MODE_SETUP && !passcode_is_strong_enough (passcode, &error)) ||
      (mode == MODE_CHANGE && !passcode_is_strong_enough (new_passcode, &error)) ||
      !passcode_was_typed (mode, passcode, &error))
    {
      finish_op (task, error);
      return;
    }
  if (mode == MODE_UNLOCK && self->state == WALLET_VAULT_STATE_UNLOCKED)
    {
      finish_op (task, NULL);
      return;
    }
  wallet_keyring_load_async (self->keyring, WALLET_ITEM_VAULT, WALLET_VAULT_ID_DATA_KEY,
                             cancellable, on_wrapping_loaded, task);
}

static gboolean
finish_common (WalletVault   *self,
               GAsyncResult  *result,
               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wallet_vault_load_async (WalletVault         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (WALLET_IS_VAULT (self));
  start_op (self, MODE_LOAD, NULL, NULL, cancellable, callback, user_data,
            wallet_vault_load_async);
}

gboolean
wallet_vault_load_finish (WalletVault   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return finish_common (self, result, error);
}

void
wallet_vault_setup_async (WalletVault         *self,
                          TwSecret            *passcode,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (WALLET_IS_VAULT (self));
  g_return_if_fail (passcode != NULL);
  start_op (self, MODE_SETUP, passcode, NULL, cancellable, callback, user_data,
            wallet_vault_setup_async);
}

gboolean
wallet_vault_setup_finish (WalletVault   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_common (self, result, error);
}

void
wallet_vault_unlock_async (WalletVault         *self,
                           TwSecret            *passcode,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (WALLET_IS_VAULT (self));
  g_return_if_fail (passcode != NULL);
  start_op (self, MODE_UNLOCK, passcode, NULL, cancellable, callback, user_data,
            wallet_vault_unlock_async);
}

gboolean
wallet_vault_unlock_finish (WalletVault   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return finish_common (self, result, error);
}

void
wallet_vault_verify_passcode_async (WalletVault         *self,
                                    TwSecret            *passcode,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (WALLET_IS_VAULT (self));
  g_return_if_fail (passcode != NULL);
  start_op (self, MODE_VERIFY, passcode, NULL, cancellable, callback, user_data,
            wallet_vault_verify_passcode_async);
}

gboolean
wallet_vault_verify_passcode_finish (WalletVault   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return finish_common (self, result, error);
}

void
wallet_vault_change_passcode_async (WalletVault         *self,
                                    TwSecret            *old_passcode,
                                    TwSecret            *new_passcode,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (WALLET_IS_VAULT (self));
  g_return_if_fail (old_passcode != NULL && new_passcode != NULL);
  start_op (self, MODE_CHANGE, old_passcode, new_passcode, cancellable, callback, user_data,
            wallet_vault_change_passcode_async);
}

gboolean
wallet_vault_change_passcode_finish (WalletVault   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return finish_common (self, result, error);
}

/* ------------------------------------------------------------------ */
/* Sealing                                                             */
/* ------------------------------------------------------------------ */

static char *
seal_label (const char *context)
{
  return g_strconcat (SEAL_LABEL, context, NULL);
}

static gboolean
check_unlocked (WalletVault  *self,
                GError      **error)
{
  if (self->state == WALLET_VAULT_STATE_UNLOCKED)
    return TRUE;
  g_set_error_literal (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                       _("The wallet is locked. Unlock it with your passcode first."));
  return FALSE;
}

GBytes *
wallet_vault_seal (WalletVault  *self,
                   const char   *context,
                   TwSecret     *plaintext,
                   GError      **error)
{
  g_autofree char *label = NULL;
  g_autoptr(GBytes) sealed = NULL;
  gsize size;
  const guint8 *data;
  guint8 *out;

  g_return_val_if_fail (WALLET_IS_VAULT (self), NULL);
  g_return_val_if_fail (context != NULL && plaintext != NULL, NULL);

  if (!check_unlocked (self, error))
    return NULL;
  label = seal_label (context);
  sealed = tw_aes_gcm_seal (tw_secret_get_data (self->data_key), WALLET_VAULT_KEY_SIZE,
                            label, strlen (label), tw_secret_get_data (plaintext),
                            tw_secret_get_size (plaintext), error);
  if (sealed == NULL)
    return NULL;

  /* A version byte first, so the format can change later. */
  data = g_bytes_get_data (sealed, &size);
  out = g_malloc (size + 1);
  out[0] = SEAL_VERSION;
  memcpy (out + 1, data, size);
  return g_bytes_new_take (out, size + 1);
}

TwSecret *
wallet_vault_open (WalletVault  *self,
                   const char   *context,
                   GBytes       *sealed,
                   GError      **error)
{
  g_autofree char *label = NULL;
  const guint8 *data;
  gsize size;
  TwSecret *plaintext;

  g_return_val_if_fail (WALLET_IS_VAULT (self), NULL);
  g_return_val_if_fail (context != NULL && sealed != NULL, NULL);

  if (!check_unlocked (self, error))
    return NULL;
  data = g_bytes_get_data (sealed, &size);
  label = seal_label (context);
  plaintext = size > 1 && data[0] == SEAL_VERSION
                ? tw_aes_gcm_open (tw_secret_get_data (self->data_key), WALLET_VAULT_KEY_SIZE,
                                   label, strlen (label), data + 1, size - 1, NULL)
                : NULL;
  if (plaintext == NULL)
    g_set_error_literal (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_DAMAGED,
                         _("An item in the keyring was changed outside Tigress Wallet, or "
                           "belongs to another wallet, and cannot be opened."));
  return plaintext;
}
