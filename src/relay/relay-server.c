/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-server.h"

#include <errno.h>
#include <sys/socket.h>
#include <string.h>

#include "relay-http-loop.h"
#include "relay-http-tls.h"

/*
 * RelayServer on the relay's own HTTP/1.1 engine (relay-http-loop.c,
 * relay-http-conn.c, relay-http-parser.c, relay-http-tls.c): one epoll
 * loop per worker thread, each accepting on its own SO_REUSEPORT socket.
 */

#define LISTEN_BACKLOG 1024

typedef struct {
  gboolean       admin;
  GPtrArray     *sockets;      /* listening GSocket, bound before the thread starts */
  RelayHttpLoop *loop;
} Worker;

struct _RelayServer
{
  GObject              parent_instance;

  const RelayConfig   *config;
  RelayHandler        *handler;
  RelayHttpTls        *tls;
  GPtrArray           *workers;         /* Worker; the admin worker last */
  GPtrArray           *bound_addresses; /* GInetSocketAddress, API, ports resolved */
  GSocketAddress      *admin_address;   /* resolved, or NULL */
  guint                sweep_source;
};

G_DEFINE_FINAL_TYPE (RelayServer, relay_server, G_TYPE_OBJECT)

static Worker *
worker_new (RelayServer *server,
            gboolean     admin)
{
  Worker *worker = g_new0 (Worker, 1);

  worker->admin = admin;
  worker->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  return worker;
}

static void
worker_free (Worker *worker)
{
  /* The loop goes first: it watches the sockets. */
  g_clear_pointer (&worker->loop, relay_http_loop_free);
  g_ptr_array_unref (worker->sockets);
  g_free (worker);
}

/* ------------------------------------------------------------------------ */
/* Sockets                                                                  */
/* ------------------------------------------------------------------------ */

/* g_socket_bind() switches SO_REUSEPORT off again for TCP sockets, so the
 * bind is done on the descriptor itself. */
static gboolean
bind_native (GSocket         *socket,
             GSocketAddress  *address,
             GError         **error)
{
  struct sockaddr_storage native;
  gssize size = g_socket_address_get_native_size (address);
  int saved_errno;

  if (size < 0 || !g_socket_address_to_native (address, &native, sizeof native, error))
    return FALSE;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native, size) == 0)
    return TRUE;

  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s", g_strerror (saved_errno));
  return FALSE;
}

