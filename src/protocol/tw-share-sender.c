/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-share-sender.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-json-strict.h"
#include "tw-link.h"
#include "tw-pin.h"
#include "tw-share-core.h"
#include "tw-share-identity.h"

struct _TwShareSender
{
  TwShareCore  core;
  TwSecret    *signing_seed;
  TwSecret    *credential_content;   /* JSON text; NULL for a bare digital key */
  gboolean     has_identity;
  TwShareIdentity identity;          /* the block m1 carries, when has_identity */
  /* Verified flow */
  TwSecret    *w;
  TwSecret    *scalar;               /* x behind the pA on offer now */
  guint8       pa[TW_SPAKE2_POINT_SIZE];
  TwTranscript th_pake;              /* up to the message that carried pA */
  guint        wrong_pins;
  TwSecret    *receipt_key;          /* r2s, once deliver is built */
  /* Digital keys */
  TwSecret    *owner_seed;
  guint8       resource_id[TW_CERT_RESOURCE_ID_SIZE];
  guint32      lock_epoch;
  guint8       serial[TW_CERT_SERIAL_SIZE];
  GBytes      *certificate;
};

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, TW_SHARE_ERROR, TW_SHARE_ERROR_INVALID, message);
  return FALSE;
}

static gboolean check_deliver_fits (TwShareSender  *self,
                                    GError        **error);

/* ---------------------------------------------------------------------------
 * Checking the request
 * ------------------------------------------------------------------------- */

/* Parses the credential once to check it, and wipes the parsed copy. */
static gboolean
content_is_object (TwSecret *content)
{
  g_autoptr (JsonNode) root = NULL;
  gboolean is_object;

  root = tw_json_strict_parse (tw_secret_get_text (content), tw_secret_get_size (content),
                               NULL, NULL);
  is_object = root != NULL && JSON_NODE_HOLDS_OBJECT (root);
  tw_json_wipe_node (root);
  return is_object;
}

static gboolean
check_digital_key (const TwShareRequest  *request,
                   GError               **error)
{
  if (request->flow != TW_SHARE_FLOW_VERIFIED)
    return invalid (error, "A digital key can only be shared with a PIN");
  if (request->owner_seed == NULL
      || tw_secret_get_size (request->owner_seed) != TW_ED25519_SEED_SIZE)
    return invalid (error, "A digital key needs the owner's signing key");
  if (request->rights == 0)
    return invalid (error, "A digital key must give at least one right");
  if (request->not_after <= g_get_real_time () / G_USEC_PER_SEC)
    return invalid (error, "A digital key must stay valid for some time after it is shared");

  return TRUE;
}

static gboolean
check_request (const TwShareRequest  *request,
               GError               **error)
{
  gsize title_size = request->title != NULL ? strlen (request->title) : 0;

  if (!tw_share_name_is_valid (request->type))
    return invalid (error, "The credential type is missing or not a simple name");
  if (title_size == 0 || title_size > TW_SHARE_TITLE_MAX_LENGTH
      || !g_utf8_validate (request->title, -1, NULL))
    return invalid (error, "The title must be text of 1 to 256 bytes");
  if ((request->credential_format == NULL) != (request->credential_content == NULL))
    return invalid (error, "A credential needs both a format and a content");
  if (request->credential_format != NULL
      && (!tw_share_name_is_valid (request->credential_format)
          || !content_is_object (request->credential_content)))
    return invalid (error, "The credential's format or content is not well formed");
  if (request->kind == TW_SHARE_KIND_COPY && request->credential_content == NULL)
    return invalid (error, "A copy needs the credential to copy");
  if (request->identity_key != NULL && request->identity_sign == NULL)
    return invalid (error, "An identity needs a function that signs with it");
  if (request->flow == TW_SHARE_FLOW_VERIFIED
      && (request->pin == NULL || !tw_pin_is_well_formed (tw_secret_get_text (request->pin))))
    return invalid (error, "A share with a PIN needs six digits");
  if (request->kind == TW_SHARE_KIND_DIGITAL_KEY)
    return check_digital_key (request, error);

  return TRUE;
}

/* ---------------------------------------------------------------------------
 * The first message
 * ------------------------------------------------------------------------- */

static void
write_credential (TwShareSender *self,
                  TwJsonWriter  *writer)
{
  if (self->credential_content == NULL)
    return;

  tw_json_writer_member (writer, "credential");
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "format");
  tw_json_writer_string (writer, self->core.credential_format);
  tw_json_writer_member (writer, "content");
  tw_json_writer_raw (writer, tw_secret_get_text (self->credential_content),
                      tw_secret_get_size (self->credential_content));
  tw_json_writer_end_object (writer);
}

