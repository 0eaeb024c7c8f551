/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-keyring-portal.h"
#include "wallet-keyring-backend.h"
#include "wallet-keyring-file-lock.h"

#include <glib/gi18n.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <libsecret/secret.h>
#include <unistd.h>

#define PORTAL_BUS_NAME      "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH   "/org/freedesktop/portal/desktop"
#define PORTAL_SECRET_IFACE  "org.freedesktop.portal.Secret"
#define CONTENT_TYPE         "application/octet-stream"
/* Our own timer bounds every call; GDBus's default 25 s must not cut in. */
#define DBUS_NO_TIMEOUT      G_MAXINT

struct _WalletKeyringPortal
{
  GObject   parent_instance;

  guint     timeout_ms;
  gboolean  sandboxed;
  gboolean  portal_seen;  /* the portal answered once: no need to ask again */
};

G_DEFINE_TYPE (WalletKeyringPortal, wallet_keyring_portal, G_TYPE_OBJECT)

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static GError *
keyring_error (WalletKeyringError code)
{
  return wallet_keyring_error_new (WALLET_KEYRING_BACKEND_PORTAL, code);
}

static gboolean
is_missing_portal (const GError *raw)
{
  /* Nobody owns the portal's name, it cannot be started, or it lacks the
   * Secret interface (too old, or no backend implements it). A Secret
   * Service error here means libsecret fell back to it for want of a
   * portal, and the sandbox hides that service. */
  return wallet_keyring_raw_is_name_missing (raw) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
         wallet_keyring_raw_says (raw, "org.freedesktop.secrets");
}

static gboolean
is_unreadable_file (const GError *raw)
{
  return g_error_matches (raw, SECRET_ERROR, SECRET_ERROR_INVALID_FILE_FORMAT) ||
         g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_INVALID_DATA) ||
         g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
         g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY) ||
         g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE) ||
         g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY) ||
         g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
         g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_READ_ONLY) ||
         raw->domain == G_FILE_ERROR;
}

static GError *
outside_flatpak_error (void)
{
  return g_error_new_literal (WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_PORTAL,
                              _("Tigress Wallet uses the secret portal only inside "
                                "Flatpak. Unset TIGRESS_KEYRING (or set it to “service”) "
                                "to keep its items in your keyring."));
}

GError *
wallet_keyring_portal_error_from_raw (const GError *raw)
{
  g_return_val_if_fail (raw != NULL, NULL);

  if (raw->domain == WALLET_KEYRING_ERROR)
    return g_error_copy (raw);
  if (wallet_keyring_raw_is_timeout (raw))
    return keyring_error (WALLET_KEYRING_ERROR_TIMEOUT);
  if (wallet_keyring_raw_is_no_bus (raw))
    return keyring_error (WALLET_KEYRING_ERROR_NO_BUS);
  if (is_missing_portal (raw))
    return keyring_error (WALLET_KEYRING_ERROR_NO_PORTAL);
  /* libsecret outside a sandbox: it does not ask the portal at all. */
  if (wallet_keyring_raw_says (raw, "not retrievable"))
    return outside_flatpak_error ();
  /* The portal's answer carried no key: its request was cancelled
   * (libsecret passes that on as G_IO_ERROR_CANCELLED, and never gets a
   * cancellable of ours), failed, or handed over something else. */
  if (g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (raw, SECRET_ERROR, SECRET_ERROR_PROTOCOL) ||
      wallet_keyring_raw_says (raw, "user interaction"))
    return keyring_error (WALLET_KEYRING_ERROR_PORTAL_REFUSED);
  /* libsecret refuses to write over a file that changed since it read it:
   * written by a program that does not take our lock, even after the file
   * was read again (see retry_after_change()). */
  if (g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG))
    return keyring_error (WALLET_KEYRING_ERROR_FILE_CHANGED);
  if (is_unreadable_file (raw))
    return keyring_error (WALLET_KEYRING_ERROR_FILE_UNREADABLE);
  return keyring_error (WALLET_KEYRING_ERROR_FAILED);
}

