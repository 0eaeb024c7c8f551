/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-share-recipient.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-json-strict.h"
#include "tw-link.h"
#include "tw-pin.h"
#include "tw-share-core.h"
#include "tw-share-identity.h"

/* Used in a cancel for a first message we could not read a share id from. */
#define UNKNOWN_SHARE_ID "00000000000000000000000000000000"

struct _TwShareRecipient
{
  TwShareCore  core;
  /* Verified flow */
  guint8       pa[TW_SPAKE2_POINT_SIZE];
  TwTranscript th_pake;
  TwSecret    *w;                    /* from the PIN of the last accept */
  TwSecret    *scalar;               /* y of the last accept */
  guint        rejections;
  TwSecret    *receipt_key;          /* r2s, once deliver is taken */
  /* Digital keys */
  guint8       issuer_key[TW_ED25519_PUBLIC_SIZE];
  guint8       resource_id[TW_CERT_RESOURCE_ID_SIZE];
  TwSecret    *subject_seed;
  GBytes      *certificate;
  /* What arrived */
  TwSecret    *credential_content;   /* JSON text */
  gboolean     has_sender_identity;
  guint8       sender_identity[TW_ED25519_PUBLIC_SIZE];  /* checked against this share */
};

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, TW_SHARE_ERROR, TW_SHARE_ERROR_INVALID, message);
  return FALSE;
}

TwShareRecipient *
tw_share_recipient_new (const char  *mailbox_id,
                        TwSecret    *link_key,
                        GError     **error)
{
  TwShareRecipient *self;
  gsize key_size;

  g_return_val_if_fail (link_key != NULL, NULL);

  key_size = tw_secret_get_size (link_key);
  if (!tw_link_mailbox_id_is_valid (mailbox_id))
    {
      invalid (error, "The link's mailbox id is not a UUID");
      return NULL;
    }
  if (key_size != 16 && key_size != 32)
    {
      invalid (error, "The link's key must be 16 or 32 bytes");
      return NULL;
    }

  self = g_new0 (TwShareRecipient, 1);
  tw_share_core_init (&self->core, TW_ROLE_RECIPIENT);
  self->core.mailbox_id = g_strdup (mailbox_id);
  self->core.link_key = tw_secret_ref (link_key);
  return self;
}

void
tw_share_recipient_free (TwShareRecipient *self)
{
  if (self == NULL)
    return;

  tw_share_core_clear (&self->core);
  g_clear_pointer (&self->w, tw_secret_unref);
  g_clear_pointer (&self->scalar, tw_secret_unref);
  g_clear_pointer (&self->receipt_key, tw_secret_unref);
  g_clear_pointer (&self->subject_seed, tw_secret_unref);
  g_clear_pointer (&self->certificate, g_bytes_unref);
  g_clear_pointer (&self->credential_content, tw_secret_unref);
  g_free (self);
}

static gboolean
send_cancel (TwShareRecipient  *self,
             const char        *reason,
             TwShareFailure     failure,
             GError           **error)
{
  g_autoptr (TwSecret) body = tw_share_core_cancel_body (reason);

  if (self->core.share_id == NULL)
    self->core.share_id = g_strdup (UNKNOWN_SHARE_ID);
  self->core.failure = failure;
  return tw_share_core_send (&self->core, TW_MESSAGE_CANCEL, body, NULL,
                             TW_SHARE_ACTION_DELETE, error);
}

/* ---------------------------------------------------------------------------
 * The first message
 * ------------------------------------------------------------------------- */

static gboolean
read_description (TwShareRecipient  *self,
                  JsonObject        *body,
                  const char        *format,
                  GError           **error)
{
  GError *local_error = NULL;
  const char *kind, *type, *title;

  if ((kind = tw_json_get_string (body, "kind", &local_error)) == NULL
      || (type = tw_json_get_string (body, "type", &local_error)) == NULL
      || (title = tw_json_get_string (body, "title", &local_error)) == NULL)
    return tw_share_bad_content (error, local_error, "first message");
  if (!tw_share_name_is_valid (type) || *title == '\0' || strlen (title) > TW_SHARE_TITLE_MAX_LENGTH
      || (format != NULL && !tw_share_name_is_valid (format)))
    return tw_share_bad_content (error, NULL, "first message");
  if (strcmp (kind, "copy") == 0)
    self->core.kind = TW_SHARE_KIND_COPY;
  else if (strcmp (kind, "digital-key") == 0)
    self->core.kind = TW_SHARE_KIND_DIGITAL_KEY;
  else
    return tw_share_bad_content (error, NULL, "first message");

  tw_share_core_set_details (&self->core, type, title, format);
  return TRUE;
}

