/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-store.h"
#include "relay-store-redis.h"
#include "relay-store-sqlite.h"

#include <string.h>

#include "relay-digest.h"
#include "tw-base64.h"
#include "tw-crypto.h"

G_DEFINE_INTERFACE (RelayStore, relay_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (relay-store-error-quark, relay_store_error)

static void
relay_store_default_init (RelayStoreInterface *iface)
{
}

RelayStore *
relay_store_open (const char  *spec,
                  GError     **error)
{
  g_return_val_if_fail (spec != NULL, NULL);

  if (g_str_has_prefix (spec, "sqlite:"))
    {
      const char *path = spec + strlen ("sqlite:");

      if (*path == '\0')
        {
          g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_BAD_SPEC,
                       "The storage \"sqlite:\" needs a file name, "
                       "for example sqlite:/var/lib/tigress-relay/relay.db");
          return NULL;
        }
      return RELAY_STORE (relay_store_sqlite_new (path, error));
    }

  if (g_str_has_prefix (spec, "redis://"))
    return RELAY_STORE (relay_store_redis_new (spec, error));

  g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_BAD_SPEC,
               "Unknown storage \"%s\": use sqlite:PATH or redis://HOST:PORT", spec);
  return NULL;
}

#define DISPATCH(method, ...) \
  G_STMT_START { \
    RelayStoreInterface *iface; \
    g_return_val_if_fail (RELAY_IS_STORE (self), FALSE); \
    iface = RELAY_STORE_GET_IFACE (self); \
    return iface->method (self, __VA_ARGS__); \
  } G_STMT_END

gboolean
relay_store_create (RelayStore          *self,
                    const RelayMailbox  *mailbox,
                    guint                max_live,
                    gint64               now,
                    RelayOutcome        *outcome,
                    GError             **error)
{
  DISPATCH (create, mailbox, max_live, now, outcome, error);
}

gboolean
relay_store_creates_async (RelayStore *self)
{
  g_return_val_if_fail (RELAY_IS_STORE (self), FALSE);

  return RELAY_STORE_GET_IFACE (self)->create_async != NULL;
}

void
relay_store_create_async (RelayStore          *self,
                          RelayMailbox        *mailbox,
                          guint                max_live,
                          gint64               now,
                          RelayStoreCreateDone done,
                          gpointer             user_data)
{
  g_autoptr(RelayMailbox) owned = mailbox;
  g_autoptr(GError) error = NULL;
  RelayStoreInterface *iface;
  RelayOutcome outcome;

  g_return_if_fail (RELAY_IS_STORE (self));

  iface = RELAY_STORE_GET_IFACE (self);
  if (iface->create_async != NULL)
    {
      iface->create_async (self, g_steal_pointer (&owned), max_live, now, done, user_data);
      return;
    }

  relay_outcome_init (&outcome);
  if (iface->create (self, owned, max_live, now, &outcome, &error))
    done (&outcome, NULL, user_data);
  else
    done (NULL, error, user_data);
  relay_outcome_clear (&outcome);
}

gboolean
relay_store_read (RelayStore         *self,
                  const RelayAccess  *access,
                  const guint8       *bind_token_hash,
                  RelayOutcome       *outcome,
                  GError            **error)
{
  DISPATCH (read, access, bind_token_hash, outcome, error);
}

gboolean
relay_store_update (RelayStore          *self,
                    const RelayAccess   *access,
                    const char          *if_match,
                    const RelayPayload  *payload,
                    RelayOutcome        *outcome,
                    GError             **error)
{
  DISPATCH (update, access, if_match, payload, outcome, error);
}

gboolean
relay_store_delete (RelayStore         *self,
                    const RelayAccess  *access,
                    RelayOutcome       *outcome,
                    GError            **error)
{
  DISPATCH (delete, access, outcome, error);
}

gboolean
relay_store_relinquish (RelayStore         *self,
                        const RelayAccess  *access,
                        RelayOutcome       *outcome,
                        GError            **error)
{
  DISPATCH (relinquish, access, outcome, error);
}

gboolean
relay_store_peek (RelayStore    *self,
                  const char    *mailbox_id,
                  gint64         now,
                  RelayOutcome  *outcome,
                  GError       **error)
{
  DISPATCH (peek, mailbox_id, now, outcome, error);
}

gboolean
relay_store_sweep (RelayStore  *self,
                   gint64       now,
                   guint        batch,
                   guint       *swept_out,
                   GError     **error)
{
  DISPATCH (sweep, now, batch, swept_out, error);
}

gboolean
relay_store_count_live (RelayStore  *self,
                        guint64     *count_out,
                        GError     **error)
{
  DISPATCH (count_live, count_out, error);
}

void
relay_store_set_change_func (RelayStore           *self,
                             RelayStoreChangeFunc  func,
                             gpointer              user_data)
{
  g_return_if_fail (RELAY_IS_STORE (self));

  RELAY_STORE_GET_IFACE (self)->set_change_func (self, func, user_data);
}

gboolean
relay_store_shares_limits (RelayStore *self)
{
  g_return_val_if_fail (RELAY_IS_STORE (self), FALSE);

  return RELAY_STORE_GET_IFACE (self)->take_token != NULL;
}

