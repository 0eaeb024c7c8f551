/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "tw-base64.h"
#include "wallet-enums.h"
#include "wallet-share-private.h"

/* Five minutes, as the protocol's clock rule says. */
#define CLOCK_SKEW_LIMIT_SECONDS (5 * 60)

struct _WalletShare
{
  GObject               parent_instance;

  char                 *id;
  char                 *share_id;
  char                 *mailbox_id;
  WalletShareDirection  direction;
  WalletShareFlow       flow;
  WalletShareState      state;
  char                 *title;
  WalletCredentialType  credential_type;
  char                 *credential_id;
  char                 *relay;
  gboolean              relay_trusted;
  gboolean              sender_verified;
  char                 *sender_name;
  gboolean              from_other_app;
  guint                 tries_left;
  gint64                expiration;     /* Unix seconds, relay clock; 0: unknown */
  gint64                clock_offset;   /* relay clock minus ours */
  GDateTime            *expiration_dt;
  gboolean              several_devices;
  GError               *error;
  GDateTime            *created;
  TwLink               *link;
  gboolean              has_pin;
  gboolean              pin_revealed;
};

G_DEFINE_FINAL_TYPE (WalletShare, wallet_share, G_TYPE_OBJECT)

G_DEFINE_QUARK (wallet-share-error-quark, wallet_share_error)

enum {
  PROP_0,
  PROP_ID,
  PROP_SHARE_ID,
  PROP_MAILBOX_ID,
  PROP_DIRECTION,
  PROP_FLOW,
  PROP_STATE,
  PROP_TITLE,
  PROP_CREDENTIAL_TYPE,
  PROP_CREDENTIAL_ID,
  PROP_RELAY,
  PROP_RELAY_TRUSTED,
  PROP_SENDER_VERIFIED,
  PROP_SENDER_NAME,
  PROP_FROM_OTHER_APP,
  PROP_TRIES_LEFT,
  PROP_EXPIRATION,
  PROP_CLOCK_SKEWED,
  PROP_OPENED_ON_SEVERAL_DEVICES,
  PROP_ERROR,
  PROP_CREATED,
  PROP_HAS_LINK,
  PROP_HAS_PIN,
  PROP_PIN_REVEALED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct {
  const char *name;
  const char *label;
} state_names[] = {
  [WALLET_SHARE_STATE_NEW] = { "new", N_("Not opened yet") },
  [WALLET_SHARE_STATE_CONNECTING] = { "connecting", N_("Contacting the relay") },
  [WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT] = { "waiting-for-recipient",
                                                 N_("Waiting for the recipient") },
  [WALLET_SHARE_STATE_OPENED] = { "opened", N_("Opened") },
  [WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES] = { "opened-on-several-devices",
                                                     N_("Opened on more than one device") },
  [WALLET_SHARE_STATE_WAITING_FOR_PIN] = { "waiting-for-pin", N_("Waiting for the PIN") },
  [WALLET_SHARE_STATE_PIN_WRONG] = { "pin-wrong", N_("Wrong PIN") },
  [WALLET_SHARE_STATE_WAITING_FOR_SENDER] = { "waiting-for-sender",
                                              N_("Waiting for the sender") },
  [WALLET_SHARE_STATE_DELIVERING] = { "delivering", N_("Sent, waiting for confirmation") },
  [WALLET_SHARE_STATE_STORING] = { "storing", N_("Saving in your wallet") },
  [WALLET_SHARE_STATE_DELIVERED] = { "delivered", N_("Delivered") },
  [WALLET_SHARE_STATE_RECEIVED] = { "received", N_("Received") },
  [WALLET_SHARE_STATE_DECLINED] = { "declined", N_("Declined") },
  [WALLET_SHARE_STATE_CANCELLED] = { "cancelled", N_("Cancelled") },
  [WALLET_SHARE_STATE_EXPIRED] = { "expired", N_("Expired") },
  [WALLET_SHARE_STATE_FAILED] = { "failed", N_("Failed") },
};

gboolean
wallet_share_state_is_final (WalletShareState state)
{
  return state >= WALLET_SHARE_STATE_DELIVERED;
}

const char *
wallet_share_state_get_label (WalletShareState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);