/* ------------------------------------------------------------------ */
/* The object                                                          */
/* ------------------------------------------------------------------ */

static void
wallet_keyring_portal_class_init (WalletKeyringPortalClass *klass)
{
}

static void
wallet_keyring_portal_init (WalletKeyringPortal *self)
{
  self->timeout_ms = WALLET_KEYRING_DEFAULT_TIMEOUT_MS;
}

WalletKeyringPortal *
wallet_keyring_portal_new (gboolean sandboxed)
{
  WalletKeyringPortal *self = g_object_new (WALLET_TYPE_KEYRING_PORTAL, NULL);

  self->sandboxed = sandboxed;
  return self;
}

void
wallet_keyring_portal_set_timeout (WalletKeyringPortal *self,
                                   guint                timeout_ms)
{
  g_return_if_fail (WALLET_IS_KEYRING_PORTAL (self));
  g_return_if_fail (timeout_ms > 0);
  self->timeout_ms = timeout_ms;
}

/* ------------------------------------------------------------------ */
/* One call: its task, its timer, its place in the line                */
/* ------------------------------------------------------------------ */

/* Lives as long as anything may still answer it. The task is answered
 * once, by whichever comes first: libsecret, the timer or the caller's
 * cancel. libsecret never gets a cancellable: cancelling its wait for the
 * portal deadlocks in libsecret 0.20.5 (it disconnects from the
 * cancellable inside that cancellable's own handler), and a libsecret call
 * we stop waiting for is left to finish on its own. */
typedef struct {
  grefcount             refs;
  WalletKeyringPortal  *portal;
  GMainContext         *context;
  WalletKeyringCall     call;
  WalletItemKind        kind;
  char                 *id;
  char                 *type;
  char                 *label;
  GBytes               *payload;
  GTask                *task;              /* NULL once answered */
  GCancellable         *cancellable;       /* for our own D-Bus calls only */
  GCancellable         *caller_cancellable;
  gulong                caller_handler;
  GSource              *timer;
  GSource              *nudge_timer;       /* first contact: when to wake libsecret */
  gboolean              nudged;            /* sent the portal our own request */
  int                   nudge_pipe;        /* its read end, or -1 */
  gboolean              released;          /* gave up its place in the line */
  GSource              *lock_retry;        /* another process has the file: try again */
  gboolean              reloaded;          /* read the file again after a failed write */
  GList                *found;             /* SecretRetrievable, searched */
  GList                *next_found;        /* the next one to read */
  GPtrArray            *items;             /* WalletKeyringItem, read */
} Call;

static Call *
call_ref (Call *call)
{
  g_ref_count_inc (&call->refs);
  return call;
}

static void
call_unref (Call *call)
{
  if (!g_ref_count_dec (&call->refs))
    return;
  g_assert (call->task == NULL);
  if (call->nudge_pipe >= 0)
    close (call->nudge_pipe);
  g_clear_object (&call->portal);
  g_main_context_unref (call->context);
  g_clear_object (&call->cancellable);
  g_clear_pointer (&call->payload, g_bytes_unref);
  g_list_free_full (call->found, g_object_unref);
  g_clear_pointer (&call->items, g_ptr_array_unref);
  g_free (call->id);
  g_free (call->type);
  g_free (call->label);
  g_free (call);
}

/* What an asynchronous request carries back. */
typedef struct {
  Call  *call;
} Pending;

static Pending *
pending_new (Call *call)
{
  Pending *pending = g_new (Pending, 1);

  pending->call = call_ref (call);
  return pending;
}