/* The credential object {format, content}; the content leaves the tree. */
static gboolean
read_credential (TwShareRecipient  *self,
                 JsonObject        *holder,
                 GError           **error)
{
  static const char * const members[] = { "format", "content", NULL };
  GError *local_error = NULL;
  JsonObject *credential;
  const char *format;

  if ((credential = tw_json_get_object (holder, "credential", &local_error)) == NULL
      || !tw_json_check_members (credential, members, &local_error)
      || (format = tw_json_get_string (credential, "format", &local_error)) == NULL
      || tw_json_get_object (credential, "content", &local_error) == NULL)
    return tw_share_bad_content (error, local_error, "credential");
  if (!tw_share_name_is_valid (format)
      || (self->core.credential_format != NULL
          && strcmp (format, self->core.credential_format) != 0))
    return tw_share_bad_content (error, NULL, "credential");

  g_free (self->core.credential_format);
  self->core.credential_format = g_strdup (format);
  self->core.details.credential_format = self->core.credential_format;
  g_clear_pointer (&self->credential_content, tw_secret_unref);
  self->credential_content = tw_json_take_secret_value (credential, "content", error);
  return self->credential_content != NULL;
}

static gboolean
read_direct (TwShareRecipient  *self,
             JsonObject        *body,
             GError           **error)
{
  static const char * const members[] = {
    "kind", "type", "title", "credential", TW_SHARE_IDENTITY_MEMBER, NULL
  };
  GError *local_error = NULL;

  if (!tw_json_check_members (body, members, &local_error))
    return tw_share_bad_content (error, local_error, "shared credential");
  self->core.flow = TW_SHARE_FLOW_DIRECT;
  if (!read_description (self, body, NULL, error))
    return FALSE;
  /* A digital key is always shared with a PIN. */
  if (self->core.kind != TW_SHARE_KIND_COPY)
    return tw_share_bad_content (error, NULL, "shared credential");

  self->core.details.flow = TW_SHARE_FLOW_DIRECT;
  return read_credential (self, body, error);
}

static gboolean
offers_our_suite (JsonObject  *body,
                  gboolean    *ours,
                  GError     **error)
{
  GError *local_error = NULL;
  JsonArray *suites = tw_json_get_array (body, "suites", &local_error);

  if (suites == NULL)
    return tw_share_bad_content (error, local_error, "offer");

  *ours = FALSE;
  for (guint i = 0; i < json_array_get_length (suites); i++)
    {
      JsonNode *suite = json_array_get_element (suites, i);

      if (JSON_NODE_HOLDS_VALUE (suite) && json_node_get_value_type (suite) == G_TYPE_STRING
          && strcmp (json_node_get_string (suite), TW_SHARE_SUITE) == 0)
        *ours = TRUE;
    }

  return TRUE;
}

static gboolean
read_grant (TwShareRecipient  *self,
            JsonObject        *body,
            GError           **error)
{
  GError *local_error = NULL;
  gint64 rights, not_after;
  gboolean digital_key = self->core.kind == TW_SHARE_KIND_DIGITAL_KEY;

  if (!tw_json_get_int (body, "rights", 0, G_MAXUINT32, &rights, &local_error)
      || !tw_json_get_int (body, "not_after", 0, G_MAXINT64, &not_after, &local_error))
    return tw_share_bad_content (error, local_error, "offer");
  if (digital_key != json_object_has_member (body, "issuer_key")
      || digital_key != json_object_has_member (body, "resource")
      || (digital_key && (rights == 0 || not_after == 0))
      || (!digital_key && self->core.credential_format == NULL))
    return tw_share_bad_content (error, NULL, "offer");
  if (digital_key
      && (!tw_share_body_bytes (body, "issuer_key", self->issuer_key,
                                sizeof self->issuer_key, error)
          || !tw_share_body_bytes (body, "resource", self->resource_id,
                                   sizeof self->resource_id, error)))
    return FALSE;

  self->core.details.rights = rights;
  self->core.details.not_after = not_after;
  return TRUE;
}

static gboolean
read_offer (TwShareRecipient  *self,
            JsonObject        *body,
            gboolean          *suite_ok,
            GError           **error)
{
  static const char * const members[] = {
    "kind", "type", "title", "format", "rights", "not_after", "pin_required", "suites",
    "pA", "issuer_key", "resource", TW_SHARE_IDENTITY_MEMBER, NULL
  };
  GError *local_error = NULL;
  const char *format = NULL;
  gboolean pin_required;

  if (!tw_json_check_members (body, members, &local_error)
      || !tw_json_get_optional_string (body, "format", &format, &local_error)
      || !tw_json_get_boolean (body, "pin_required", &pin_required, &local_error))
    return tw_share_bad_content (error, local_error, "offer");
  self->core.flow = TW_SHARE_FLOW_VERIFIED;
  if (!offers_our_suite (body, suite_ok, error))
    return FALSE;
  if (!*suite_ok)
    return TRUE;
  if (!pin_required)
    return tw_share_bad_content (error, NULL, "offer");
  if (!read_description (self, body, format, error)
      || !read_grant (self, body, error)
      || !tw_share_body_bytes (body, "pA", self->pa, sizeof self->pa, error))
    return FALSE;

  self->core.details.flow = TW_SHARE_FLOW_VERIFIED;
  self->core.details.tries_left = TW_SHARE_PIN_ATTEMPTS;
  return TRUE;
}

/* An identity block must vouch for this very share: its share id and the
 * key that signed the message. FALSE when there is one that does not (a
 * forgery, or a block lifted from another share). */