static void
write_description (TwShareSender *self,
                   TwJsonWriter  *writer)
{
  tw_json_writer_member (writer, "kind");
  tw_json_writer_string (writer, self->core.kind == TW_SHARE_KIND_COPY ? "copy"
                                                                        : "digital-key");
  tw_json_writer_member (writer, "type");
  tw_json_writer_string (writer, self->core.type);
  tw_json_writer_member (writer, "title");
  tw_json_writer_string (writer, self->core.title);
}

static void
write_identity (TwShareSender *self,
                TwJsonWriter  *writer)
{
  if (self->has_identity)
    tw_share_identity_write (&self->identity, writer);
}

static TwSecret *
direct_body (TwShareSender *self)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  write_description (self, writer);
  write_credential (self, writer);
  write_identity (self, writer);
  tw_json_writer_end_object (writer);
  return tw_json_writer_finish (writer, 0);
}

static TwSecret *
offer_body (TwShareSender *self)
{
  TwJsonWriter *writer = tw_json_writer_new ();
  guint8 owner_public_key[TW_ED25519_PUBLIC_SIZE];

  tw_json_writer_begin_object (writer);
  write_description (self, writer);
  if (self->core.credential_format != NULL)
    {
      tw_json_writer_member (writer, "format");
      tw_json_writer_string (writer, self->core.credential_format);
    }
  tw_json_writer_member (writer, "rights");
  tw_json_writer_int (writer, self->core.details.rights);
  tw_json_writer_member (writer, "not_after");
  tw_json_writer_int (writer, self->core.details.not_after);
  tw_json_writer_member (writer, "pin_required");
  tw_json_writer_boolean (writer, TRUE);
  tw_json_writer_member (writer, "suites");
  tw_json_writer_begin_array (writer);
  tw_json_writer_string (writer, TW_SHARE_SUITE);
  tw_json_writer_end_array (writer);
  tw_json_writer_member (writer, "pA");
  tw_json_writer_base64 (writer, self->pa, sizeof self->pa);
  if (self->core.kind == TW_SHARE_KIND_DIGITAL_KEY
      && tw_ed25519_public_key (self->owner_seed, owner_public_key, NULL))
    {
      tw_json_writer_member (writer, "issuer_key");
      tw_json_writer_base64 (writer, owner_public_key, sizeof owner_public_key);
      tw_json_writer_member (writer, "resource");
      tw_json_writer_base64 (writer, self->resource_id, sizeof self->resource_id);
    }
  write_identity (self, writer);
  tw_json_writer_end_object (writer);
  return tw_json_writer_finish (writer, 0);
}

/* A fresh pA (and its x) for the first offer and after each wrong PIN. */
static gboolean
new_pake_share (TwShareSender  *self,
                GError        **error)
{
  g_autoptr (TwSpake2) pake = tw_share_pake_new (TW_SPAKE2_ROLE_A, self->w, NULL, error);

  if (pake == NULL)
    return FALSE;

  g_clear_pointer (&self->scalar, tw_secret_unref);
  self->scalar = tw_spake2_get_scalar (pake);
  tw_spake2_get_share (pake, self->pa);
  return TRUE;
}

/* The identity vouches for this share id and this share's signing key. */
static gboolean
make_identity (TwShareSender         *self,
               const TwShareRequest  *request,
               GError               **error)
{
  guint8 signing_key[TW_ED25519_PUBLIC_SIZE];

  if (request->identity_key == NULL)
    return TRUE;
  if (!tw_ed25519_public_key (self->signing_seed, signing_key, error)
      || !tw_share_identity_make (request->identity_key, request->identity_sign,
                                  request->identity_sign_data, self->core.share_id,
                                  signing_key, &self->identity, error))
    return FALSE;

  self->has_identity = TRUE;
  return TRUE;
}

/* m1 fixes the link key: K commits to its exact plaintext. */
static gboolean
queue_first_message (TwShareSender  *self,
                     GError        **error)
{
  gboolean verified = self->core.flow == TW_SHARE_FLOW_VERIFIED;
  TwMessageFormat format = verified ? TW_MESSAGE_OFFER : TW_MESSAGE_DELIVER;
  TwMessageHeader header = tw_share_core_next_header (&self->core);
  g_autoptr (TwSecret) body = verified ? offer_body (self) : direct_body (self);
  g_autoptr (TwSecret) m1 = NULL;
  g_autoptr (TwSecret) link_seed = tw_link_key_new_seed ();

  m1 = tw_message_build (format, &header, self->core.share_id, body, self->signing_seed,
                         error);
  if (m1 == NULL)
    return FALSE;
  self->core.link_key = tw_link_key_derive (link_seed, tw_secret_get_data (m1),
                                            tw_secret_get_size (m1), error);
  if (self->core.link_key == NULL
      || !tw_share_core_queue (&self->core, format, m1, TW_SHARE_ACTION_READ, error))
    return FALSE;

  self->th_pake = self->core.th;
  return TRUE;
}