static void
pending_free (Pending *pending)
{
  call_unref (pending->call);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

/* Whether this answer still matters: if the timer or the caller answered
 * the call already, the answer is dropped. */
static gboolean
pending_is_current (Pending *pending)
{
  return pending->call->task != NULL;
}

/* Set once libsecret has answered anything in this process. */
static gboolean libsecret_answered;

/* One call at a time, in the order they came: libsecret's file backend
 * rewrites its one file on every change and is not safe for calls that
 * overlap (measured: six stores at once all reported success and left one
 * item; others failed with "The file was externally modified"). Its
 * backend is one per process, so the line is too. */
static GQueue  waiting = G_QUEUE_INIT;
static Call   *running;

static void lock_then_dispatch (Call *call);
static void start_timer (Call *call);

static void
run_next (void)
{
  while (running == NULL && !g_queue_is_empty (&waiting))
    {
      Call *call = g_queue_pop_head (&waiting);

      /* Timed out or cancelled while waiting: nothing left to do. */
      if (call->task == NULL)
        {
          call->released = TRUE;
          call_unref (call);
          continue;
        }
      running = call;
      /* The timer starts with the call's turn, so a call waiting behind
       * a slow first contact with the portal is not cut off meanwhile. */
      start_timer (call);
      lock_then_dispatch (call);
    }
}

/* The call is answered: the next may go, even if libsecret is still busy
 * with this one (it hangs now and then waiting for the portal). */
static void
call_release (Call *call)
{
  if (call->released)
    return;
  call->released = TRUE;
  if (running == call)
    {
      wallet_keyring_file_unlock ();
      running = NULL;
      call_unref (call);
      run_next ();
    }
  /* Otherwise it is still in the line, which drops it when its turn
   * comes. */
}

/* Stops the timer and forgets the caller's cancellable; returns the task
 * to answer, or NULL when it was answered already. */
static GTask *
call_take_task (Call *call)
{
  if (call->timer != NULL)
    {
      g_source_destroy (call->timer);
      g_clear_pointer (&call->timer, g_source_unref);
    }
  if (call->nudge_timer != NULL)
    {
      g_source_destroy (call->nudge_timer);
      g_clear_pointer (&call->nudge_timer, g_source_unref);
    }
  if (call->caller_handler != 0)
    g_cancellable_disconnect (call->caller_cancellable, call->caller_handler);
  call->caller_handler = 0;
  g_clear_object (&call->caller_cancellable);
  return g_steal_pointer (&call->task);
}

static void
call_return_error (Call   *call,
                   GError *error)
{
  g_autoptr(GTask) task = call_take_task (call);

  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
  call_release (call);
}

static void
call_return_boolean (Call *call)
{
  g_autoptr(GTask) task = call_take_task (call);

  if (task != NULL)
    g_task_return_boolean (task, TRUE);
  call_release (call);
}

/* Every failure from libsecret or the bus comes through here. */
static void
call_fail (Call   *call,
           GError *raw)
{
  g_autoptr(GError) owned = raw;

  g_debug ("A keyring file call failed (%s, %s %d)", owned->message,
           g_quark_to_string (owned->domain), owned->code);
  call_return_error (call, wallet_keyring_portal_error_from_raw (owned));
}

/* When the portal never answered this process, the calls waiting behind
 * one that timed out would each wait out the same silence: they fail with
 * it at once. */
static void
fail_waiting (WalletKeyringError code)
{
  GList *waiting_calls = g_list_copy (waiting.head);

  for (GList *l = waiting_calls; l != NULL; l = l->next)
    {
      Call *call = l->data;

      if (call->task != NULL)
        call_return_error (call, keyring_error (code));
    }
  g_list_free (waiting_calls);
}

static void
on_nudged (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  /* Only held, and freed on return: it keeps the call, and the pipe the
   * call holds open for the portal's write, alive until the answer. */
  g_autoptr(Pending) pending G_GNUC_UNUSED = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  /* Its answer matters only as the signal it makes; the secret it carries
   * is never read. */
  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), NULL,
                                                           result, &error);
  if (reply == NULL)
    g_debug ("The nudge to the portal failed: %s", error->message);
}