static gboolean
take_sender_identity (TwShareRecipient *self,
                      TwMessage        *message)
{
  TwShareIdentity identity;
  gboolean present;

  if (!tw_share_identity_read (tw_message_get_body (message), &present, &identity))
    return FALSE;
  if (!present)
    return TRUE;
  if (!tw_share_identity_verify (&identity, tw_message_get_share_id (message),
                                 tw_message_get_signer_key (message)))
    return FALSE;

  memcpy (self->sender_identity, identity.key, sizeof self->sender_identity);
  self->has_sender_identity = TRUE;
  return TRUE;
}

static gboolean
handle_first (TwShareRecipient  *self,
              TwMessage         *message,
              GBytes            *payload,
              GError           **error)
{
  TwSecret *plaintext = tw_message_get_plaintext (message);
  TwLinkKeyCheck check = tw_link_key_check (self->core.link_key,
                                            tw_secret_get_data (plaintext),
                                            tw_secret_get_size (plaintext));
  JsonObject *body = tw_message_get_body (message);
  gboolean suite_ok = TRUE;

  if (check == TW_LINK_KEY_ALTERED || !take_sender_identity (self, message))
    {
      tw_share_core_take (&self->core, message, payload);
      return send_cancel (self, TW_SHARE_REASON_ALTERED, TW_SHARE_FAILURE_ALTERED, error);
    }
  if (tw_message_get_format (message) == TW_MESSAGE_OFFER)
    {
      if (!read_offer (self, body, &suite_ok, error))
        return FALSE;
    }
  else if (!read_direct (self, body, error))
    return FALSE;

  tw_share_core_take (&self->core, message, payload);
  self->core.details.link_check = check;
  if (!suite_ok)
    return send_cancel (self, TW_SHARE_REASON_UNSUPPORTED, TW_SHARE_FAILURE_UNSUPPORTED, error);

  self->th_pake = self->core.th;
  self->core.step = TW_SHARE_ACTION_ASK_USER;
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Accepting
 * ------------------------------------------------------------------------- */

static TwSecret *
accept_body (TwShareRecipient *self,
             TwSpake2         *pake,
             GError          **error)
{
  guint8 pb[TW_SPAKE2_POINT_SIZE];
  guint8 confirmation[TW_SPAKE2_MAC_SIZE];
  guint8 subject_key[TW_ED25519_PUBLIC_SIZE];
  guint8 pop[TW_ED25519_SIG_SIZE];
  g_autoptr (GBytes) pop_input = NULL;
  g_autoptr (TwJsonWriter) writer = tw_json_writer_new ();

  tw_spake2_get_share (pake, pb);
  tw_spake2_get_confirmation (pake, confirmation);
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "suite");
  tw_json_writer_string (writer, TW_SHARE_SUITE);
  tw_json_writer_member (writer, "pB");
  tw_json_writer_base64 (writer, pb, sizeof pb);
  tw_json_writer_member (writer, "cB");
  tw_json_writer_base64 (writer, confirmation, sizeof confirmation);
  if (self->subject_seed != NULL)
    {
      pop_input = tw_share_pop_input (&self->th_pake, pb);
      if (!tw_ed25519_public_key (self->subject_seed, subject_key, error)
          || !tw_ed25519_sign (self->subject_seed, g_bytes_get_data (pop_input, NULL),
                               g_bytes_get_size (pop_input), pop, error))
        return NULL;
      tw_json_writer_member (writer, "subject_key");
      tw_json_writer_base64 (writer, subject_key, sizeof subject_key);
      tw_json_writer_member (writer, "pop");
      tw_json_writer_base64 (writer, pop, sizeof pop);
    }
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (g_steal_pointer (&writer), 0);
}

/* The recipient's half of the PAKE with the current pA. The new key's
 * public half goes into the confirmation keys' associated data, so cB
 * proves to the sender that the PIN holder chose that key. */
static TwSpake2 *
finish_pake (TwShareRecipient  *self,
             GError           **error)
{
  guint8 subject_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr (TwSpake2) pake = NULL;
  g_autoptr (GBytes) aad = NULL;
  g_autoptr (GError) local_error = NULL;

  if (self->subject_seed != NULL
      && !tw_ed25519_public_key (self->subject_seed, subject_key, error))
    return NULL;
  aad = tw_share_pake_aad (&self->th_pake, self->core.share_id,
                           self->subject_seed != NULL ? subject_key : NULL);
  pake = tw_share_pake_new (TW_SPAKE2_ROLE_B, self->w, self->scalar, error);
  if (pake == NULL)
    return NULL;
  if (!tw_spake2_finish (pake, self->pa, g_bytes_get_data (aad, NULL), g_bytes_get_size (aad),
                         &local_error))
    {
      tw_share_bad_content (error, g_steal_pointer (&local_error), "sender's PAKE share");
      return NULL;
    }

  return g_steal_pointer (&pake);
}