static void
take_request (TwShareSender        *self,
              const TwShareRequest *request)
{
  guint8 share_id[TW_SHARE_ID_SIZE];
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];

  self->core.flow = request->flow;
  self->core.kind = request->kind;
  tw_share_core_set_details (&self->core, request->type, request->title,
                             request->credential_format);
  self->core.details.tries_left = request->flow == TW_SHARE_FLOW_VERIFIED
                                  ? TW_SHARE_PIN_ATTEMPTS : 0;

  tw_random_bytes (share_id, sizeof share_id);
  self->core.share_id = g_malloc (TW_SHARE_ID_TEXT_LENGTH + 1);
  for (guint i = 0; i < TW_SHARE_ID_SIZE; i++)
    g_snprintf (self->core.share_id + 2 * i, 3, "%02x", share_id[i]);
  self->core.details.share_id = self->core.share_id;
  tw_ed25519_generate (&self->signing_seed, public_key);
  if (request->credential_content != NULL)
    self->credential_content = tw_secret_ref (request->credential_content);

  if (request->kind == TW_SHARE_KIND_DIGITAL_KEY)
    {
      self->owner_seed = tw_secret_ref (request->owner_seed);
      memcpy (self->resource_id, request->resource_id, sizeof self->resource_id);
      self->lock_epoch = request->lock_epoch;
      self->core.details.rights = request->rights;
      self->core.details.not_after = request->not_after;
      tw_random_bytes (self->serial, sizeof self->serial);
    }
}

TwShareSender *
tw_share_sender_new (const TwShareRequest  *request,
                     GError               **error)
{
  g_autoptr (TwShareSender) self = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  if (!check_request (request, error))
    return NULL;

  self = g_new0 (TwShareSender, 1);
  tw_share_core_init (&self->core, TW_ROLE_SENDER);
  take_request (self, request);
  if (!make_identity (self, request, error))
    return NULL;

  if (request->flow == TW_SHARE_FLOW_VERIFIED)
    {
      self->w = tw_spake2_derive_w (tw_secret_get_text (request->pin), self->core.share_id,
                                    error);
      if (self->w == NULL || !new_pake_share (self, error) || !check_deliver_fits (self, error))
        return NULL;
    }
  if (!queue_first_message (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
tw_share_sender_free (TwShareSender *self)
{
  if (self == NULL)
    return;

  tw_share_core_clear (&self->core);
  g_clear_pointer (&self->signing_seed, tw_secret_unref);
  g_clear_pointer (&self->credential_content, tw_secret_unref);
  g_clear_pointer (&self->w, tw_secret_unref);
  g_clear_pointer (&self->scalar, tw_secret_unref);
  g_clear_pointer (&self->receipt_key, tw_secret_unref);
  g_clear_pointer (&self->owner_seed, tw_secret_unref);
  g_clear_pointer (&self->certificate, g_bytes_unref);
  g_free (self);
}

/* ---------------------------------------------------------------------------
 * Answers to accept
 * ------------------------------------------------------------------------- */

static gboolean
send_cancel (TwShareSender   *self,
             const char      *reason,
             TwShareFailure   failure,
             GError         **error)
{
  g_autoptr (TwSecret) body = tw_share_core_cancel_body (reason);

  self->core.failure = failure;
  return tw_share_core_send (&self->core, TW_MESSAGE_CANCEL, body, self->signing_seed,
                             TW_SHARE_ACTION_DELETE, error);
}

static TwSecret *
pin_rejected_body (TwShareSender *self)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "tries_left");
  tw_json_writer_int (writer, TW_SHARE_PIN_ATTEMPTS - self->wrong_pins);
  tw_json_writer_member (writer, "pA");
  tw_json_writer_base64 (writer, self->pa, sizeof self->pa);
  tw_json_writer_end_object (writer);
  return tw_json_writer_finish (writer, 0);
}

/* The count goes up in the same step that writes pin-rejected (or the
 * final cancel), so a saved state never holds one without the other. */
static gboolean
answer_wrong_pin (TwShareSender  *self,
                  GError        **error)
{
  g_autoptr (TwSecret) body = NULL;

  self->wrong_pins++;
  self->core.details.tries_left = TW_SHARE_PIN_ATTEMPTS - self->wrong_pins;
  if (self->wrong_pins >= TW_SHARE_PIN_ATTEMPTS)
    return send_cancel (self, TW_SHARE_REASON_PIN_ATTEMPTS, TW_SHARE_FAILURE_PIN_ATTEMPTS,
                        error);

  if (!new_pake_share (self, error))
    return FALSE;
  body = pin_rejected_body (self);
  if (!tw_share_core_send (&self->core, TW_MESSAGE_PIN_REJECTED, body, self->signing_seed,
                           TW_SHARE_ACTION_READ, error))
    return FALSE;

  self->th_pake = self->core.th;
  return TRUE;
}

static gboolean
issue_certificate (TwShareSender  *self,
                   const guint8   *subject_key,
                   GError        **error)
{
  TwCertFields fields = { 0 };

  memcpy (fields.serial, self->serial, sizeof fields.serial);
  memcpy (fields.resource_id, self->resource_id, sizeof fields.resource_id);
  memcpy (fields.subject_public_key, subject_key, sizeof fields.subject_public_key);
  fields.rights = self->core.details.rights;
  fields.not_before = g_get_real_time () / G_USEC_PER_SEC - TW_CERT_CLOCK_SKEW;
  fields.not_after = self->core.details.not_after;
  fields.lock_epoch = self->lock_epoch;
  for (guint i = 0; i < TW_CERT_SHARE_ID_SIZE; i++)
    fields.share_id[i] = g_ascii_xdigit_value (self->core.share_id[2 * i]) << 4
                         | g_ascii_xdigit_value (self->core.share_id[2 * i + 1]);

  self->certificate = tw_cert_issue (&fields, self->owner_seed, error);
  return self->certificate != NULL;
}

static TwSecret *
deliver_inner (TwShareSender *self)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  write_credential (self, writer);
  if (self->certificate != NULL)
    {
      tw_json_writer_member (writer, "certificate");
      tw_json_writer_base64 (writer, g_bytes_get_data (self->certificate, NULL),
                             g_bytes_get_size (self->certificate));
    }
  tw_json_writer_end_object (writer);
  return tw_json_writer_finish (writer, 0);
}