  return _(state_names[state].label);
}

const char *
wallet_share_state_to_string (WalletShareState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);

  return state_names[state].name;
}

WalletShareState
wallet_share_state_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    {
      if (g_strcmp0 (state_names[i].name, name) == 0)
        return i;
    }

  return WALLET_SHARE_STATE_FAILED;
}

static void
wallet_share_finalize (GObject *object)
{
  WalletShare *self = WALLET_SHARE (object);

  g_free (self->id);
  g_free (self->share_id);
  g_free (self->mailbox_id);
  g_free (self->title);
  g_free (self->credential_id);
  g_free (self->relay);
  g_free (self->sender_name);
  g_clear_pointer (&self->expiration_dt, g_date_time_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->link, tw_link_unref);

  G_OBJECT_CLASS (wallet_share_parent_class)->finalize (object);
}

static void
wallet_share_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WalletShare *self = WALLET_SHARE (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_SHARE_ID: g_value_set_string (value, self->share_id); break;
    case PROP_MAILBOX_ID: g_value_set_string (value, self->mailbox_id); break;
    case PROP_DIRECTION: g_value_set_enum (value, self->direction); break;
    case PROP_FLOW: g_value_set_enum (value, self->flow); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_CREDENTIAL_TYPE: g_value_set_enum (value, self->credential_type); break;
    case PROP_CREDENTIAL_ID: g_value_set_string (value, self->credential_id); break;
    case PROP_RELAY: g_value_set_string (value, self->relay); break;
    case PROP_RELAY_TRUSTED: g_value_set_boolean (value, self->relay_trusted); break;
    case PROP_SENDER_VERIFIED: g_value_set_boolean (value, self->sender_verified); break;
    case PROP_SENDER_NAME: g_value_set_string (value, self->sender_name); break;
    case PROP_FROM_OTHER_APP: g_value_set_boolean (value, self->from_other_app); break;
    case PROP_TRIES_LEFT: g_value_set_uint (value, self->tries_left); break;
    case PROP_EXPIRATION: g_value_set_boxed (value, self->expiration_dt); break;
    case PROP_CLOCK_SKEWED:
      g_value_set_boolean (value, wallet_share_get_clock_skewed (self));
      break;
    case PROP_OPENED_ON_SEVERAL_DEVICES: g_value_set_boolean (value, self->several_devices); break;
    case PROP_ERROR: g_value_set_boxed (value, self->error); break;
    case PROP_CREATED: g_value_set_boxed (value, self->created); break;
    case PROP_HAS_LINK: g_value_set_boolean (value, self->link != NULL); break;
    case PROP_HAS_PIN: g_value_set_boolean (value, self->has_pin); break;
    case PROP_PIN_REVEALED: g_value_set_boolean (value, self->pin_revealed); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
boolean_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
enum_property (const char *name,
               GType       type,
               int         default_value)
{
  return g_param_spec_enum (name, NULL, NULL, type, default_value,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
boxed_property (const char *name,
                GType       type)
{
  return g_param_spec_boxed (name, NULL, NULL, type,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static void
wallet_share_class_init (WalletShareClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wallet_share_finalize;
  object_class->get_property = wallet_share_get_property;

  properties[PROP_ID] = string_property ("id");
  properties[PROP_SHARE_ID] = string_property ("share-id");
  properties[PROP_MAILBOX_ID] = string_property ("mailbox-id");
  properties[PROP_DIRECTION] = enum_property ("direction", WALLET_TYPE_SHARE_DIRECTION,
                                              WALLET_SHARE_OUTGOING);
  properties[PROP_FLOW] = enum_property ("flow", WALLET_TYPE_SHARE_FLOW,
                                         WALLET_SHARE_FLOW_DIRECT);
  properties[PROP_STATE] = enum_property ("state", WALLET_TYPE_SHARE_STATE,
                                          WALLET_SHARE_STATE_NEW);
  properties[PROP_TITLE] = string_property ("title");
  properties[PROP_CREDENTIAL_TYPE] = enum_property ("credential-type",
                                                    WALLET_TYPE_CREDENTIAL_TYPE,
                                                    WALLET_CREDENTIAL_UNKNOWN);
  properties[PROP_CREDENTIAL_ID] = string_property ("credential-id");
  properties[PROP_RELAY] = string_property ("relay");
  properties[PROP_RELAY_TRUSTED] = boolean_property ("relay-trusted");
  properties[PROP_SENDER_VERIFIED] = boolean_property ("sender-verified");
  properties[PROP_SENDER_NAME] = string_property ("sender-name");
  properties[PROP_FROM_OTHER_APP] = boolean_property ("from-other-app");
  properties[PROP_TRIES_LEFT] =
    g_param_spec_uint ("tries-left", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_EXPIRATION] = boxed_property ("expiration", G_TYPE_DATE_TIME);
  properties[PROP_CLOCK_SKEWED] = boolean_property ("clock-skewed");
  properties[PROP_OPENED_ON_SEVERAL_DEVICES] = boolean_property ("opened-on-several-devices");
  properties[PROP_ERROR] = boxed_property ("error", G_TYPE_ERROR);
  properties[PROP_CREATED] = boxed_property ("created", G_TYPE_DATE_TIME);
  properties[PROP_HAS_LINK] = boolean_property ("has-link");
  properties[PROP_HAS_PIN] = boolean_property ("has-pin");
  properties[PROP_PIN_REVEALED] = boolean_property ("pin-revealed");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wallet_share_init (WalletShare *self)
{
  self->credential_type = WALLET_CREDENTIAL_UNKNOWN;
}

WalletShare *
wallet_share_new (const char           *id,
                  WalletShareDirection  direction,
                  GDateTime            *created)
{
  WalletShare *self = g_object_new (WALLET_TYPE_SHARE, NULL);

  self->id = g_strdup (id);
  self->direction = direction;
  self->created = created != NULL ? g_date_time_ref (created)
                                   : g_date_time_new_now_utc ();

  return self;
}

/* Replaces *@field with a copy of @value and notifies, when they differ. */
static void
set_string (WalletShare  *self,
            char        **field,
            const char   *value,
            guint         prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_boolean (WalletShare *self,
             gboolean    *field,
             gboolean     value,
             guint        prop_id)
{
  if (*field == !!value)
    return;

  *field = !!value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

void
wallet_share_set_share_id (WalletShare *self,
                           const char  *share_id)
{
  set_string (self, &self->share_id, share_id, PROP_SHARE_ID);
}

void
wallet_share_set_mailbox_id (WalletShare *self,
                             const char  *mailbox_id)
{
  set_string (self, &self->mailbox_id, mailbox_id, PROP_MAILBOX_ID);
}

void
wallet_share_set_flow (WalletShare     *self,
                       WalletShareFlow  flow)
{
  if (self->flow == flow)
    return;

  self->flow = flow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLOW]);
}

void
wallet_share_set_state (WalletShare      *self,
                        WalletShareState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
wallet_share_set_title (WalletShare *self,
                        const char  *title)
{
  set_string (self, &self->title, title, PROP_TITLE);
}

void
wallet_share_set_credential_type (WalletShare          *self,
                                  WalletCredentialType  type)
{
  if (self->credential_type == type)
    return;

  self->credential_type = type;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREDENTIAL_TYPE]);
}

void
wallet_share_set_credential_id (WalletShare *self,
                                const char  *credential_id)
{
  set_string (self, &self->credential_id, credential_id, PROP_CREDENTIAL_ID);
}

void
wallet_share_set_relay (WalletShare *self,
                        const char  *relay,
                        gboolean     trusted)
{
  set_string (self, &self->relay, relay, PROP_RELAY);
  set_boolean (self, &self->relay_trusted, trusted, PROP_RELAY_TRUSTED);
}

void
wallet_share_set_sender (WalletShare *self,
                         gboolean     verified,
                         const char  *name)
{
  set_boolean (self, &self->sender_verified, verified, PROP_SENDER_VERIFIED);
  set_string (self, &self->sender_name, verified ? name : NULL, PROP_SENDER_NAME);
}

void
wallet_share_set_from_other_app (WalletShare *self,
                                 gboolean     from_other_app)
{
  set_boolean (self, &self->from_other_app, from_other_app, PROP_FROM_OTHER_APP);
}

void
wallet_share_set_tries_left (WalletShare *self,
                             guint        tries_left)
{
  if (self->tries_left == tries_left)
    return;

  self->tries_left = tries_left;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRIES_LEFT]);
}

void
wallet_share_set_expiration (WalletShare *self,
                             gint64       expiration,
                             gint64       clock_offset)
{
  gboolean was_skewed = wallet_share_get_clock_skewed (self);

  if (self->expiration != expiration)
    {
      self->expiration = expiration;
      g_clear_pointer (&self->expiration_dt, g_date_time_unref);
      if (expiration > 0)
        self->expiration_dt = g_date_time_new_from_unix_utc (expiration);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRATION]);
    }

  self->clock_offset = clock_offset;
  if (was_skewed != wallet_share_get_clock_skewed (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_SKEWED]);
}

gint64
wallet_share_get_expiration_unix (WalletShare *self)
{
  return self->expiration;
}

gint64
wallet_share_get_clock_offset (WalletShare *self)
{
  return self->clock_offset;
}

void
wallet_share_set_opened_on_several_devices (WalletShare *self)
{
  set_boolean (self, &self->several_devices, TRUE, PROP_OPENED_ON_SEVERAL_DEVICES);
}

void
wallet_share_set_error (WalletShare  *self,
                        const GError *error)
{
  if (error == NULL && self->error == NULL)
    return;
  if (error != NULL && self->error != NULL &&
      g_error_matches (self->error, error->domain, error->code) &&
      g_strcmp0 (self->error->message, error->message) == 0)
    return;

  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

void
wallet_share_set_has_pin (WalletShare *self,
                          gboolean     has_pin)
{
  set_boolean (self, &self->has_pin, has_pin, PROP_HAS_PIN);
}

void
wallet_share_set_pin_revealed (WalletShare *self,
                               gboolean     revealed)
{
  set_boolean (self, &self->pin_revealed, revealed, PROP_PIN_REVEALED);
}

void
wallet_share_set_link (WalletShare *self,
                       TwLink      *link)
{
  gboolean had_link = self->link != NULL;

  if (link == self->link)
    return;

  g_clear_pointer (&self->link, tw_link_unref);
  if (link != NULL)
    self->link = tw_link_ref (link);
  if (had_link != (self->link != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_LINK]);
}

TwLink *
wallet_share_get_link (WalletShare *self)
{
  return self->link;
}

const char *
wallet_share_get_id (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->id;
}

const char *
wallet_share_get_share_id (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->share_id;
}

const char *
wallet_share_get_mailbox_id (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->mailbox_id;
}

WalletShareDirection
wallet_share_get_direction (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), WALLET_SHARE_OUTGOING);
  return self->direction;
}