gboolean
relay_store_take_token (RelayStore  *self,
                        const char  *scope,
                        const char  *key,
                        guint        per_minute,
                        gint64       now_us,
                        guint       *wait_out,
                        GError     **error)
{
  g_return_val_if_fail (relay_store_shares_limits (self), FALSE);

  return RELAY_STORE_GET_IFACE (self)->take_token (self, scope, key, per_minute, now_us,
                                                    wait_out, error);
}

gboolean
relay_store_read_taking_token (RelayStore         *self,
                               RelayTokenRequest  *token,
                               const RelayAccess  *access,
                               const guint8       *bind_token_hash,
                               RelayOutcome       *outcome,
                               GError            **error)
{
  RelayStoreInterface *iface;

  g_return_val_if_fail (relay_store_shares_limits (self), FALSE);

  iface = RELAY_STORE_GET_IFACE (self);
  token->wait_out = 0;
  if (iface->read_taking_token != NULL)
    return iface->read_taking_token (self, token, access, bind_token_hash, outcome, error);

  if (!iface->take_token (self, token->scope, token->key, token->per_minute, token->now_us,
                          &token->wait_out, error))
    return FALSE;
  return token->wait_out > 0 || iface->read (self, access, bind_token_hash, outcome, error);
}

void
relay_payload_etag (const char *data,
                    char        etag[RELAY_ETAG_LENGTH + 1])
{
  guint8 digest[TW_SHA256_SIZE];
  g_autofree char *encoded = NULL;

  relay_digest_sha256 (data, strlen (data), digest);
  encoded = tw_base64url_encode (digest, sizeof digest);
  memcpy (etag, encoded, RELAY_ETAG_LENGTH);
  etag[RELAY_ETAG_LENGTH] = '\0';
}

void
relay_payload_copy (RelayPayload       *dest,
                    const RelayPayload *src)
{
  dest->type = g_strdup (src->type);
  dest->data = g_strdup (src->data);
  memcpy (dest->etag, src->etag, sizeof dest->etag);
}

void
relay_payload_clear (RelayPayload *payload)
{
  g_clear_pointer (&payload->type, g_free);
  g_clear_pointer (&payload->data, g_free);
  payload->etag[0] = '\0';
}

RelayMailbox *
relay_mailbox_new (void)
{
  RelayMailbox *mailbox = g_new0 (RelayMailbox, 1);

  mailbox->recipient_rights = RELAY_RIGHT_READ | RELAY_RIGHT_WRITE | RELAY_RIGHT_DELETE;
  mailbox->relinquish_allowed = TRUE;
  return mailbox;
}

RelayMailbox *
relay_mailbox_copy (const RelayMailbox *mailbox)
{
  RelayMailbox *copy = g_memdup2 (mailbox, sizeof *mailbox);

  relay_payload_copy (&copy->payload, &mailbox->payload);
  relay_payload_copy (&copy->sender_payload, &mailbox->sender_payload);
  copy->title = g_strdup (mailbox->title);
  copy->description = g_strdup (mailbox->description);
  copy->image_url = g_strdup (mailbox->image_url);
  return copy;
}

void
relay_mailbox_free (RelayMailbox *mailbox)
{
  if (mailbox == NULL)
    return;

  relay_payload_clear (&mailbox->payload);
  relay_payload_clear (&mailbox->sender_payload);
  g_free (mailbox->title);
  g_free (mailbox->description);
  g_free (mailbox->image_url);
  /* Claim hashes are not secrets, but there is no reason to leave them
   * lying in freed memory either. */
  tw_wipe (mailbox, sizeof *mailbox);
  g_free (mailbox);
}

const char *
relay_rights_to_string (RelayRights rights)
{
  static const char *const names[8] = {
    "", "R", "W", "RW", "D", "RD", "WD", "RWD",
  };

  return names[rights & 7];
}

gboolean
relay_rights_parse (const char  *text,
                    RelayRights *rights_out)
{
  RelayRights rights = 0;

  if (text == NULL || *text == '\0')
    return FALSE;

  for (const char *c = text; *c != '\0'; c++)
    {
      RelayRights right;

      switch (*c)
        {
        case 'R': right = RELAY_RIGHT_READ; break;
        case 'W': right = RELAY_RIGHT_WRITE; break;
        case 'D': right = RELAY_RIGHT_DELETE; break;
        default: return FALSE;
        }
      if (rights & right)
        return FALSE;
      rights |= right;
    }

  *rights_out = rights;
  return TRUE;
}

void
relay_outcome_init (RelayOutcome *outcome)
{
  memset (outcome, 0, sizeof *outcome);
}

void
relay_outcome_clear (RelayOutcome *outcome)
{
  g_clear_pointer (&outcome->mailbox, relay_mailbox_free);
  relay_outcome_init (outcome);
}

void
relay_tombstone_key (const guint8 *relay_secret,
                     gsize         relay_secret_size,
                     const char   *mailbox_id,
                     guint8        key[RELAY_HASH_SIZE])
{
  relay_digest_hmac_sha256 (relay_secret, relay_secret_size,
                            mailbox_id, strlen (mailbox_id), key);
}

gboolean
relay_hash_equal (const guint8 *hash,
                  const guint8 *expected)
{
  return tw_memeq_ct (hash, expected, RELAY_HASH_SIZE);
}