static gboolean
accept_with_pin (TwShareRecipient  *self,
                 TwSecret          *pin,
                 GError           **error)
{
  g_autoptr (TwSpake2) pake = NULL;
  g_autoptr (TwSecret) body = NULL;
  guint8 unused[TW_ED25519_PUBLIC_SIZE];

  if (pin == NULL || !tw_pin_is_well_formed (tw_secret_get_text (pin)))
    return invalid (error, "The PIN must be six digits");
  if (self->core.kind == TW_SHARE_KIND_DIGITAL_KEY && self->subject_seed == NULL)
    tw_ed25519_generate (&self->subject_seed, unused);

  g_clear_pointer (&self->w, tw_secret_unref);
  g_clear_pointer (&self->scalar, tw_secret_unref);
  self->w = tw_spake2_derive_w (tw_secret_get_text (pin), self->core.share_id, error);
  if (self->w == NULL)
    return FALSE;

  /* A fresh y for every try; finish_pake() rebuilds the exchange from it,
   * as a restored state will. */
  pake = tw_share_pake_new (TW_SPAKE2_ROLE_B, self->w, NULL, error);
  if (pake == NULL)
    return FALSE;
  self->scalar = tw_spake2_get_scalar (pake);
  g_clear_pointer (&pake, tw_spake2_free);
  pake = finish_pake (self, error);
  if (pake == NULL)
    return FALSE;

  body = accept_body (self, pake, error);
  return body != NULL
         && tw_share_core_send (&self->core, TW_MESSAGE_ACCEPT, body, NULL,
                                TW_SHARE_ACTION_READ, error);
}

gboolean
tw_share_recipient_accept (TwShareRecipient  *self,
                           TwSecret          *pin,
                           GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_ASK_USER, "accept", error))
    return FALSE;

  if (self->core.flow == TW_SHARE_FLOW_DIRECT)
    {
      self->core.step = TW_SHARE_ACTION_STORE;
      return TRUE;
    }

  return accept_with_pin (self, pin, error);
}

/* ---------------------------------------------------------------------------
 * The sender's answers
 * ------------------------------------------------------------------------- */

static gboolean
handle_pin_rejected (TwShareRecipient  *self,
                     TwMessage         *message,
                     GBytes            *payload,
                     GError           **error)
{
  static const char * const members[] = { "tries_left", "pA", NULL };
  JsonObject *body = tw_message_get_body (message);
  GError *local_error = NULL;
  guint8 pa[TW_SPAKE2_POINT_SIZE];
  gint64 tries_left;

  if (!tw_json_check_members (body, members, &local_error)
      || !tw_json_get_int (body, "tries_left", 0, TW_SHARE_PIN_ATTEMPTS, &tries_left,
                           &local_error))
    return tw_share_bad_content (error, local_error, "PIN rejection");
  if (!tw_share_body_bytes (body, "pA", pa, sizeof pa, error))
    return FALSE;

  tw_share_core_take (&self->core, message, payload);
  self->rejections++;
  /* Our own count too: a forged sender gets no more guesses than a real one. */
  if (self->rejections >= TW_SHARE_PIN_ATTEMPTS || tries_left == 0)
    {
      self->core.details.tries_left = 0;
      return send_cancel (self, TW_SHARE_REASON_PIN_ATTEMPTS, TW_SHARE_FAILURE_PIN_ATTEMPTS,
                          error);
    }

  memcpy (self->pa, pa, sizeof pa);
  self->th_pake = self->core.th;
  self->core.details.tries_left = MIN ((guint) tries_left,
                                       TW_SHARE_PIN_ATTEMPTS - self->rejections);
  self->core.step = TW_SHARE_ACTION_ASK_USER;
  return TRUE;
}

static gboolean
certificate_error (GError     **error,
                   GError      *cause)
{
  g_set_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_CERTIFICATE,
               "The certificate is not the one the offer promised%s%s",
               cause != NULL ? ": " : "", cause != NULL ? cause->message : "");
  g_clear_error (&cause);
  return FALSE;
}

static gboolean
check_certificate (TwShareRecipient  *self,
                   GBytes            *certificate,
                   GError           **error)
{
  GError *local_error = NULL;
  TwCertFields fields;
  guint8 subject_key[TW_ED25519_PUBLIC_SIZE];
  g_autofree char *share_id = NULL;

  if (!tw_cert_verify (certificate, self->issuer_key, &fields, &local_error))
    return certificate_error (error, local_error);
  if (!tw_ed25519_public_key (self->subject_seed, subject_key, error))
    return FALSE;

  share_id = g_malloc (TW_SHARE_ID_TEXT_LENGTH + 1);
  for (guint i = 0; i < TW_CERT_SHARE_ID_SIZE; i++)
    g_snprintf (share_id + 2 * i, 3, "%02x", fields.share_id[i]);
  if (memcmp (fields.subject_public_key, subject_key, sizeof subject_key) != 0
      || strcmp (share_id, self->core.share_id) != 0
      || memcmp (fields.resource_id, self->resource_id, sizeof self->resource_id) != 0
      || fields.rights != self->core.details.rights
      || fields.not_after != self->core.details.not_after)
    return certificate_error (error, NULL);

  return TRUE;
}