WalletShareFlow
wallet_share_get_flow (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), WALLET_SHARE_FLOW_DIRECT);
  return self->flow;
}

WalletShareState
wallet_share_get_state (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), WALLET_SHARE_STATE_FAILED);
  return self->state;
}

gboolean
wallet_share_is_final (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), TRUE);
  return wallet_share_state_is_final (self->state);
}

gboolean
wallet_share_needs_user (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);

  if (self->direction != WALLET_SHARE_INCOMING)
    return FALSE;

  switch (self->state)
    {
    case WALLET_SHARE_STATE_NEW:
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
    case WALLET_SHARE_STATE_PIN_WRONG:
      return TRUE;
    case WALLET_SHARE_STATE_OPENED:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
      return self->flow == WALLET_SHARE_FLOW_DIRECT;
    case WALLET_SHARE_STATE_CONNECTING:
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
    case WALLET_SHARE_STATE_DELIVERING:
    case WALLET_SHARE_STATE_STORING:
    case WALLET_SHARE_STATE_DELIVERED:
    case WALLET_SHARE_STATE_RECEIVED:
    case WALLET_SHARE_STATE_DECLINED:
    case WALLET_SHARE_STATE_CANCELLED:
    case WALLET_SHARE_STATE_EXPIRED:
    case WALLET_SHARE_STATE_FAILED:
    default:
      return FALSE;
    }
}

