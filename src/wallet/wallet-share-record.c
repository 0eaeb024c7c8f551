/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "tw-json-secret.h"
#include "tw-json-strict.h"
#include "wallet-share-private.h"
#include "wallet-share-record.h"

/* A saved state holds the machine's state, which may carry a whole sealed
 * deliver message (48 KiB of payload, base64) more than once. */
static const TwJsonLimits record_limits = {
  .max_depth = 16,
  .max_string_size = 512 * 1024,
  .max_total_size = 2 * 1024 * 1024,
};

void
wallet_share_record_extra_forget (WalletShareRecordExtra *extra)
{
  g_clear_pointer (&extra->claim, tw_secret_unref);
  g_clear_pointer (&extra->link, tw_secret_unref);
  g_clear_pointer (&extra->pin, tw_secret_unref);
  g_clear_pointer (&extra->machine, tw_secret_unref);
}

void
wallet_share_record_extra_clear (WalletShareRecordExtra *extra)
{
  wallet_share_record_extra_forget (extra);
  g_clear_pointer (&extra->etag, g_free);
  memset (extra, 0, sizeof *extra);
}

/* ---- writing ---------------------------------------------------------- */

static void
write_string (TwJsonWriter *writer,
              const char   *name,
              const char   *value)
{
  if (value == NULL)
    return;
  tw_json_writer_member (writer, name);
  tw_json_writer_string (writer, value);
}

static void
write_int (TwJsonWriter *writer,
           const char   *name,
           gint64        value)
{
  tw_json_writer_member (writer, name);
  tw_json_writer_int (writer, value);
}

static void
write_boolean (TwJsonWriter *writer,
               const char   *name,
               gboolean      value)
{
  tw_json_writer_member (writer, name);
  tw_json_writer_boolean (writer, value);
}

static void
write_secret_text (TwJsonWriter *writer,
                   const char   *name,
                   TwSecret     *value)
{
  if (value == NULL)
    return;
  tw_json_writer_member (writer, name);
  tw_json_writer_string_len (writer, (const char *) tw_secret_get_data (value),
                             tw_secret_get_size (value));
}

static void
write_share (TwJsonWriter *writer,
             WalletShare  *share)
{
  const GError *error = wallet_share_get_error (share);

  write_int (writer, "v", WALLET_SHARE_RECORD_VERSION);
  write_string (writer, "id", wallet_share_get_id (share));
  write_boolean (writer, "incoming",
                 wallet_share_get_direction (share) == WALLET_SHARE_INCOMING);
  write_boolean (writer, "verified",
                 wallet_share_get_flow (share) == WALLET_SHARE_FLOW_VERIFIED);
  write_string (writer, "state", wallet_share_state_to_string (wallet_share_get_state (share)));
  write_string (writer, "title", wallet_share_get_title (share));
  write_string (writer, "type",
                wallet_credential_type_to_string (wallet_share_get_credential_type (share)));
  write_string (writer, "credential", wallet_share_get_credential_id (share));
  write_string (writer, "relay", wallet_share_get_relay (share));
  write_boolean (writer, "trusted", wallet_share_get_relay_trusted (share));
  write_string (writer, "share", wallet_share_get_share_id (share));
  write_string (writer, "mailbox", wallet_share_get_mailbox_id (share));
  write_int (writer, "tries", wallet_share_get_tries_left (share));
  write_int (writer, "expiration", wallet_share_get_expiration_unix (share));
  write_int (writer, "offset", wallet_share_get_clock_offset (share));
  write_boolean (writer, "several", wallet_share_get_opened_on_several_devices (share));
  write_boolean (writer, "sender-verified", wallet_share_get_sender_verified (share));
  write_string (writer, "sender-name", wallet_share_get_sender_name (share));
  write_boolean (writer, "other-app", wallet_share_get_from_other_app (share));
  write_int (writer, "created", g_date_time_to_unix (wallet_share_get_created (share)));
  write_boolean (writer, "has-pin", wallet_share_get_has_pin (share));
  write_boolean (writer, "pin-revealed", wallet_share_get_pin_revealed (share));

  /* Only our own errors last: they are the reasons a share ended. */
  if (error != NULL && error->domain == WALLET_SHARE_ERROR)
    {
      write_int (writer, "error-code", error->code);
      write_string (writer, "error-message", error->message);
    }
}

static void
write_extra (TwJsonWriter                 *writer,
             const WalletShareRecordExtra *extra)
{
  write_int (writer, "pins-sent", extra->pins_sent);
  write_boolean (writer, "delivering", extra->delivering);
  write_boolean (writer, "opened", extra->opened);
  write_boolean (writer, "cancelling", extra->cancelling);
  write_boolean (writer, "stored", extra->stored);
  write_boolean (writer, "bind-token", extra->bind_token);
  write_int (writer, "expires-in", extra->expires_in);
  write_string (writer, "etag", extra->etag);

  write_secret_text (writer, "claim", extra->claim);
  write_secret_text (writer, "link", extra->link);
  write_secret_text (writer, "pin", extra->pin);
  if (extra->machine != NULL)
    {
      tw_json_writer_member (writer, "machine");
      tw_json_writer_raw (writer, (const char *) tw_secret_get_data (extra->machine),
                          tw_secret_get_size (extra->machine));
    }
}

TwSecret *
wallet_share_record_serialize (WalletShare                  *share,
                               const WalletShareRecordExtra *extra)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  write_share (writer, share);
  write_extra (writer, extra);
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (writer, 0);
}

/* ---- reading ---------------------------------------------------------- */

typedef struct {
  JsonObject *root;
  GError     *error;
} Reader;