static void
nudge_portal (Call *call)
{
  /* The session bus is open already (the portal check used it), so this
   * does not wait; and it must be libsecret's connection for the answer
   * to reach libsecret. */
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GUnixFDList) fds = NULL;
  int pipe_ends[2];
  int index;

  if (bus == NULL || !g_unix_open_pipe (pipe_ends, FD_CLOEXEC, NULL))
    return;
  fds = g_unix_fd_list_new ();
  index = g_unix_fd_list_append (fds, pipe_ends[1], NULL);
  close (pipe_ends[1]);
  /* Kept open until the call ends, so the portal's write does not fail. */
  call->nudge_pipe = pipe_ends[0];
  g_dbus_connection_call_with_unix_fd_list (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                                            PORTAL_SECRET_IFACE, "RetrieveSecret",
                                            g_variant_new ("(ha{sv})", index, NULL),
                                            G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE,
                                            DBUS_NO_TIMEOUT, fds, call->cancellable,
                                            on_nudged, pending_new (call));
}

static gboolean
on_nudge_due (gpointer user_data)
{
  Call *call = user_data;

  g_clear_pointer (&call->nudge_timer, g_source_unref);
  g_debug ("The keyring file did not open yet; nudging the portal");
  nudge_portal (call);
  return G_SOURCE_REMOVE;
}

/* libsecret 0.20.5 listens for the portal's answer only once its request
 * call has returned; when the answer comes first (the portal often answers
 * within a few milliseconds) it waits for ever. Our own request to the
 * portal, from the same connection and without a handle token, gets the
 * same request path, and its answer wakes libsecret. Sent only on a
 * process's first contact, and only if that is slow (not tested: an unlock
 * prompt of the keyring behind the portal, which might ask twice). */
#define NUDGE_AFTER_MS 2000

static void
schedule_nudge (Call *call)
{
  if (libsecret_answered || call->nudged ||
      g_getenv ("SECRET_FILE_TEST_PASSWORD") != NULL)
    return;
  call->nudged = TRUE;
  call->nudge_timer = g_timeout_source_new (NUDGE_AFTER_MS);
  g_source_set_callback (call->nudge_timer, on_nudge_due, call, NULL);
  g_source_attach (call->nudge_timer, call->context);
}

static gboolean
on_timeout (gpointer user_data)
{
  Call *call = user_data;

  g_clear_pointer (&call->timer, g_source_unref);
  g_cancellable_cancel (call->cancellable);
  if (!libsecret_answered)
    fail_waiting (WALLET_KEYRING_ERROR_TIMEOUT);
  call_return_error (call, keyring_error (WALLET_KEYRING_ERROR_TIMEOUT));
  return G_SOURCE_REMOVE;
}

static void
start_timer (Call *call)
{
  call->timer = wallet_keyring_call_timer_new (call->call, call->portal->timeout_ms, on_timeout,
                                               call, call->context);
}

static gboolean
on_cancelled_idle (gpointer user_data)
{
  Call *call = user_data;

  if (call->task != NULL)
    {
      g_cancellable_cancel (call->cancellable);
      call_return_error (call, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                    "Operation was cancelled"));
    }
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GSource) idle = g_idle_source_new ();

  /* Answered from the call's own context, never from inside this handler
   * (disconnecting from a cancellable inside its handler deadlocks). */
  g_source_set_callback (idle, on_cancelled_idle, call_ref (call),
                         (GDestroyNotify) call_unref);
  g_source_attach (idle, call->context);
}

static Call *
call_new (WalletKeyringPortal        *self,
          gpointer                    owner,
          const WalletKeyringRequest *request,
          GCancellable               *cancellable,
          GAsyncReadyCallback         callback,
          gpointer                    user_data)
{
  Call *call = g_new0 (Call, 1);

  g_ref_count_init (&call->refs);
  call->portal = g_object_ref (self);
  call->context = g_main_context_ref_thread_default ();
  call->call = request->call;
  call->kind = request->kind;
  call->id = g_strdup (request->id);
  call->type = g_strdup (request->type);
  call->label = g_strdup (request->label);
  if (request->secret != NULL)
    call->payload = g_bytes_ref (request->secret);
  call->nudge_pipe = -1;
  call->task = g_task_new (owner, cancellable, callback, user_data);
  g_task_set_source_tag (call->task, request->source_tag);
  call->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      call->caller_cancellable = g_object_ref (cancellable);
      call->caller_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (on_caller_cancelled),
                                                    call_ref (call),
                                                    (GDestroyNotify) call_unref);
    }
  return call;
}