static TwSecret *
deliver_body (const guint8  confirmation[TW_SPAKE2_MAC_SIZE],
              GBytes       *sealed)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "cA");
  tw_json_writer_base64 (writer, confirmation, TW_SPAKE2_MAC_SIZE);
  tw_json_writer_member (writer, "sealed");
  tw_json_writer_base64 (writer, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
  tw_json_writer_end_object (writer);
  return tw_json_writer_finish (writer, 0);
}

/* The deliver plaintext and ciphertext are made once and kept in the state;
 * a retry sends the same bytes and never issues a second certificate. */
static gboolean
send_deliver (TwShareSender  *self,
              TwSpake2       *pake,
              const guint8   *subject_key,
              GError        **error)
{
  g_autoptr (TwSecret) s2r = tw_share_direction_key (pake, &self->th_pake,
                                                     TW_SHARE_LABEL_S2R, error);
  g_autoptr (TwSecret) inner = NULL;
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (TwSecret) body = NULL;
  guint8 confirmation[TW_SPAKE2_MAC_SIZE];

  if (s2r == NULL)
    return FALSE;
  self->receipt_key = tw_share_direction_key (pake, &self->th_pake, TW_SHARE_LABEL_R2S, error);
  if (self->receipt_key == NULL)
    return FALSE;
  if (subject_key != NULL && !issue_certificate (self, subject_key, error))
    return FALSE;

  inner = deliver_inner (self);
  sealed = tw_share_inner_seal (s2r, TW_SHARE_LABEL_S2R, self->core.share_id, &self->core.th,
                                inner, error);
  if (sealed == NULL)
    return FALSE;
  tw_spake2_get_confirmation (pake, confirmation);
  body = deliver_body (confirmation, sealed);
  return tw_share_core_send (&self->core, TW_MESSAGE_DELIVER, body, self->signing_seed,
                             TW_SHARE_ACTION_READ, error);
}

/* deliver is built only once the right PIN has come and the accept is
 * taken; a credential too large for it would fail there and leave the
 * share stuck. So a stand-in of the same size is built when the share is
 * made: the same inner part (a blank certificate of the real size), sealed
 * under a throwaway key, under the longest header deliver can have. */
static gboolean
check_deliver_fits (TwShareSender  *self,
                    GError        **error)
{
  static const guint8 blank_certificate[TW_CERT_SIZE];
  const guint8 blank_confirmation[TW_SPAKE2_MAC_SIZE] = { 0 };
  g_autoptr (TwSecret) throwaway_key = tw_secret_new (TW_SHARE_DIRECTION_KEY_SIZE);
  g_autoptr (TwSecret) inner = NULL;
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (TwSecret) body = NULL;
  g_autoptr (TwSecret) message = NULL;
  TwMessageHeader header = tw_share_core_next_header (&self->core);

  if (self->core.kind == TW_SHARE_KIND_DIGITAL_KEY)
    self->certificate = g_bytes_new_static (blank_certificate, sizeof blank_certificate);
  inner = deliver_inner (self);
  g_clear_pointer (&self->certificate, g_bytes_unref);

  sealed = tw_share_inner_seal (throwaway_key, TW_SHARE_LABEL_S2R, self->core.share_id,
                                &self->core.th, inner, error);
  if (sealed == NULL)
    return FALSE;
  body = deliver_body (blank_confirmation, sealed);
  header.mailbox_id = "00000000-0000-4000-8000-000000000000";
  header.seq = TW_SHARE_PIN_ATTEMPTS;
  message = tw_message_build (TW_MESSAGE_DELIVER, &header, self->core.share_id, body,
                              self->signing_seed, NULL);
  if (message == NULL)
    return invalid (error, "The credential is too large to share");

  return TRUE;
}