static const char *
read_string (Reader     *reader,
             const char *name)
{
  const char *value = NULL;

  if (reader->error == NULL)
    tw_json_get_optional_string (reader->root, name, &value, &reader->error);
  return value;
}

static gint64
read_int (Reader     *reader,
          const char *name)
{
  gint64 value = 0;

  if (reader->error == NULL)
    tw_json_get_int (reader->root, name, G_MININT64 / 2, G_MAXINT64 / 2, &value,
                     &reader->error);
  return value;
}

static gboolean
read_boolean (Reader     *reader,
              const char *name)
{
  gboolean value = FALSE;

  if (reader->error == NULL)
    tw_json_get_boolean (reader->root, name, &value, &reader->error);
  return value;
}

static TwSecret *
read_secret (Reader     *reader,
             const char *name,
             gboolean    as_value)
{
  if (reader->error != NULL || !json_object_has_member (reader->root, name))
    return NULL;
  if (as_value)
    return tw_json_take_secret_value (reader->root, name, &reader->error);
  return tw_json_take_secret_string (reader->root, name, &reader->error);
}

static WalletShare *
read_share (Reader *reader)
{
  g_autoptr(GDateTime) created = NULL;
  g_autoptr(WalletShare) share = NULL;
  const char *id = read_string (reader, "id");
  gboolean incoming = read_boolean (reader, "incoming");
  gint64 created_unix = read_int (reader, "created");
  WalletCredentialType type = WALLET_CREDENTIAL_UNKNOWN;
  gint64 error_code;

  if (reader->error != NULL || id == NULL)
    return NULL;

  created = g_date_time_new_from_unix_utc (created_unix);
  share = wallet_share_new (id, incoming ? WALLET_SHARE_INCOMING : WALLET_SHARE_OUTGOING,
                            created);
  wallet_share_set_flow (share, read_boolean (reader, "verified")
                                ? WALLET_SHARE_FLOW_VERIFIED : WALLET_SHARE_FLOW_DIRECT);
  wallet_share_set_state (share, wallet_share_state_from_string (read_string (reader, "state")));
  wallet_share_set_title (share, read_string (reader, "title"));
  if (read_string (reader, "type") != NULL)
    wallet_credential_type_from_string (read_string (reader, "type"), &type);
  wallet_share_set_credential_type (share, type);
  wallet_share_set_credential_id (share, read_string (reader, "credential"));
  wallet_share_set_relay (share, read_string (reader, "relay"), read_boolean (reader, "trusted"));
  wallet_share_set_share_id (share, read_string (reader, "share"));
  wallet_share_set_mailbox_id (share, read_string (reader, "mailbox"));
  wallet_share_set_tries_left (share, read_int (reader, "tries"));
  wallet_share_set_expiration (share, read_int (reader, "expiration"),
                               read_int (reader, "offset"));
  if (read_boolean (reader, "several"))
    wallet_share_set_opened_on_several_devices (share);
  wallet_share_set_sender (share, read_boolean (reader, "sender-verified"),
                           read_string (reader, "sender-name"));
  wallet_share_set_from_other_app (share, read_boolean (reader, "other-app"));
  wallet_share_set_has_pin (share, read_boolean (reader, "has-pin"));
  wallet_share_set_pin_revealed (share, read_boolean (reader, "pin-revealed"));

  if (reader->error == NULL && json_object_has_member (reader->root, "error-code"))
    {
      g_autoptr(GError) saved = NULL;

      error_code = read_int (reader, "error-code");
      saved = g_error_new_literal (WALLET_SHARE_ERROR, error_code,
                                   read_string (reader, "error-message") ?: "");
      wallet_share_set_error (share, saved);
    }

  return reader->error == NULL ? g_steal_pointer (&share) : NULL;
}

static void
read_extra (Reader                 *reader,
            WalletShareRecordExtra *extra)
{
  extra->pins_sent = read_int (reader, "pins-sent");
  extra->delivering = read_boolean (reader, "delivering");
  extra->opened = read_boolean (reader, "opened");
  extra->cancelling = read_boolean (reader, "cancelling");
  extra->stored = read_boolean (reader, "stored");
  extra->bind_token = read_boolean (reader, "bind-token");
  extra->expires_in = read_int (reader, "expires-in");
  extra->etag = g_strdup (read_string (reader, "etag"));

  extra->claim = read_secret (reader, "claim", FALSE);
  extra->link = read_secret (reader, "link", FALSE);
  extra->pin = read_secret (reader, "pin", FALSE);
  extra->machine = read_secret (reader, "machine", TRUE);
}

WalletShare *
wallet_share_record_parse (TwSecret                *plaintext,
                           WalletShareRecordExtra  *extra,
                           GError                 **error)
{
  g_autoptr(WalletShare) share = NULL;
  Reader reader = { NULL, NULL };
  gint64 version;

  wallet_share_record_extra_clear (extra);

  reader.root = tw_json_strict_parse_object ((const char *) tw_secret_get_data (plaintext),
                                             tw_secret_get_size (plaintext), &record_limits,
                                             error);
  if (reader.root == NULL)
    return NULL;

  if (!tw_json_get_int (reader.root, "v", WALLET_SHARE_RECORD_VERSION,
                        WALLET_SHARE_RECORD_VERSION, &version, &reader.error))
    goto out;

  share = read_share (&reader);
  if (share != NULL)
    read_extra (&reader, extra);

out:
  json_object_unref (reader.root);
  if (reader.error != NULL)
    {
      wallet_share_record_extra_clear (extra);
      g_propagate_error (error, reader.error);
      return NULL;
    }
  return g_steal_pointer (&share);
}
