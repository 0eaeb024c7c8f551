/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-notify.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

static GSocketAddress *
notify_address (const char *name)
{
  /* A leading '@' stands for the NUL byte that starts an abstract name. */
  if (name[0] == '@')
    return g_unix_socket_address_new_with_type (name + 1, -1,
                                                G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  return g_unix_socket_address_new (name);
}

void
relay_notify_service_manager (const char *state)
{
  const char *name = g_getenv ("NOTIFY_SOCKET");
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  if (name == NULL || (name[0] != '/' && name[0] != '@'))
    return;

  address = notify_address (name);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, &error);
  if (socket == NULL ||
      g_socket_send_to (socket, address, state, strlen (state), NULL, &error) < 0)
    g_warning ("Could not tell the service manager \"%s\" through %s: %s",
               state, name, error->message);
}