static GSocket *
bind_socket (GSocketAddress  *address,
             GError         **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  /* Every worker binds its own socket to the same port; the kernel then
   * spreads new connections over them. The long backlog keeps a burst of
   * connections from stalling in SYN retries. */
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error) ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error) ||
      !bind_native (socket, address, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* Binds @text for @n_workers workers; the first bind fixes the port when
 * the configuration asked for any free port (0). */
static GSocketAddress *
bind_address (const char  *text,
              GPtrArray   *workers,
              guint        first_worker,
              guint        n_workers,
              GError     **error)
{
  g_autoptr(GSocketAddress) address = relay_config_parse_address (text, error);

  for (guint i = 0; address != NULL && i < n_workers; i++)
    {
      Worker *worker = g_ptr_array_index (workers, first_worker + i);
      GSocket *socket = bind_socket (address, error);

      if (socket == NULL)
        {
          g_prefix_error (error, "Could not listen on %s: ", text);
          return NULL;
        }
      g_ptr_array_add (worker->sockets, socket);
      if (i == 0)
        {
          g_object_unref (address);
          address = g_socket_get_local_address (socket, error);
        }
    }
  return g_steal_pointer (&address);
}

static gboolean
bind_all (RelayServer  *self,
          GError      **error)
{
  const RelayConfig *config = self->config;
  guint n_api = config->threads;

  for (guint i = 0; config->listen[i] != NULL; i++)
    {
      GSocketAddress *bound = bind_address (config->listen[i], self->workers, 0, n_api, error);

      if (bound == NULL)
        return FALSE;
      g_ptr_array_add (self->bound_addresses, bound);
    }
  if (config->admin_listen != NULL)
    {
      self->admin_address = bind_address (config->admin_listen, self->workers, n_api, 1,
                                          error);
      if (self->admin_address == NULL)
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Expiry sweep, on the caller's main context                               */
/* ------------------------------------------------------------------------ */

static gboolean
on_sweep (gpointer user_data)
{
  RelayServer *self = user_data;
  g_autoptr(GError) error = NULL;
  guint swept = 0;

  if (!relay_handler_sweep (self->handler, &swept, &error))
    g_warning ("Removing expired mailboxes failed, will retry: %s", error->message);
  else if (swept > 0)
    g_info ("Removed %u expired mailboxes", swept);
  relay_handler_prune_limits (self->handler);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_first_sweep (gpointer user_data)
{
  RelayServer *self = user_data;

  on_sweep (self);
  self->sweep_source = g_timeout_add_seconds (self->config->sweep_interval, on_sweep, self);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

RelayServer *
relay_server_new (const RelayConfig  *config,
                  RelayHandler       *handler,
                  GError            **error)
{
  g_autoptr(RelayServer) self = g_object_new (RELAY_TYPE_SERVER, NULL);

  self->config = config;
  self->handler = g_object_ref (handler);
  if (config->tls_cert != NULL)
    {
      self->tls = relay_http_tls_new (config->tls_cert, config->tls_key, error);
      if (self->tls == NULL)
        return NULL;
    }
  return g_steal_pointer (&self);
}

static gboolean
start_worker (RelayServer  *self,
              Worker       *worker,
              const char   *name,
              GError      **error)
{
  worker->loop = relay_http_loop_new (self->handler, self->config,
                                      worker->admin ? NULL : self->tls, worker->admin, error);
  if (worker->loop == NULL)
    return FALSE;
  for (guint i = 0; i < worker->sockets->len; i++)
    if (!relay_http_loop_add_listener (worker->loop,
                                       g_socket_get_fd (g_ptr_array_index (worker->sockets, i)),
                                       error))
      return FALSE;
  relay_http_loop_start (worker->loop, name);
  return TRUE;
}

static gboolean
start_workers (RelayServer  *self,
               GError      **error)
{
  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);
      g_autofree char *name = g_strdup_printf (worker->admin ? "relay-admin" : "relay-%u", i);

      if (!start_worker (self, worker, name, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
relay_server_start (RelayServer  *self,
                    GError      **error)
{
  const RelayConfig *config = self->config;

  for (guint i = 0; i < config->threads; i++)
    g_ptr_array_add (self->workers, worker_new (self, FALSE));
  if (config->admin_listen != NULL)
    g_ptr_array_add (self->workers, worker_new (self, TRUE));

  if (!bind_all (self, error) || !start_workers (self, error))
    {
      relay_server_stop (self);
      return FALSE;
    }

  /* The first sweep runs once serving has begun, not before: a relay that
   * was down for a while may find many mailboxes to remove. */
  self->sweep_source = g_timeout_add_seconds (MIN (config->sweep_interval, 1), on_first_sweep,
                                              self);
  return TRUE;
}

void
relay_server_stop (RelayServer *self)
{
  g_clear_handle_id (&self->sweep_source, g_source_remove);
  g_ptr_array_set_size (self->workers, 0);
}

static char *
address_uri (GSocketAddress *address,
             gboolean        https)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
  g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  gboolean v6 = g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6;

  return g_strdup_printf ("%s://%s%s%s:%u", https ? "https" : "http", v6 ? "[" : "", host,
                          v6 ? "]" : "", g_inet_socket_address_get_port (inet));
}

GStrv
relay_server_get_uris (RelayServer *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv uris;

  for (guint i = 0; i < self->bound_addresses->len; i++)
    {
      g_autofree char *uri = address_uri (g_ptr_array_index (self->bound_addresses, i),
                                          self->tls != NULL);

      g_strv_builder_add (builder, uri);
    }
  uris = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return uris;
}

char *
relay_server_get_admin_uri (RelayServer *self)
{
  return self->admin_address != NULL ? address_uri (self->admin_address, FALSE) : NULL;
}

static void
relay_server_finalize (GObject *object)
{
  RelayServer *self = RELAY_SERVER (object);

  relay_server_stop (self);
  g_ptr_array_unref (self->workers);
  g_ptr_array_unref (self->bound_addresses);
  g_clear_object (&self->admin_address);
  g_clear_pointer (&self->tls, relay_http_tls_free);
  g_clear_object (&self->handler);

  G_OBJECT_CLASS (relay_server_parent_class)->finalize (object);
}

static void
relay_server_class_init (RelayServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = relay_server_finalize;
}

static void
relay_server_init (RelayServer *self)
{
  self->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) worker_free);
  self->bound_addresses = g_ptr_array_new_with_free_func (g_object_unref);
}