/* libsecret's file backend (0.20.5) neither stores nor matches the
 * schema's name by itself, unlike the Secret Service: without it, a search
 * for credentials would find the vault's item and a delete could remove an
 * item of another kind with the same id. So every call names the schema. */
static GHashTable *
call_attributes (Call *call)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "xdg:schema",
                       (gpointer) wallet_item_kind_get_schema (call->kind));
  if (call->id != NULL)
    g_hash_table_insert (attributes, (gpointer) WALLET_ATTRIBUTE_ID, call->id);
  return attributes;
}

/* ------------------------------------------------------------------ */
/* Reading: search, then each item's secret in turn                    */
/* ------------------------------------------------------------------ */

static void read_next (Call *call);
static void finish_read (Call *call);

/* Ours: an item of this call's kind, with our id attribute (and the id
 * asked for, if any). */
static gboolean
is_wanted (Call       *call,
           GHashTable *attributes)
{
  const char *id = g_hash_table_lookup (attributes, WALLET_ATTRIBUTE_ID);

  return id != NULL && (call->id == NULL || g_str_equal (id, call->id)) &&
         g_strcmp0 (g_hash_table_lookup (attributes, "xdg:schema"),
                    wallet_item_kind_get_schema (call->kind)) == 0;
}

static void
on_secret_retrieved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  Call *call = pending->call;
  SecretRetrievable *retrievable = SECRET_RETRIEVABLE (source);
  GError *error = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  WalletKeyringItem *item;
  gsize size;
  const char *data;

  value = secret_retrievable_retrieve_secret_finish (retrievable, result, &error);
  if (!pending_is_current (pending))
    {
      g_clear_error (&error);
      return;
    }
  if (value == NULL)
    {
      call_fail (call, error != NULL ? error : keyring_error (WALLET_KEYRING_ERROR_FAILED));
      return;
    }
  attributes = secret_retrievable_get_attributes (retrievable);
  if (is_wanted (call, attributes))
    {
      data = secret_value_get (value, &size);
      item = g_new0 (WalletKeyringItem, 1);
      item->id = g_strdup (g_hash_table_lookup (attributes, WALLET_ATTRIBUTE_ID));
      item->type = g_strdup (g_hash_table_lookup (attributes, WALLET_ATTRIBUTE_TYPE));
      item->secret = g_bytes_new (data, size);
      g_ptr_array_add (call->items, item);
    }
  read_next (call);
}

static void
read_next (Call *call)
{
  SecretRetrievable *retrievable;

  if (call->next_found == NULL)
    {
      finish_read (call);
      return;
    }
  retrievable = call->next_found->data;
  call->next_found = call->next_found->next;
  secret_retrievable_retrieve_secret (retrievable, NULL, on_secret_retrieved,
                                      pending_new (call));
}

static void
on_searched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  Call *call = pending->call;
  GError *error = NULL;
  GList *found = secret_password_search_finish (result, &error);

  if (!pending_is_current (pending))
    {
      g_list_free_full (found, g_object_unref);
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    {
      g_list_free_full (found, g_object_unref);
      call_fail (call, error);
      return;
    }
  libsecret_answered = TRUE;
  g_list_free_full (call->found, g_object_unref);
  call->found = found;
  call->next_found = found;
  g_clear_pointer (&call->items, g_ptr_array_unref);
  call->items = g_ptr_array_new_with_free_func ((GDestroyNotify) wallet_keyring_item_free);
  read_next (call);
}