typedef struct {
  const char *suite;
  guint8      pb[TW_SPAKE2_POINT_SIZE];
  guint8      cb[TW_SPAKE2_MAC_SIZE];
  gboolean    has_subject;
  guint8      subject_key[TW_ED25519_PUBLIC_SIZE];
  guint8      pop[TW_ED25519_SIG_SIZE];
} Accept;

static gboolean
read_accept (TwShareSender  *self,
             JsonObject     *body,
             Accept         *accept,
             GError        **error)
{
  static const char * const members[] = { "suite", "pB", "cB", "subject_key", "pop", NULL };
  GError *local_error = NULL;
  gboolean wants_key = self->core.kind == TW_SHARE_KIND_DIGITAL_KEY;

  if (!tw_json_check_members (body, members, &local_error)
      || (accept->suite = tw_json_get_string (body, "suite", &local_error)) == NULL)
    return tw_share_bad_content (error, local_error, "accept message");
  if (strcmp (accept->suite, TW_SHARE_SUITE) != 0)
    return TRUE;
  if (!tw_share_body_bytes (body, "pB", accept->pb, sizeof accept->pb, error)
      || !tw_share_body_bytes (body, "cB", accept->cb, sizeof accept->cb, error))
    return FALSE;
  if (json_object_has_member (body, "subject_key") != wants_key
      || json_object_has_member (body, "pop") != wants_key)
    return tw_share_bad_content (error, NULL, "accept message");
  accept->has_subject = wants_key;
  if (wants_key
      && (!tw_share_body_bytes (body, "subject_key", accept->subject_key,
                                sizeof accept->subject_key, error)
          || !tw_share_body_bytes (body, "pop", accept->pop, sizeof accept->pop, error)))
    return FALSE;

  return TRUE;
}

static gboolean
check_proof_of_possession (TwShareSender  *self,
                           const Accept   *accept,
                           GError        **error)
{
  g_autoptr (GBytes) input = tw_share_pop_input (&self->th_pake, accept->pb);

  if (!tw_ed25519_verify (accept->subject_key, g_bytes_get_data (input, NULL),
                          g_bytes_get_size (input), accept->pop))
    {
      g_set_error_literal (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_PROOF,
                           "The recipient did not prove that it holds its new key");
      return FALSE;
    }

  return TRUE;
}

static gboolean
handle_accept (TwShareSender  *self,
               TwMessage      *message,
               GBytes         *payload,
               GError        **error)
{
  Accept accept = { 0 };
  g_autoptr (TwSpake2) pake = NULL;
  g_autoptr (GBytes) aad = NULL;
  g_autoptr (GError) local_error = NULL;
  const guint8 *subject_key;

  if (!read_accept (self, tw_message_get_body (message), &accept, error))
    return FALSE;
  if (strcmp (accept.suite, TW_SHARE_SUITE) != 0)
    {
      tw_share_core_take (&self->core, message, payload);
      return send_cancel (self, TW_SHARE_REASON_UNSUPPORTED, TW_SHARE_FAILURE_UNSUPPORTED,
                          error);
    }

  subject_key = accept.has_subject ? accept.subject_key : NULL;
  aad = tw_share_pake_aad (&self->th_pake, self->core.share_id, subject_key);
  pake = tw_share_pake_new (TW_SPAKE2_ROLE_A, self->w, self->scalar, error);
  if (pake == NULL)
    return FALSE;
  if (!tw_spake2_finish (pake, accept.pb, g_bytes_get_data (aad, NULL),
                         g_bytes_get_size (aad), &local_error))
    return tw_share_bad_content (error, g_steal_pointer (&local_error), "accept message");

  if (!tw_spake2_verify_confirmation (pake, accept.cb, NULL))
    {
      tw_share_core_take (&self->core, message, payload);
      return answer_wrong_pin (self, error);
    }
  if (subject_key != NULL && !check_proof_of_possession (self, &accept, error))
    return FALSE;

  tw_share_core_take (&self->core, message, payload);
  /* The PIN may come days after the offer; a grant that has ended by then
   * would make a certificate that is void from the start. */
  if (self->core.kind == TW_SHARE_KIND_DIGITAL_KEY
      && self->core.details.not_after <= g_get_real_time () / G_USEC_PER_SEC)
    return send_cancel (self, TW_SHARE_REASON_EXPIRED, TW_SHARE_FAILURE_EXPIRED, error);

  return send_deliver (self, pake, subject_key, error);
}