static gboolean
read_certificate (TwShareRecipient  *self,
                  JsonObject        *delivery,
                  GBytes           **certificate,
                  GError           **error)
{
  GError *local_error = NULL;
  const char *text = tw_json_get_string (delivery, "certificate", &local_error);

  if (text == NULL
      || (*certificate = tw_base64_decode_bytes (text, -1, TW_BASE64_STANDARD,
                                                 &local_error)) == NULL)
    return certificate_error (error, local_error);

  return check_certificate (self, *certificate, error);
}

/* The sealed part of deliver: a credential, a certificate, or both. */
static gboolean
read_delivery (TwShareRecipient  *self,
               TwSecret          *inner,
               GError           **error)
{
  static const char * const members[] = { "credential", "certificate", NULL };
  GError *local_error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GBytes) certificate = NULL;
  gboolean digital_key = self->core.kind == TW_SHARE_KIND_DIGITAL_KEY;
  JsonObject *delivery;
  gboolean read;

  root = tw_json_strict_parse (tw_secret_get_text (inner), tw_secret_get_size (inner),
                               NULL, &local_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return tw_share_bad_content (error, local_error, "delivery");
  delivery = json_node_get_object (root);

  if (!tw_json_check_members (delivery, members, &local_error)
      || json_object_has_member (delivery, "certificate") != digital_key
      || (!digital_key && !json_object_has_member (delivery, "credential")))
    read = tw_share_bad_content (error, local_error, "delivery");
  else
    read = (!digital_key || read_certificate (self, delivery, &certificate, error))
           && (!json_object_has_member (delivery, "credential")
               || read_credential (self, delivery, error));
  tw_json_wipe_node (root);
  if (!read)
    return FALSE;

  self->certificate = g_steal_pointer (&certificate);
  return TRUE;
}

static gboolean
open_delivery (TwShareRecipient  *self,
               TwSpake2          *pake,
               TwMessage         *message,
               GError           **error)
{
  GError *local_error = NULL;
  g_autoptr (TwSecret) s2r = NULL;
  g_autoptr (TwSecret) inner = NULL;
  g_autoptr (GBytes) sealed = NULL;
  const char *text = tw_json_get_string (tw_message_get_body (message), "sealed", &local_error);

  s2r = tw_share_direction_key (pake, &self->th_pake, TW_SHARE_LABEL_S2R, error);
  if (s2r == NULL)
    return FALSE;
  if (text == NULL
      || (sealed = tw_base64_decode_bytes (text, -1, TW_BASE64_STANDARD, &local_error)) == NULL
      || (inner = tw_share_inner_open (s2r, TW_SHARE_LABEL_S2R, self->core.share_id,
                                       &tw_message_get_header (message)->th, sealed,
                                       &local_error)) == NULL)
    return tw_share_bad_content (error, local_error, "delivery");

  return read_delivery (self, inner, error);
}

static gboolean
handle_deliver (TwShareRecipient  *self,
                TwMessage         *message,
                GBytes            *payload,
                GError           **error)
{
  static const char * const members[] = { "cA", "sealed", NULL };
  GError *local_error = NULL;
  g_autoptr (TwSpake2) pake = NULL;
  guint8 confirmation[TW_SPAKE2_MAC_SIZE];

  if (!tw_json_check_members (tw_message_get_body (message), members, &local_error))
    return tw_share_bad_content (error, local_error, "delivery");
  if (!tw_share_body_bytes (tw_message_get_body (message), "cA", confirmation,
                            sizeof confirmation, error))
    return FALSE;
  pake = finish_pake (self, error);
  if (pake == NULL)
    return FALSE;
  if (!tw_spake2_verify_confirmation (pake, confirmation, NULL))
    {
      g_set_error_literal (error, TW_SHARE_ERROR, TW_SHARE_ERROR_CONFIRMATION,
                           "The delivery does not prove that the sender holds our key");
      return FALSE;
    }
  if (!open_delivery (self, pake, message, error))
    return FALSE;

  g_clear_pointer (&self->receipt_key, tw_secret_unref);
  self->receipt_key = tw_share_direction_key (pake, &self->th_pake, TW_SHARE_LABEL_R2S, error);
  if (self->receipt_key == NULL)
    return FALSE;
  tw_share_core_take (&self->core, message, payload);
  self->core.step = TW_SHARE_ACTION_STORE;
  return TRUE;
}

static gboolean
handle_cancel (TwShareRecipient *self,
               TwMessage        *message,
               GBytes           *payload)
{
  const char *reason = NULL;
  gboolean cancelling = self->core.step == TW_SHARE_ACTION_WRITE
                        && self->core.last_own_format == TW_MESSAGE_CANCEL;

  tw_json_get_optional_string (tw_message_get_body (message), "reason", &reason, NULL);
  tw_share_core_take (&self->core, message, payload);
  if (cancelling)
    return TRUE;

  /* The sender deletes the mailbox after its cancel. */
  tw_share_core_end (&self->core, tw_share_core_failure_from_reason (reason), FALSE);
  return TRUE;
}