static void
search (Call *call)
{
  g_autoptr(GHashTable) attributes = call_attributes (call);

  secret_password_searchv (wallet_keyring_schema (call->kind), attributes,
                           SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                           NULL, on_searched, pending_new (call));
}

static void
finish_read (Call *call)
{
  g_autoptr(GTask) task = call_take_task (call);

  if (task != NULL)
    wallet_keyring_return_read (task, call->call, g_steal_pointer (&call->items), call->payload,
                                call->type, WALLET_KEYRING_BACKEND_PORTAL);
  call_release (call);
}

/* ------------------------------------------------------------------ */
/* Writing and deleting                                                */
/* ------------------------------------------------------------------ */

static void dispatch (Call *call);

/* libsecret reads the file once, when it makes its file backend. Dropping
 * that backend makes the next call read the file again, and ask the
 * portal for its key again, as on a first contact. */
static void
reload_file (void)
{
  g_debug ("The keyring file changed since this process used it; reading it again");
  secret_service_disconnect ();
  libsecret_answered = FALSE;
}

/* A program that writes the file without our lock (an older Tigress
 * Wallet) can still change it between our look and libsecret's write:
 * read it again and repeat the write once. Takes @error when it retries. */
static gboolean
retry_after_change (Call   *call,
                    GError *error)
{
  if (call->reloaded || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG))
    return FALSE;
  g_error_free (error);
  call->reloaded = TRUE;
  reload_file ();
  dispatch (call);
  return TRUE;
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  GError *error = NULL;
  gboolean stored = secret_password_store_finish (result, &error);

  if (!pending_is_current (pending))
    {
      g_clear_error (&error);
      return;
    }
  if (!stored && retry_after_change (pending->call, error))
    return;
  if (!stored)
    {
      call_fail (pending->call,
                 error != NULL ? error : keyring_error (WALLET_KEYRING_ERROR_FAILED));
      return;
    }
  libsecret_answered = TRUE;
  search (pending->call);
}

static void
store (Call *call)
{
  g_autoptr(GHashTable) attributes = call_attributes (call);
  g_autoptr(SecretValue) value =
    secret_value_new (g_bytes_get_data (call->payload, NULL), g_bytes_get_size (call->payload),
                      CONTENT_TYPE);

  if (call->type != NULL)
    g_hash_table_insert (attributes, (gpointer) WALLET_ATTRIBUTE_TYPE, call->type);
  secret_password_storev_binary (wallet_keyring_schema (call->kind), attributes,
                                 SECRET_COLLECTION_DEFAULT, call->label, value, NULL, on_stored,
                                 pending_new (call));
}

static void
on_cleared (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  GError *error = NULL;

  /* FALSE without an error: there was nothing to delete. The file has no
   * locked items, so that is the truth (unlike a locked Secret Service
   * collection, which the other backend must unlock first). */
  secret_password_clear_finish (result, &error);
  if (!pending_is_current (pending))
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL && retry_after_change (pending->call, error))
    return;
  if (error != NULL)
    {
      call_fail (pending->call, error);
      return;
    }
  libsecret_answered = TRUE;
  call_return_boolean (pending->call);
}

static void
clear (Call *call)
{
  g_autoptr(GHashTable) attributes = call_attributes (call);

  secret_password_clearv (wallet_keyring_schema (call->kind), attributes, NULL, on_cleared,
                          pending_new (call));
}