const char *
wallet_share_get_title (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->title;
}

WalletCredentialType
wallet_share_get_credential_type (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), WALLET_CREDENTIAL_UNKNOWN);
  return self->credential_type;
}

const char *
wallet_share_get_credential_id (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->credential_id;
}

const char *
wallet_share_get_relay (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->relay;
}

gboolean
wallet_share_get_relay_trusted (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return self->relay_trusted;
}

gboolean
wallet_share_get_sender_verified (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return self->sender_verified;
}

const char *
wallet_share_get_sender_name (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->sender_name;
}

gboolean
wallet_share_get_from_other_app (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return self->from_other_app;
}

guint
wallet_share_get_tries_left (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), 0);
  return self->tries_left;
}

GDateTime *
wallet_share_get_expiration (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->expiration_dt;
}

gint64
wallet_share_get_seconds_left (WalletShare *self)
{
  gint64 relay_now;

  g_return_val_if_fail (WALLET_IS_SHARE (self), -1);

  if (self->expiration <= 0)
    return -1;

  relay_now = g_get_real_time () / G_USEC_PER_SEC + self->clock_offset;
  return MAX (self->expiration - relay_now, 0);
}

gboolean
wallet_share_get_clock_skewed (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return ABS (self->clock_offset) > CLOCK_SKEW_LIMIT_SECONDS;
}