/* ---------------------------------------------------------------------------
 * Receipt and cancel
 * ------------------------------------------------------------------------- */

static gboolean
check_sealed_receipt (TwShareSender  *self,
                      TwMessage      *message,
                      JsonObject     *body,
                      GError        **error)
{
  GError *local_error = NULL;
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (TwSecret) inner = NULL;
  static const char expected[] = "{\"outcome\":\"stored\"}";
  const char *text = tw_json_get_string (body, "sealed", &local_error);

  if (text == NULL
      || (sealed = tw_base64_decode_bytes (text, -1, TW_BASE64_STANDARD, &local_error)) == NULL
      || (inner = tw_share_inner_open (self->receipt_key, TW_SHARE_LABEL_R2S,
                                       self->core.share_id,
                                       &tw_message_get_header (message)->th,
                                       sealed, &local_error)) == NULL)
    return tw_share_bad_content (error, local_error, "receipt");
  if (tw_secret_get_size (inner) != strlen (expected)
      || memcmp (tw_secret_get_data (inner), expected, strlen (expected)) != 0)
    return tw_share_bad_content (error, NULL, "receipt");

  return TRUE;
}

static gboolean
handle_receipt (TwShareSender  *self,
                TwMessage      *message,
                GBytes         *payload,
                GError        **error)
{
  static const char * const direct_members[] = { "outcome", NULL };
  static const char * const verified_members[] = { "outcome", "sealed", NULL };
  gboolean verified = self->core.flow == TW_SHARE_FLOW_VERIFIED;
  JsonObject *body = tw_message_get_body (message);
  GError *local_error = NULL;
  const char *outcome;

  if (!tw_json_check_members (body, verified ? verified_members : direct_members,
                              &local_error)
      || (outcome = tw_json_get_string (body, "outcome", &local_error)) == NULL)
    return tw_share_bad_content (error, local_error, "receipt");
  if (strcmp (outcome, "stored") != 0)
    return tw_share_bad_content (error, NULL, "receipt");
  if (verified && !check_sealed_receipt (self, message, body, error))
    return FALSE;

  tw_share_core_take (&self->core, message, payload);
  tw_share_core_end (&self->core, TW_SHARE_FAILURE_NONE, TRUE);
  return TRUE;
}

static gboolean
handle_cancel (TwShareSender  *self,
               TwMessage      *message,
               GBytes         *payload)
{
  const char *reason = NULL;
  gboolean cancelling = self->core.step == TW_SHARE_ACTION_WRITE
                        && self->core.last_own_format == TW_MESSAGE_CANCEL;

  tw_json_get_optional_string (tw_message_get_body (message), "reason", &reason, NULL);
  tw_share_core_take (&self->core, message, payload);
  /* Both cancelled at once: ours stands, and the mailbox still goes. */
  if (cancelling)
    return TRUE;

  tw_share_core_end (&self->core, tw_share_core_failure_from_reason (reason), TRUE);
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * The caller's reports
 * ------------------------------------------------------------------------- */

static guint
allowed_formats (TwShareSender *self)
{
  if (self->core.last_own_format == TW_MESSAGE_CANCEL)
    return TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);
  if (self->core.last_own_format == TW_MESSAGE_DELIVER)
    return TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_RECEIPT) | TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);

  return TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_ACCEPT) | TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);
}

gboolean
tw_share_sender_receive (TwShareSender  *self,
                         GBytes         *payload,
                         GError        **error)
{
  g_autoptr (TwMessage) message = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (self != NULL && payload != NULL, FALSE);

  if (self->core.step != TW_SHARE_ACTION_WRITE
      && !tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_READ, "receive", error))
    return FALSE;

  message = tw_share_core_read (&self->core, payload, allowed_formats (self), &local_error);
  if (g_error_matches (local_error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_UNKNOWN_VERSION))
    return send_cancel (self, TW_SHARE_REASON_UNSUPPORTED, TW_SHARE_FAILURE_UNSUPPORTED,
                        error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (message == NULL)
    return TRUE;

  switch (tw_message_get_format (message))
    {
    case TW_MESSAGE_ACCEPT:
      return handle_accept (self, message, payload, error);
    case TW_MESSAGE_RECEIPT:
      return handle_receipt (self, message, payload, error);
    case TW_MESSAGE_CANCEL:
      return handle_cancel (self, message, payload);
    case TW_MESSAGE_OFFER:
    case TW_MESSAGE_PIN_REJECTED:
    case TW_MESSAGE_DELIVER:
    default:
      g_return_val_if_reached (FALSE);
    }
}