static guint
allowed_formats (TwShareRecipient *self)
{
  /* While the user decides, only news that the sender gave up matters. */
  if (self->core.step == TW_SHARE_ACTION_ASK_USER)
    return TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);
  if (self->core.peer_next_seq == 0)
    return TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_OFFER) | TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_DELIVER)
           | TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);
  if (self->core.last_own_format == TW_MESSAGE_ACCEPT)
    return TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_PIN_REJECTED)
           | TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_DELIVER) | TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);

  return TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);
}

static gboolean
dispatch (TwShareRecipient  *self,
          TwMessage         *message,
          GBytes            *payload,
          GError           **error)
{
  gboolean first = self->core.peer_next_seq == 0;

  switch (tw_message_get_format (message))
    {
    case TW_MESSAGE_CANCEL:
      return handle_cancel (self, message, payload);
    case TW_MESSAGE_OFFER:
      return handle_first (self, message, payload, error);
    case TW_MESSAGE_DELIVER:
      if (first)
        return handle_first (self, message, payload, error);
      return handle_deliver (self, message, payload, error);
    case TW_MESSAGE_PIN_REJECTED:
      return handle_pin_rejected (self, message, payload, error);
    case TW_MESSAGE_ACCEPT:
    case TW_MESSAGE_RECEIPT:
    default:
      g_return_val_if_reached (FALSE);
    }
}

/* A first message in a version we do not speak still gets a cancel; it
 * names the share when the message lets us find its id where version 1
 * keeps it, so the sender can tell which share was refused. */
static void
guess_share_id (TwShareRecipient *self,
                GBytes           *payload)
{
  g_autoptr (TwSecret) plaintext = tw_message_open (self->core.link_key, payload, NULL);
  g_autoptr (JsonObject) root = NULL;
  g_autoptr (JsonObject) part = NULL;
  JsonObject *content = NULL;
  const char *share_id = NULL, *signed_part = NULL;

  if (self->core.share_id != NULL || plaintext == NULL)
    return;
  root = tw_json_strict_parse_object (tw_secret_get_text (plaintext),
                                      tw_secret_get_size (plaintext), NULL, NULL);
  if (root == NULL || !tw_json_get_optional_object (root, "content", &content, NULL)
      || content == NULL)
    return;
  if (!tw_json_get_optional_string (content, "share", &share_id, NULL) || share_id == NULL)
    {
      if (tw_json_get_optional_string (content, "signed", &signed_part, NULL)
          && signed_part != NULL)
        part = tw_json_strict_parse_object (signed_part, strlen (signed_part), NULL, NULL);
      if (part != NULL)
        tw_json_get_optional_string (part, "share", &share_id, NULL);
    }
  if (tw_share_id_is_valid (share_id))
    self->core.share_id = g_strdup (share_id);
  if (part != NULL)
    tw_json_wipe_node (json_object_get_member (content, "signed"));
}

gboolean
tw_share_recipient_receive (TwShareRecipient  *self,
                            GBytes            *payload,
                            GError           **error)
{
  g_autoptr (TwMessage) message = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (self != NULL && payload != NULL, FALSE);

  if (self->core.step != TW_SHARE_ACTION_WRITE && self->core.step != TW_SHARE_ACTION_ASK_USER
      && !tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_READ, "receive", error))
    return FALSE;

  message = tw_share_core_read (&self->core, payload, allowed_formats (self), &local_error);
  if (g_error_matches (local_error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_UNKNOWN_VERSION)
      && self->core.step != TW_SHARE_ACTION_ASK_USER)
    {
      guess_share_id (self, payload);
      return send_cancel (self, TW_SHARE_REASON_UNSUPPORTED, TW_SHARE_FAILURE_UNSUPPORTED,
                          error);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (message == NULL)
    return TRUE;

  return dispatch (self, message, payload, error);
}

/* ---------------------------------------------------------------------------
 * The caller's reports
 * ------------------------------------------------------------------------- */

static TwSecret *
receipt_body (TwShareRecipient  *self,
              GError           **error)
{
  static const char stored[] = "{\"outcome\":\"stored\"}";
  g_autoptr (TwJsonWriter) writer = tw_json_writer_new ();
  g_autoptr (TwSecret) inner = NULL;
  g_autoptr (GBytes) sealed = NULL;

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "outcome");
  tw_json_writer_string (writer, "stored");
  if (self->core.flow == TW_SHARE_FLOW_VERIFIED)
    {
      /* Sealed under r2s, so only the PIN holder can tell the sender that
       * the credential arrived. */
      inner = tw_secret_new_from_string (stored);
      sealed = tw_share_inner_seal (self->receipt_key, TW_SHARE_LABEL_R2S,
                                    self->core.share_id, &self->core.th, inner, error);
      if (sealed == NULL)
        return NULL;
      tw_json_writer_member (writer, "sealed");
      tw_json_writer_base64 (writer, g_bytes_get_data (sealed, NULL),
                             g_bytes_get_size (sealed));
    }
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (g_steal_pointer (&writer), 0);
}

gboolean
tw_share_recipient_stored (TwShareRecipient  *self,
                           GError           **error)
{
  g_autoptr (TwSecret) body = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_STORE, "stored", error))
    return FALSE;

  body = receipt_body (self, error);
  return body != NULL
         && tw_share_core_send (&self->core, TW_MESSAGE_RECEIPT, body, NULL,
                                TW_SHARE_ACTION_DONE, error);
}