static void
dispatch (Call *call)
{
  schedule_nudge (call);
  switch (call->call)
    {
    case WALLET_KEYRING_CALL_STORE:
      store (call);
      break;
    case WALLET_KEYRING_CALL_DELETE:
      clear (call);
      break;
    case WALLET_KEYRING_CALL_LOAD:
    case WALLET_KEYRING_CALL_LOAD_ALL:
    default:
      search (call);
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Asking the portal first                                             */
/* ------------------------------------------------------------------ */

static void
on_portal_version (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (!pending_is_current (pending))
    {
      g_clear_error (&error);
      return;
    }
  if (reply == NULL)
    {
      call_fail (pending->call, error);
      return;
    }
  pending->call->portal->portal_seen = TRUE;
  dispatch (pending->call);
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  GError *error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);

  if (!pending_is_current (pending))
    {
      g_clear_error (&error);
      return;
    }
  if (bus == NULL)
    {
      call_fail (pending->call, error);
      return;
    }
  /* The same question libsecret asks (synchronously) before it picks its
   * file backend; asked here first, without blocking, it turns a missing
   * portal into a clear error. */
  g_dbus_connection_call (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", PORTAL_SECRET_IFACE, "version"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, DBUS_NO_TIMEOUT,
                          pending->call->cancellable, on_portal_version,
                          pending_new (pending->call));
}

/* Outside Flatpak libsecret uses its file backend only when told to with
 * SECRET_BACKEND=file (otherwise it would quietly talk to the Secret
 * Service), and even then it does not ask the portal: it has a key only
 * with its test hook SECRET_FILE_TEST_PASSWORD. */
static gboolean
file_backend_selected (WalletKeyringPortal *self)
{
  return self->sandboxed || g_strcmp0 (g_getenv ("SECRET_BACKEND"), "file") == 0;
}

static void
dispatch_first (Call *call)
{
  /* libsecret's test hook keys the file with a password from the
   * environment and never asks the portal. */
  if (call->portal->portal_seen || g_getenv ("SECRET_FILE_TEST_PASSWORD") != NULL)
    {
      dispatch (call);
      return;
    }
  g_bus_get (G_BUS_TYPE_SESSION, call->cancellable, on_bus, pending_new (call));
}

/* How often a call looks again whether another process gave the file's
 * lock back; its timer still bounds the whole wait. */
#define LOCK_RETRY_MS 20

static gboolean
on_lock_retry (gpointer user_data)
{
  Call *call = user_data;

  g_clear_pointer (&call->lock_retry, g_source_unref);
  if (call->task != NULL && running == call)
    lock_then_dispatch (call);
  return G_SOURCE_REMOVE;
}

/* Every call, reads included, holds the file's lock from its turn to its
 * answer, so another process of the app never writes in between; and a
 * file another process wrote meanwhile is read again first, so its items
 * are seen and libsecret does not refuse to write over it. */
static void
lock_then_dispatch (Call *call)
{
  GError *error = NULL;

  switch (wallet_keyring_file_try_lock (&error))
    {
    case WALLET_KEYRING_FILE_LOCKED:
      if (wallet_keyring_file_changed ())
        reload_file ();
      dispatch_first (call);
      break;
    case WALLET_KEYRING_FILE_BUSY:
      call->lock_retry = g_timeout_source_new (LOCK_RETRY_MS);
      g_source_set_callback (call->lock_retry, on_lock_retry, call_ref (call),
                             (GDestroyNotify) call_unref);
      g_source_attach (call->lock_retry, call->context);
      break;
    case WALLET_KEYRING_FILE_LOCK_FAILED:
    default:
      call_fail (call, error);
      break;
    }
}

/* Takes over @call's first reference. */
static void
call_start (Call *call)
{
  if (!file_backend_selected (call->portal))
    {
      call_return_error (call, outside_flatpak_error ());
      call_unref (call);
      return;
    }
  g_queue_push_tail (&waiting, call);
  run_next ();
}

/* ------------------------------------------------------------------ */
/* Entry point (WalletKeyring checked the arguments)                   */
/* ------------------------------------------------------------------ */

void
wallet_keyring_portal_call_async (WalletKeyringPortal        *self,
                                  gpointer                    owner,
                                  const WalletKeyringRequest *request,
                                  GCancellable               *cancellable,
                                  GAsyncReadyCallback         callback,
                                  gpointer                    user_data)
{
  g_return_if_fail (WALLET_IS_KEYRING_PORTAL (self));
  call_start (call_new (self, owner, request, cancellable, callback, user_data));
}