gboolean
tw_share_sender_created (TwShareSender  *self,
                         const char     *mailbox_id,
                         GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_CREATE, "created", error))
    return FALSE;
  if (!tw_link_mailbox_id_is_valid (mailbox_id))
    return invalid (error, "The relay gave a mailbox id that is not a UUID");

  self->core.mailbox_id = g_strdup (mailbox_id);
  tw_share_core_written (&self->core);
  return TRUE;
}

gboolean
tw_share_sender_written (TwShareSender  *self,
                         GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_WRITE, "written", error))
    return FALSE;

  tw_share_core_written (&self->core);
  return TRUE;
}

gboolean
tw_share_sender_deleted (TwShareSender  *self,
                         GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!tw_share_core_expect_step (&self->core, TW_SHARE_ACTION_DELETE, "deleted", error))
    return FALSE;

  tw_share_core_deleted (&self->core);
  return TRUE;
}

void
tw_share_sender_mailbox_gone (TwShareSender *self,
                              gboolean       expired)
{
  g_return_if_fail (self != NULL);

  if (tw_share_core_is_over (&self->core))
    return;
  if (self->core.step == TW_SHARE_ACTION_DELETE)
    tw_share_core_deleted (&self->core);
  else
    tw_share_core_end (&self->core,
                       expired ? TW_SHARE_FAILURE_EXPIRED : TW_SHARE_FAILURE_MAILBOX_GONE,
                       FALSE);
}

gboolean
tw_share_sender_cancel (TwShareSender  *self,
                        GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* A receipt already came: the credential has crossed for good. */
  if (tw_share_core_is_over (&self->core)
      || (self->core.step == TW_SHARE_ACTION_DELETE
          && self->core.failure == TW_SHARE_FAILURE_NONE))
    {
      g_set_error_literal (error, TW_SHARE_ERROR, TW_SHARE_ERROR_STATE,
                           "The share has already ended; there is nothing to cancel");
      return FALSE;
    }
  if (self->core.step == TW_SHARE_ACTION_DELETE)
    return TRUE;
  /* No mailbox id yet: if the create did land, the relay lets it expire. */
  if (self->core.step == TW_SHARE_ACTION_CREATE)
    {
      tw_share_core_end (&self->core, TW_SHARE_FAILURE_CANCELLED, FALSE);
      return TRUE;
    }

  return send_cancel (self, TW_SHARE_REASON_CANCELLED, TW_SHARE_FAILURE_CANCELLED, error);
}

void
tw_share_sender_set_expiration (TwShareSender *self,
                                gint64         expires_at)
{
  g_return_if_fail (self != NULL);

  self->core.expires_at = expires_at;
}

void
tw_share_sender_check_expiry (TwShareSender *self,
                              gint64         relay_now)
{
  g_return_if_fail (self != NULL);

  if (self->core.expires_at > 0 && relay_now >= self->core.expires_at)
    tw_share_sender_mailbox_gone (self, TRUE);
}

/* ---------------------------------------------------------------------------
 * Getters
 * ------------------------------------------------------------------------- */

const TwShareAction *
tw_share_sender_get_action (TwShareSender *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return tw_share_core_get_action (&self->core);
}

const TwShareDetails *
tw_share_sender_get_details (TwShareSender *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  self->core.details.share_id = self->core.share_id;
  return &self->core.details;
}

TwSecret *
tw_share_sender_get_link_key (TwShareSender *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->core.link_key;
}

char *
tw_share_sender_get_bind_verifier (TwShareSender *self)
{
  g_autoptr (TwSecret) bind_token = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  bind_token = tw_link_key_derive_bind_token (self->core.link_key, NULL);
  return bind_token != NULL ? tw_link_key_bind_verifier (bind_token) : NULL;
}

const char *
tw_share_sender_get_mailbox_id (TwShareSender *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->core.mailbox_id;
}

guint
tw_share_sender_get_wrong_pins (TwShareSender *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->wrong_pins;
}

GBytes *
tw_share_sender_get_certificate (TwShareSender *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->certificate;
}

/* ---------------------------------------------------------------------------
 * Saving and restoring
 * ------------------------------------------------------------------------- */