gboolean
wallet_share_get_opened_on_several_devices (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return self->several_devices;
}

const GError *
wallet_share_get_error (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->error;
}

GDateTime *
wallet_share_get_created (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);
  return self->created;
}

gboolean
wallet_share_get_has_link (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return self->link != NULL;
}

TwSecret *
wallet_share_dup_link (WalletShare         *self,
                       WalletShareLinkForm  form)
{
  g_autoptr(TwLink) keyless = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);

  if (self->link == NULL)
    return NULL;

  switch (form)
    {
    case WALLET_SHARE_LINK_TIGRESS:
      return tw_link_to_tigress_string (self->link);
    case WALLET_SHARE_LINK_HTTPS:
      return tw_link_to_https_string (self->link);
    case WALLET_SHARE_LINK_WITHOUT_KEY:
      url = tw_link_get_mailbox_url (self->link);
      keyless = tw_link_new_from_mailbox_url (url, tw_link_get_vertical (self->link),
                                              NULL, NULL);
      return keyless != NULL ? tw_link_to_https_string (keyless) : NULL;
    default:
      g_return_val_if_reached (NULL);
    }
}

TwSecret *
wallet_share_dup_link_key_text (WalletShare *self)
{
  TwSecret *key;

  g_return_val_if_fail (WALLET_IS_SHARE (self), NULL);

  if (self->link == NULL || (key = tw_link_get_key (self->link)) == NULL)
    return NULL;

  return tw_base64_encode_secret (key);
}

gboolean
wallet_share_get_has_pin (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return self->has_pin;
}

gboolean
wallet_share_get_pin_revealed (WalletShare *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE (self), FALSE);
  return self->pin_revealed;
}

#define WALLET_FORMAT_PREFIX "tigress/"
#define WIRE_FORMAT_PREFIX   "tigress."

char *
wallet_share_format_to_wire (const char *format)
{
  if (format != NULL && g_str_has_prefix (format, WALLET_FORMAT_PREFIX))
    return g_strconcat (WIRE_FORMAT_PREFIX, format + strlen (WALLET_FORMAT_PREFIX), NULL);
  return g_strdup (format);
}

char *
wallet_share_format_from_wire (const char *format)
{
  if (format != NULL && g_str_has_prefix (format, WIRE_FORMAT_PREFIX))
    return g_strconcat (WALLET_FORMAT_PREFIX, format + strlen (WIRE_FORMAT_PREFIX), NULL);
  return g_strdup (format);
}