gboolean
tw_share_recipient_written (TwShareRecipient  *self,
                            GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_WRITE, "written", error))
    return FALSE;

  tw_share_core_written (&self->core);
  return TRUE;
}

gboolean
tw_share_recipient_deleted (TwShareRecipient  *self,
                            GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_DELETE, "deleted", error))
    return FALSE;

  tw_share_core_deleted (&self->core);
  return TRUE;
}

static gboolean
receipt_pending (TwShareRecipient *self)
{
  return self->core.step == TW_SHARE_ACTION_WRITE
         && self->core.last_own_format == TW_MESSAGE_RECEIPT;
}

void
tw_share_recipient_mailbox_gone (TwShareRecipient *self,
                                 gboolean          expired)
{
  g_return_if_fail (self != NULL);

  /* The credential is here already: keep it, whatever became of the mailbox. */
  if (tw_share_core_is_over (&self->core) || self->core.step == TW_SHARE_ACTION_STORE)
    return;
  if (self->core.step == TW_SHARE_ACTION_DELETE)
    tw_share_core_deleted (&self->core);
  else if (receipt_pending (self))
    tw_share_core_end (&self->core, TW_SHARE_FAILURE_NONE, FALSE);
  else
    tw_share_core_end (&self->core,
                       expired ? TW_SHARE_FAILURE_EXPIRED : TW_SHARE_FAILURE_MAILBOX_GONE,
                       FALSE);
}

gboolean
tw_share_recipient_cancel (TwShareRecipient  *self,
                           GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (tw_share_core_is_over (&self->core) || receipt_pending (self))
    {
      g_set_error_literal (error, TW_SHARE_ERROR, TW_SHARE_ERROR_STATE,
                           "The share has already ended or the credential is stored; "
                           "there is nothing to cancel");
      return FALSE;
    }
  if (self->core.step == TW_SHARE_ACTION_DELETE)
    return TRUE;
  /* Nothing read yet: there is no conversation to end. */
  if (self->core.peer_next_seq == 0)
    {
      tw_share_core_end (&self->core, TW_SHARE_FAILURE_CANCELLED, FALSE);
      return TRUE;
    }

  g_clear_pointer (&self->credential_content, tw_secret_unref);
  g_clear_pointer (&self->certificate, g_bytes_unref);
  return send_cancel (self, TW_SHARE_REASON_CANCELLED, TW_SHARE_FAILURE_CANCELLED, error);
}

void
tw_share_recipient_set_expiration (TwShareRecipient *self,
                                   gint64            expires_at)
{
  g_return_if_fail (self != NULL);

  self->core.expires_at = expires_at;
}

void
tw_share_recipient_check_expiry (TwShareRecipient *self,
                                 gint64            relay_now)
{
  g_return_if_fail (self != NULL);

  if (self->core.expires_at > 0 && relay_now >= self->core.expires_at)
    tw_share_recipient_mailbox_gone (self, TRUE);
}

/* ---------------------------------------------------------------------------
 * Getters
 * ------------------------------------------------------------------------- */

const TwShareAction *
tw_share_recipient_get_action (TwShareRecipient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return tw_share_core_get_action (&self->core);
}

const TwShareDetails *
tw_share_recipient_get_details (TwShareRecipient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->core.type == NULL)
    return NULL;

  self->core.details.share_id = self->core.share_id;
  return &self->core.details;
}

const char *
tw_share_recipient_get_credential_format (TwShareRecipient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->credential_content != NULL ? self->core.credential_format : NULL;
}

TwSecret *
tw_share_recipient_get_credential_content (TwShareRecipient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->credential_content;
}

GBytes *
tw_share_recipient_get_certificate (TwShareRecipient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->certificate;
}

TwSecret *
tw_share_recipient_get_subject_seed (TwShareRecipient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->certificate != NULL ? self->subject_seed : NULL;
}

const guint8 *
tw_share_recipient_get_sender_identity (TwShareRecipient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->has_sender_identity ? self->sender_identity : NULL;
}

/* ---------------------------------------------------------------------------
 * Saving and restoring
 * ------------------------------------------------------------------------- */

TwSecret *
tw_share_recipient_save (TwShareRecipient *self)
{
  TwJsonWriter *writer;
  g_autofree char *th_pake = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  writer = tw_json_writer_new ();
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "v");
  tw_json_writer_int (writer, TW_SHARE_STATE_VERSION);
  tw_json_writer_member (writer, "role");
  tw_json_writer_string (writer, "recipient");
  tw_share_core_save (&self->core, writer);
  tw_json_writer_member (writer, "pA");
  tw_json_writer_base64 (writer, self->pa, sizeof self->pa);
  th_pake = tw_transcript_to_base64 (&self->th_pake);
  tw_json_writer_member (writer, "th_pake");
  tw_json_writer_string (writer, th_pake);
  tw_share_state_write_secret (writer, "w", self->w);
  tw_share_state_write_secret (writer, "scalar", self->scalar);
  tw_json_writer_member (writer, "rejections");
  tw_json_writer_int (writer, self->rejections);
  tw_share_state_write_secret (writer, "receipt_key", self->receipt_key);
  tw_json_writer_member (writer, "issuer_key");
  tw_json_writer_base64 (writer, self->issuer_key, sizeof self->issuer_key);
  tw_json_writer_member (writer, "resource");
  tw_json_writer_base64 (writer, self->resource_id, sizeof self->resource_id);
  tw_share_state_write_secret (writer, "subject_seed", self->subject_seed);
  tw_share_state_write_bytes (writer, "certificate", self->certificate);
  tw_share_state_write_secret (writer, "credential", self->credential_content);
  if (self->has_sender_identity)
    {
      tw_json_writer_member (writer, "sender_identity");
      tw_json_writer_base64 (writer, self->sender_identity, sizeof self->sender_identity);
    }
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (writer, 0);
}