TwSecret *
tw_share_sender_save (TwShareSender *self)
{
  TwJsonWriter *writer;
  g_autofree char *th_pake = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  writer = tw_json_writer_new ();
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "v");
  tw_json_writer_int (writer, TW_SHARE_STATE_VERSION);
  tw_json_writer_member (writer, "role");
  tw_json_writer_string (writer, "sender");
  tw_share_core_save (&self->core, writer);
  tw_share_state_write_secret (writer, "signing_seed", self->signing_seed);
  tw_share_state_write_secret (writer, "credential", self->credential_content);
  tw_share_state_write_secret (writer, "w", self->w);
  tw_share_state_write_secret (writer, "scalar", self->scalar);
  tw_json_writer_member (writer, "pA");
  tw_json_writer_base64 (writer, self->pa, sizeof self->pa);
  th_pake = tw_transcript_to_base64 (&self->th_pake);
  tw_json_writer_member (writer, "th_pake");
  tw_json_writer_string (writer, th_pake);
  tw_json_writer_member (writer, "wrong_pins");
  tw_json_writer_int (writer, self->wrong_pins);
  tw_share_state_write_secret (writer, "receipt_key", self->receipt_key);
  tw_share_state_write_secret (writer, "owner_seed", self->owner_seed);
  tw_json_writer_member (writer, "resource");
  tw_json_writer_base64 (writer, self->resource_id, sizeof self->resource_id);
  tw_json_writer_member (writer, "epoch");
  tw_json_writer_int (writer, self->lock_epoch);
  tw_json_writer_member (writer, "serial");
  tw_json_writer_base64 (writer, self->serial, sizeof self->serial);
  tw_share_state_write_bytes (writer, "certificate", self->certificate);
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (writer, 0);
}

static gboolean
restore_secrets (TwShareSender  *self,
                 JsonObject     *state,
                 GError        **error)
{
  GError *local_error = NULL;

  self->signing_seed = tw_share_state_optional_secret (state, "signing_seed",
                                                       TW_ED25519_SEED_SIZE, &local_error);
  if (local_error == NULL)
    self->credential_content = tw_share_state_optional_secret (state, "credential", -1,
                                                               &local_error);
  if (local_error == NULL)
    self->w = tw_share_state_optional_secret (state, "w", TW_SPAKE2_SCALAR_SIZE, &local_error);
  if (local_error == NULL)
    self->scalar = tw_share_state_optional_secret (state, "scalar", TW_SPAKE2_SCALAR_SIZE,
                                                   &local_error);
  if (local_error == NULL)
    self->receipt_key = tw_share_state_optional_secret (state, "receipt_key",
                                                        TW_SHARE_DIRECTION_KEY_SIZE,
                                                        &local_error);
  if (local_error == NULL)
    self->owner_seed = tw_share_state_optional_secret (state, "owner_seed",
                                                       TW_ED25519_SEED_SIZE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
restore_fields (TwShareSender  *self,
                JsonObject     *state,
                GError        **error)
{
  GError *local_error = NULL;
  gint64 wrong_pins, epoch;
  const char *th_pake;

  if (!tw_json_get_int (state, "wrong_pins", 0, TW_SHARE_PIN_ATTEMPTS, &wrong_pins,
                        &local_error)
      || !tw_json_get_int (state, "epoch", 0, G_MAXUINT32, &epoch, &local_error)
      || (th_pake = tw_json_get_string (state, "th_pake", &local_error)) == NULL
      || !tw_transcript_from_base64 (th_pake, &self->th_pake, &local_error))
    return tw_share_bad_state (error, local_error);
  if (!tw_share_state_bytes (state, "pA", self->pa, sizeof self->pa, error)
      || !tw_share_state_bytes (state, "resource", self->resource_id,
                                sizeof self->resource_id, error)
      || !tw_share_state_bytes (state, "serial", self->serial, sizeof self->serial, error))
    return FALSE;
  self->certificate = tw_share_state_optional_bytes (state, "certificate", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  self->wrong_pins = wrong_pins;
  self->lock_epoch = epoch;
  return TRUE;
}

static gboolean
check_restored (TwShareSender  *self,
                GError        **error)
{
  gboolean verified = self->core.flow == TW_SHARE_FLOW_VERIFIED;
  gboolean digital_key = self->core.kind == TW_SHARE_KIND_DIGITAL_KEY;

  if (self->signing_seed == NULL
      || (verified && (self->w == NULL || self->scalar == NULL))
      || (digital_key && (!verified || self->owner_seed == NULL))
      || (!digital_key && self->credential_content == NULL)
      || (self->credential_content != NULL && self->core.credential_format == NULL)
      || (verified && self->core.last_own_format == TW_MESSAGE_DELIVER
          && self->receipt_key == NULL))
    return tw_share_bad_state (error, NULL);

  return TRUE;
}

TwShareSender *
tw_share_sender_restore (TwSecret  *state,
                         GError   **error)
{
  g_autoptr (JsonObject) object = NULL;
  g_autoptr (TwShareSender) self = NULL;
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (state != NULL, NULL);

  object = tw_share_state_parse (state, "sender", error);
  if (object == NULL)
    return NULL;
  root = json_node_init_object (json_node_alloc (), object);

  self = g_new0 (TwShareSender, 1);
  tw_share_core_init (&self->core, TW_ROLE_SENDER);
  if (!tw_share_core_restore (&self->core, object, error)
      || !restore_secrets (self, object, error)
      || !restore_fields (self, object, error)
      || !check_restored (self, error))
    {
      tw_json_wipe_node (root);
      return NULL;
    }

  tw_json_wipe_node (root);
  return g_steal_pointer (&self);
}