static gboolean
restore_secrets (TwShareRecipient  *self,
                 JsonObject        *state,
                 GError           **error)
{
  GError *local_error = NULL;

  self->w = tw_share_state_optional_secret (state, "w", TW_SPAKE2_SCALAR_SIZE, &local_error);
  if (local_error == NULL)
    self->scalar = tw_share_state_optional_secret (state, "scalar", TW_SPAKE2_SCALAR_SIZE,
                                                   &local_error);
  if (local_error == NULL)
    self->receipt_key = tw_share_state_optional_secret (state, "receipt_key",
                                                        TW_SHARE_DIRECTION_KEY_SIZE,
                                                        &local_error);
  if (local_error == NULL)
    self->subject_seed = tw_share_state_optional_secret (state, "subject_seed",
                                                         TW_ED25519_SEED_SIZE, &local_error);
  if (local_error == NULL)
    self->credential_content = tw_share_state_optional_secret (state, "credential", -1,
                                                               &local_error);
  if (local_error == NULL)
    self->certificate = tw_share_state_optional_bytes (state, "certificate", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
restore_fields (TwShareRecipient  *self,
                JsonObject        *state,
                GError           **error)
{
  GError *local_error = NULL;
  gint64 rejections;
  const char *th_pake;

  if (!tw_json_get_int (state, "rejections", 0, TW_SHARE_PIN_ATTEMPTS, &rejections,
                        &local_error)
      || (th_pake = tw_json_get_string (state, "th_pake", &local_error)) == NULL
      || !tw_transcript_from_base64 (th_pake, &self->th_pake, &local_error))
    return tw_share_bad_state (error, local_error);
  if (!tw_share_state_bytes (state, "pA", self->pa, sizeof self->pa, error)
      || !tw_share_state_bytes (state, "issuer_key", self->issuer_key,
                                sizeof self->issuer_key, error)
      || !tw_share_state_bytes (state, "resource", self->resource_id,
                                sizeof self->resource_id, error))
    return FALSE;
  self->has_sender_identity = json_object_has_member (state, "sender_identity");
  if (self->has_sender_identity
      && !tw_share_state_bytes (state, "sender_identity", self->sender_identity,
                                sizeof self->sender_identity, error))
    return FALSE;

  self->rejections = rejections;
  return TRUE;
}

static gboolean
check_restored (TwShareRecipient  *self,
                GError           **error)
{
  gboolean awaits_sender = self->core.last_own_format == TW_MESSAGE_ACCEPT
                           && !tw_share_core_is_over (&self->core);
  /* Once the first message is taken, its share id and signing key are what
   * every later message is checked against; without them any share's
   * message, signed by anyone, would pass. */
  gboolean knows_sender = self->core.peer_next_seq == 0
                          || (self->core.share_id != NULL && self->core.has_sender_key);

  if (self->core.mailbox_id == NULL || !tw_link_mailbox_id_is_valid (self->core.mailbox_id)
      || !knows_sender
      || (self->has_sender_identity && self->core.peer_next_seq == 0)
      || (awaits_sender && (self->w == NULL || self->scalar == NULL))
      || (self->certificate != NULL && self->subject_seed == NULL)
      || (self->core.step == TW_SHARE_ACTION_STORE && self->credential_content == NULL
          && self->certificate == NULL))
    return tw_share_bad_state (error, NULL);

  return TRUE;
}

TwShareRecipient *
tw_share_recipient_restore (TwSecret  *state,
                            GError   **error)
{
  g_autoptr (JsonObject) object = NULL;
  g_autoptr (TwShareRecipient) self = NULL;
  g_autoptr (JsonNode) root = NULL;
  gboolean restored;

  g_return_val_if_fail (state != NULL, NULL);

  object = tw_share_state_parse (state, "recipient", error);
  if (object == NULL)
    return NULL;
  root = json_node_init_object (json_node_alloc (), object);

  self = g_new0 (TwShareRecipient, 1);
  tw_share_core_init (&self->core, TW_ROLE_RECIPIENT);
  restored = tw_share_core_restore (&self->core, object, error)
             && restore_secrets (self, object, error)
             && restore_fields (self, object, error)
             && check_restored (self, error);
  tw_json_wipe_node (root);

  return restored ? g_steal_pointer (&self) : NULL;
}
