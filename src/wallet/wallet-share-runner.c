/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "tw-base64.h"
#include "tw-cert.h"
#include "tw-link-key.h"
#include "tw-pin.h"
#include "tw-relay-client.h"
#include "wallet-keyring.h"
#include "wallet-share-private.h"
#include "wallet-share-record.h"
#include "wallet-share-runner.h"

#define SHARE_ITEM_LABEL    "Tigress Wallet share in progress"
#define SEAL_CONTEXT_PREFIX "share:"
/* A state that nothing waits for is saved after this long at most, so that
 * a restart shows the share as it was; a share that goes on sooner takes it
 * along with its next save. */
#define STALE_SAVE_DELAY_MS 2000
/* The relay client's own retries stay short: the runner's back-off takes
 * over, and it also covers a relay that is down for hours. */
#define CLIENT_ATTEMPTS     2
#define CLIENT_FIRST_MS     200
#define CLIENT_MAX_MS       1000

/* ---- the shared context ---------------------------------------------- */

static void
context_clear (WalletShareContext *ctx)
{
  g_clear_object (&ctx->store);
  g_clear_object (&ctx->vault);
  g_clear_object (&ctx->keyring);
  g_clear_object (&ctx->ledger);
  g_clear_object (&ctx->contacts);
  g_clear_object (&ctx->relays);
  g_clear_pointer (&ctx->item_namespace, g_free);
  g_clear_pointer (&ctx->ca_file, g_free);
}

WalletShareContext *
wallet_share_context_new (WalletStore    *store,
                          WalletContacts *contacts,
                          WalletRelays   *relays,
                          const char     *item_namespace)
{
  WalletShareContext *ctx = g_rc_box_new0 (WalletShareContext);

  ctx->store = g_object_ref (store);
  ctx->vault = g_object_ref (wallet_store_get_vault (store));
  ctx->keyring = g_object_ref (wallet_vault_get_keyring (ctx->vault));
  ctx->ledger = wallet_ledger_new (ctx->vault, item_namespace);
  ctx->contacts = contacts != NULL ? g_object_ref (contacts) : NULL;
  ctx->relays = relays != NULL ? g_object_ref (relays) : NULL;
  if (item_namespace != NULL && *item_namespace != '\0')
    ctx->item_namespace = g_strdup (item_namespace);
  ctx->long_poll_seconds = 25;
  ctx->poll_interval_ms = 1000;
  ctx->retry_first_ms = 1000;
  ctx->retry_max_ms = 60000;
  return ctx;
}

WalletShareContext *
wallet_share_context_ref (WalletShareContext *ctx)
{
  return g_rc_box_acquire (ctx);
}

void
wallet_share_context_unref (WalletShareContext *ctx)
{
  g_rc_box_release_full (ctx, (GDestroyNotify) context_clear);
}

char *
wallet_share_context_item_id (WalletShareContext *ctx,
                              const char         *local_id)
{
  if (ctx->item_namespace == NULL)
    return g_strdup (local_id);
  return g_strconcat (ctx->item_namespace, ":", local_id, NULL);
}

/* ---- the runner ------------------------------------------------------ */

typedef enum {
  WAIT_SETTLED,   /* final, or the user's turn */
  WAIT_CREATE,    /* the link exists */
  WAIT_ACCEPT,    /* opened: the user's turn, or it ended */
  WAIT_CONFIRM,   /* stored (direct) or the PIN is on the relay (verified) */
  WAIT_CANCEL,    /* final */
  WAIT_SAVED,     /* the state of a given generation is in the keyring */
} WaitKind;

typedef struct {
  WaitKind  kind;
  GTask    *task;
  guint64   target;    /* WAIT_SAVED */
} Waiter;

typedef enum {
  BUSY_NONE,
  BUSY_RELAY,
  BUSY_STORE,
  BUSY_LEDGER,
  BUSY_RELOAD,   /* reading the record another process may have moved on */
} BusyKind;

struct _WalletShareRunner
{
  GObject                 parent_instance;

  WalletShareContext     *ctx;
  WalletShare            *share;
  char                   *item_id;
  char                   *mailbox_url;

  TwShareSender          *sender;
  TwShareRecipient       *recipient;
  TwLink                 *link;          /* with its key */
  TwSecret               *bind_token;    /* incoming */
  TwRelayMailbox         *mailbox;
  WalletShareRecordExtra  saved;

  GCancellable           *relay_cancellable;
  GCancellable           *life_cancellable;
  guint                   generation;    /* bumped to disown a relay call */
  BusyKind                busy;
  gboolean                saving;
  gboolean                dirty;         /* the next action needs the newest state saved */
  gboolean                stale;         /* changed since the last save, but nothing waits */
  guint64                 dirty_generation;
  guint64                 required_generation; /* the newest change that made it dirty */
  guint64                 saving_generation;
  guint64                 saved_generation;
  gboolean                final_pending; /* final state set, ledger and save to go */
  gboolean                ledger_done;
  gboolean                finished;
  gboolean                shut_down;
  gboolean                stalled;       /* the share's error is a retry reason */
  gboolean                look_now;      /* next read without waiting */
  gboolean                looked;        /* a read was answered since the start */
  gboolean                store_unsure;  /* a store failed: it may have landed anyway */
  gboolean                save_failed;   /* the last save failed; retry after the back-off */
  gboolean                peer_deleted;  /* the relay said the other side deleted the mailbox */
  gboolean                gone_expired;  /* the relay said the mailbox expired */

  guint                   n_failures;
  guint                   retry_source;
  guint                   poll_source;
  gint64                  read_started_us; /* monotonic, of the read in flight */
  guint                   read_wait;       /* seconds that read asked to wait */
  guint                   n_cut_short;     /* long polls in a row ended early */
  guint                   expiry_source;
  guint                   flush_source;    /* saves a stale state after a while */
  gboolean                flush_due;       /* that while is over */
  char                   *write_request;   /* request id of the last write sent */
  gboolean                write_repeated;  /* that write went out before */

  GPtrArray              *waiters;
};

G_DEFINE_FINAL_TYPE (WalletShareRunner, wallet_share_runner, G_TYPE_OBJECT)

static void step (WalletShareRunner *self);

static void
waiter_free (Waiter *waiter)
{
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
forget_machine (WalletShareRunner *self)
{
  g_clear_pointer (&self->sender, tw_share_sender_free);
  g_clear_pointer (&self->recipient, tw_share_recipient_free);
}

/* Everything secret goes: the machine, the claim, the key, the PIN. */
static void
forget_secrets (WalletShareRunner *self)
{
  forget_machine (self);
  wallet_share_record_extra_forget (&self->saved);
  g_clear_pointer (&self->link, tw_link_unref);
  g_clear_pointer (&self->bind_token, tw_secret_unref);
  g_clear_object (&self->mailbox);
  wallet_share_set_link (self->share, NULL);
}

static void
clear_sources (WalletShareRunner *self)
{
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->expiry_source, g_source_remove);
  g_clear_handle_id (&self->flush_source, g_source_remove);
}

static void
wallet_share_runner_dispose (GObject *object)
{
  WalletShareRunner *self = WALLET_SHARE_RUNNER (object);

  clear_sources (self);
  g_cancellable_cancel (self->relay_cancellable);
  g_cancellable_cancel (self->life_cancellable);
  if (self->share != NULL)
    forget_secrets (self);
  g_ptr_array_set_size (self->waiters, 0);

  G_OBJECT_CLASS (wallet_share_runner_parent_class)->dispose (object);
}

static void
wallet_share_runner_finalize (GObject *object)
{
  WalletShareRunner *self = WALLET_SHARE_RUNNER (object);

  wallet_share_record_extra_clear (&self->saved);
  g_free (self->write_request);
  g_clear_object (&self->share);
  g_clear_object (&self->relay_cancellable);
  g_clear_object (&self->life_cancellable);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_pointer (&self->ctx, wallet_share_context_unref);
  g_free (self->item_id);
  g_free (self->mailbox_url);

  G_OBJECT_CLASS (wallet_share_runner_parent_class)->finalize (object);
}

static void
wallet_share_runner_class_init (WalletShareRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wallet_share_runner_dispose;
  object_class->finalize = wallet_share_runner_finalize;
}

static void
wallet_share_runner_init (WalletShareRunner *self)
{
  self->relay_cancellable = g_cancellable_new ();
  self->life_cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
}

static WalletShareRunner *
runner_new (WalletShareContext *ctx,
            WalletShare        *share)
{
  WalletShareRunner *self = g_object_new (WALLET_TYPE_SHARE_RUNNER, NULL);

  self->ctx = wallet_share_context_ref (ctx);
  self->share = g_object_ref (share);
  self->item_id = wallet_share_context_item_id (ctx, wallet_share_get_id (share));
  return self;
}

WalletShare *
wallet_share_runner_get_share (WalletShareRunner *self)
{
  return self->share;
}

const char *
wallet_share_runner_get_mailbox_url (WalletShareRunner *self)
{
  return self->mailbox_url;
}

gboolean
wallet_share_runner_is_finished (WalletShareRunner *self)
{
  return self->finished;
}

gboolean
wallet_share_runner_is_shut_down (WalletShareRunner *self)
{
  return self->shut_down;
}

/* ---- the machine, whichever side it is ------------------------------- */

static gboolean
has_machine (WalletShareRunner *self)
{
  return self->sender != NULL || self->recipient != NULL;
}

static gboolean
is_outgoing (WalletShareRunner *self)
{
  return wallet_share_get_direction (self->share) == WALLET_SHARE_OUTGOING;
}

static const TwShareAction *
machine_action (WalletShareRunner *self)
{
  if (self->sender != NULL)
    return tw_share_sender_get_action (self->sender);
  return tw_share_recipient_get_action (self->recipient);
}

static const TwShareDetails *
machine_details (WalletShareRunner *self)
{
  if (self->sender != NULL)
    return tw_share_sender_get_details (self->sender);
  if (self->recipient != NULL)
    return tw_share_recipient_get_details (self->recipient);
  return NULL;
}

static TwSecret *
machine_save (WalletShareRunner *self)
{
  if (self->sender != NULL)
    return tw_share_sender_save (self->sender);
  if (self->recipient != NULL)
    return tw_share_recipient_save (self->recipient);
  return NULL;
}

static gboolean
machine_written (WalletShareRunner  *self,
                 GError            **error)
{
  if (self->sender != NULL)
    return tw_share_sender_written (self->sender, error);
  return tw_share_recipient_written (self->recipient, error);
}

static gboolean
machine_deleted (WalletShareRunner  *self,
                 GError            **error)
{
  if (self->sender != NULL)
    return tw_share_sender_deleted (self->sender, error);
  return tw_share_recipient_deleted (self->recipient, error);
}

static gboolean
machine_receive (WalletShareRunner  *self,
                 GBytes             *payload,
                 GError            **error)
{
  if (self->sender != NULL)
    return tw_share_sender_receive (self->sender, payload, error);
  return tw_share_recipient_receive (self->recipient, payload, error);
}

static void
machine_mailbox_gone (WalletShareRunner *self,
                      gboolean           expired)
{
  if (self->sender != NULL)
    tw_share_sender_mailbox_gone (self->sender, expired);
  else
    tw_share_recipient_mailbox_gone (self->recipient, expired);
}

static void
machine_set_expiration (WalletShareRunner *self,
                        gint64             expires_at)
{
  if (self->sender != NULL)
    tw_share_sender_set_expiration (self->sender, expires_at);
  else if (self->recipient != NULL)
    tw_share_recipient_set_expiration (self->recipient, expires_at);
}

static void
machine_check_expiry (WalletShareRunner *self,
                      gint64             relay_now)
{
  if (self->sender != NULL)
    tw_share_sender_check_expiry (self->sender, relay_now);
  else if (self->recipient != NULL)
    tw_share_recipient_check_expiry (self->recipient, relay_now);
}

static gboolean
machine_cancel (WalletShareRunner  *self,
                GError            **error)
{
  if (self->sender != NULL)
    return tw_share_sender_cancel (self->sender, error);
  return tw_share_recipient_cancel (self->recipient, error);
}

static gint64
relay_now (WalletShareRunner *self)
{
  return g_get_real_time () / G_USEC_PER_SEC + wallet_share_get_clock_offset (self->share);
}

/* ---- errors for people ----------------------------------------------- */

static GError *
share_error (WalletShareError  code,
             const char       *message)
{
  return g_error_new_literal (WALLET_SHARE_ERROR, code, message);
}

static GError *
relay_error_for_people (WalletShareRunner *self,
                        const GError      *error)
{
  const char *host = wallet_share_get_relay (self->share);

  switch (error->code)
    {
    case TW_RELAY_ERROR_UNREACHABLE:
    case TW_RELAY_ERROR_TIMED_OUT:
      return g_error_new (WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_UNREACHABLE,
                          _("Cannot reach the relay %s. The share goes on by itself "
                            "once the connection is back."), host);
    case TW_RELAY_ERROR_RATE_LIMITED:
      return g_error_new (WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_REFUSED,
                          _("The relay %s is busy. The wallet tries again shortly."), host);
    case TW_RELAY_ERROR_TLS_NOT_TRUSTED:
      return g_error_new (WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_REFUSED,
                          _("The relay %s could not prove who it is (its certificate is "
                            "not trusted). Check the network you are on; the wallet "
                            "tries again later."), host);
    default:
      return g_error_new (WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_REFUSED,
                          _("The relay %s refused a request of this share. The wallet "
                            "tries again later; if this goes on, use another relay."),
                          host);
    }
}

/* Why a share in a final state did not go through, or NULL if it did. */
static GError *
final_error (WalletShareRunner *self)
{
  const GError *error = wallet_share_get_error (self->share);

  switch (wallet_share_get_state (self->share))
    {
    case WALLET_SHARE_STATE_FAILED:
      return error != NULL ? g_error_copy (error)
                           : share_error (WALLET_SHARE_ERROR_FAILED, _("The share failed."));
    case WALLET_SHARE_STATE_EXPIRED:
      return share_error (WALLET_SHARE_ERROR_EXPIRED,
                          _("This share expired. Ask the sender for a new link."));
    case WALLET_SHARE_STATE_CANCELLED:
      return share_error (WALLET_SHARE_ERROR_ENDED, _("The sender cancelled this share."));
    case WALLET_SHARE_STATE_DECLINED:
      return share_error (WALLET_SHARE_ERROR_ENDED, _("This share was declined."));
    case WALLET_SHARE_STATE_NEW:
    case WALLET_SHARE_STATE_CONNECTING:
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
    case WALLET_SHARE_STATE_OPENED:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
    case WALLET_SHARE_STATE_PIN_WRONG:
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
    case WALLET_SHARE_STATE_DELIVERING:
    case WALLET_SHARE_STATE_STORING:
    case WALLET_SHARE_STATE_DELIVERED:
    case WALLET_SHARE_STATE_RECEIVED:
    default:
      return NULL;
    }
}

/* ---- waiters ----------------------------------------------------------- */

/* Ended and written down: the ledger and the keyring have it, so a caller
 * may quit at once. */
static gboolean
is_settled_final (WalletShareRunner *self)
{
  return wallet_share_is_final (self->share) && self->finished;
}

static gboolean
answer_unsent (WalletShareRunner *self)
{
  return has_machine (self) && machine_action (self)->kind == TW_SHARE_ACTION_WRITE;
}

/* Whether the share reached what @waiter waits for. */
static gboolean
waiter_goal_reached (WalletShareRunner *self,
                     Waiter            *waiter)
{
  WalletShareState state = wallet_share_get_state (self->share);
  gboolean user_turn = wallet_share_needs_user (self->share);
  gboolean verified = wallet_share_get_flow (self->share) == WALLET_SHARE_FLOW_VERIFIED;

  switch (waiter->kind)
    {
    case WAIT_SETTLED:
      /* The user's turn counts once the relay was asked (or cannot be):
       * the other side may have ended the share meanwhile (QA G4). */
      return is_settled_final (self) || (user_turn && (self->looked || self->stalled));
    case WAIT_SAVED:
      return self->saved_generation >= waiter->target;
    case WAIT_CANCEL:
      return is_settled_final (self);
    case WAIT_CREATE:
      return !wallet_share_is_final (self->share) && wallet_share_get_has_link (self->share);
    case WAIT_ACCEPT:
      return user_turn && state != WALLET_SHARE_STATE_NEW;
    case WAIT_CONFIRM:
      /* Confirmed once the relay took the answer, not when it is saved. */
      return state == WALLET_SHARE_STATE_RECEIVED ||
             (verified && !answer_unsent (self) &&
              (state == WALLET_SHARE_STATE_WAITING_FOR_SENDER ||
               state == WALLET_SHARE_STATE_STORING));
    default:
      g_assert_not_reached ();
    }
}

/* 1: reached, -1: failed (with @error), 0: not yet. */
static int
evaluate_waiter (WalletShareRunner  *self,
                 Waiter             *waiter,
                 const GError       *stall,
                 GError            **error)
{
  if (waiter->kind == WAIT_SAVED && self->saved.pin == NULL)
    {
      *error = share_error (WALLET_SHARE_ERROR_WRONG_STATE,
                            _("This share has ended: its PIN is gone."));
      return -1;
    }
  if (waiter_goal_reached (self, waiter))
    return 1;

  if (is_settled_final (self))
    {
      *error = final_error (self);
      return *error != NULL ? -1 : 1;
    }
  /* Waiting for the user is not ended by a retry, and a pending save only
   * by a failure of saves. */
  if (stall != NULL && waiter->kind != WAIT_SETTLED &&
      (waiter->kind != WAIT_SAVED || self->save_failed))
    {
      *error = g_error_copy (stall);
      return -1;
    }
  return 0;
}

static void
complete_waiter (WalletShareRunner *self,
                 Waiter            *waiter,
                 GError            *error)
{
  if (error != NULL)
    g_task_return_error (waiter->task, error);
  else if (waiter->kind == WAIT_CREATE)
    g_task_return_pointer (waiter->task, g_object_ref (self->share), g_object_unref);
  else if (waiter->kind == WAIT_SAVED)
    g_task_return_pointer (waiter->task, tw_secret_ref (self->saved.pin),
                           (GDestroyNotify) tw_secret_unref);
  else
    g_task_return_boolean (waiter->task, TRUE);
}

static void
check_waiters (WalletShareRunner *self,
               const GError      *stall)
{
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  g_autoptr(GPtrArray) errors = g_ptr_array_new ();

  for (guint i = 0; i < self->waiters->len;)
    {
      Waiter *waiter = g_ptr_array_index (self->waiters, i);
      GError *error = NULL;

      if (evaluate_waiter (self, waiter, stall, &error) == 0)
        {
          i++;
          continue;
        }
      g_ptr_array_add (done, g_ptr_array_steal_index (self->waiters, i));
      g_ptr_array_add (errors, error);
    }

  /* Completing a task may run code that adds waiters: do it last. */
  for (guint i = 0; i < done->len; i++)
    complete_waiter (self, g_ptr_array_index (done, i), g_ptr_array_index (errors, i));
}

static void
add_waiter (WalletShareRunner *self,
            WaitKind           kind,
            GTask             *task)
{
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->kind = kind;
  waiter->task = g_object_ref (task);
  waiter->target = self->dirty_generation;
  g_ptr_array_add (self->waiters, waiter);
  check_waiters (self, NULL);
}

/* ---- the share's visible state from the machine ---------------------- */

static WalletCredentialType
details_credential_type (const TwShareDetails *details)
{
  WalletCredentialType type = WALLET_CREDENTIAL_UNKNOWN;

  if (details->kind == TW_SHARE_KIND_DIGITAL_KEY)
    return WALLET_CREDENTIAL_DIGITAL_KEY;
  if (details->type == NULL || !wallet_credential_type_from_string (details->type, &type))
    return WALLET_CREDENTIAL_UNKNOWN;
  return type;
}

static WalletShareState
opened_state (WalletShareRunner *self)
{
  return wallet_share_get_opened_on_several_devices (self->share)
         ? WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES : WALLET_SHARE_STATE_OPENED;
}

static WalletShareState
outgoing_state (WalletShareRunner   *self,
                const TwShareAction *action)
{
  WalletShareState current = wallet_share_get_state (self->share);

  if (action->kind == TW_SHARE_ACTION_CREATE)
    return WALLET_SHARE_STATE_CONNECTING;
  if (self->saved.cancelling)
    return current;
  if (self->saved.delivering)
    return WALLET_SHARE_STATE_DELIVERING;
  if (tw_share_sender_get_wrong_pins (self->sender) > 0)
    return WALLET_SHARE_STATE_PIN_WRONG;
  if (self->saved.opened)
    return opened_state (self);
  return WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT;
}

static WalletShareState
incoming_state (WalletShareRunner    *self,
                const TwShareAction  *action,
                const TwShareDetails *details)
{
  WalletShareState current = wallet_share_get_state (self->share);

  if (self->saved.stored)
    return WALLET_SHARE_STATE_RECEIVED;

  switch (action->kind)
    {
    case TW_SHARE_ACTION_READ:
      if (details == NULL)
        return WALLET_SHARE_STATE_CONNECTING;
      return self->saved.cancelling ? current : WALLET_SHARE_STATE_WAITING_FOR_SENDER;
    case TW_SHARE_ACTION_ASK_USER:
      if (details->flow == TW_SHARE_FLOW_DIRECT)
        return opened_state (self);
      return self->saved.pins_sent == 0 ? WALLET_SHARE_STATE_WAITING_FOR_PIN
                                        : WALLET_SHARE_STATE_PIN_WRONG;
    case TW_SHARE_ACTION_STORE:
      return WALLET_SHARE_STATE_STORING;
    case TW_SHARE_ACTION_WRITE:
      /* The PIN answer on its way: the record saved before it goes out
       * must not say the user's turn, or a restart leaves it unsent. */
      return self->saved.cancelling ? current : WALLET_SHARE_STATE_WAITING_FOR_SENDER;
    case TW_SHARE_ACTION_CREATE:
    case TW_SHARE_ACTION_DELETE:
    case TW_SHARE_ACTION_DONE:
    case TW_SHARE_ACTION_FAILED:
    default:
      return current;
    }
}

/* Incoming: a "verified sender" is one whose identity key, carried by
 * the first message and checked by the protocol, is a pinned contact's.
 * Looked up afresh each time, so pinning or unpinning shows on a share
 * that is still going on. */
static void
sync_sender (WalletShareRunner *self)
{
  const guint8 *identity = tw_share_recipient_get_sender_identity (self->recipient);
  WalletContact *contact = NULL;

  if (identity != NULL && self->ctx->contacts != NULL)
    contact = wallet_contacts_lookup_key (self->ctx->contacts, identity);
  wallet_share_set_sender (self->share, contact != NULL,
                           contact != NULL ? wallet_contact_get_name (contact) : NULL);
}

static void
sync_details (WalletShareRunner *self)
{
  const TwShareDetails *details = machine_details (self);
  gboolean verified;

  if (details == NULL)
    return;

  verified = details->flow == TW_SHARE_FLOW_VERIFIED;
  wallet_share_set_share_id (self->share, details->share_id);
  wallet_share_set_flow (self->share, verified ? WALLET_SHARE_FLOW_VERIFIED
                                               : WALLET_SHARE_FLOW_DIRECT);
  if (wallet_share_get_title (self->share) == NULL)
    {
      /* The other wallet wrote this title: it must not draw lines of ours. */
      g_autofree char *title = wallet_credential_text_make_displayable (details->title,
                                                                        FALSE);

      wallet_share_set_title (self->share, title);
    }
  wallet_share_set_credential_type (self->share, details_credential_type (details));

  if (self->sender != NULL)
    {
      guint wrong = tw_share_sender_get_wrong_pins (self->sender);

      wallet_share_set_tries_left (self->share,
                                   verified && wrong < TW_SHARE_PIN_ATTEMPTS
                                   ? TW_SHARE_PIN_ATTEMPTS - wrong : 0);
    }
  else
    {
      wallet_share_set_tries_left (self->share, verified ? details->tries_left : 0);
      wallet_share_set_from_other_app (self->share,
                                       details->link_check == TW_LINK_KEY_FOREIGN);
      sync_sender (self);
    }
}

/* Brings the share's properties in line with the machine. */
static void
sync_share (WalletShareRunner *self)
{
  const TwShareAction *action;

  if (!has_machine (self))
    return;

  action = machine_action (self);
  if (action->kind == TW_SHARE_ACTION_DONE || action->kind == TW_SHARE_ACTION_FAILED)
    return;

  sync_details (self);
  if (is_outgoing (self))
    wallet_share_set_state (self->share, outgoing_state (self, action));
  else
    wallet_share_set_state (self->share, incoming_state (self, action, machine_details (self)));
  check_waiters (self, NULL);
}

/* A change the next action depends on: no action starts before it is in
 * the keyring. */
static void
mark_dirty (WalletShareRunner *self)
{
  self->dirty = TRUE;
  self->dirty_generation++;
  self->required_generation = self->dirty_generation;
}

static gboolean
flush_cb (gpointer user_data)
{
  WalletShareRunner *self = user_data;

  self->flush_source = 0;
  self->flush_due = TRUE;
  step (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (WalletShareRunner *self)
{
  if (self->flush_source == 0)
    self->flush_source = g_timeout_add (STALE_SAVE_DELAY_MS, flush_cb, self);
}

/* A change that a restart can do without: what a read brought (the relay
 * still holds it, and the machine ignores a message it has seen), a write
 * the relay has taken (a restart repeats it with the same bytes and request
 * id) or what the share shows. It goes with the next save, which comes
 * before any action that changes the relay or asks the user, or after a
 * short while. */
static void
mark_stale (WalletShareRunner *self)
{
  self->stale = TRUE;
  self->dirty_generation++;
  schedule_flush (self);
}

/* Some progress was made: whatever held the share back is over. */
static void
note_progress (WalletShareRunner *self)
{
  self->n_failures = 0;
  if (self->stalled)
    {
      self->stalled = FALSE;
      wallet_share_set_error (self->share, NULL);
    }
}

/* ---- back-off ----------------------------------------------------------- */

static gboolean
retry_cb (gpointer user_data)
{
  WalletShareRunner *self = user_data;

  self->retry_source = 0;
  step (self);
  return G_SOURCE_REMOVE;
}

static guint
backoff_ms (WalletShareRunner *self,
            guint              at_least_ms)
{
  guint64 delay = self->ctx->retry_first_ms;

  for (guint i = 1; i < self->n_failures && delay < self->ctx->retry_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->ctx->retry_max_ms);
  /* Jitter: between half and all of it, so many shares do not retry in step. */
  delay = delay / 2 + g_random_int_range (0, (gint32) (delay / 2 + 1));
  return MAX ((guint) delay, at_least_ms);
}

/* Something failed that may work later: show it, wait, try again. */
static void
stall (WalletShareRunner *self,
       const GError      *error,
       guint              at_least_ms)
{
  g_debug ("Share %s waits before trying again: %s",
           wallet_share_get_id (self->share), error->message);

  self->stalled = TRUE;
  wallet_share_set_error (self->share, error);
  self->n_failures++;
  /* The next read looks without waiting: its answer is what tells that the
   * trouble is over, and a long poll would keep the reason up for its
   * whole wait after the relay came back (QA H4). */
  self->look_now = TRUE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_source = g_timeout_add (backoff_ms (self, at_least_ms), retry_cb, self);
  check_waiters (self, error);
}

/* ---- finishing --------------------------------------------------------- */

static WalletLedgerOutcome
ledger_outcome (WalletShareRunner *self)
{
  const GError *error = wallet_share_get_error (self->share);

  switch (wallet_share_get_state (self->share))
    {
    case WALLET_SHARE_STATE_DELIVERED: return WALLET_LEDGER_OUTCOME_DELIVERED;
    case WALLET_SHARE_STATE_RECEIVED: return WALLET_LEDGER_OUTCOME_RECEIVED;
    case WALLET_SHARE_STATE_DECLINED: return WALLET_LEDGER_OUTCOME_DECLINED;
    case WALLET_SHARE_STATE_CANCELLED: return WALLET_LEDGER_OUTCOME_CANCELLED;
    case WALLET_SHARE_STATE_EXPIRED: return WALLET_LEDGER_OUTCOME_EXPIRED;
    case WALLET_SHARE_STATE_FAILED:
      if (g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE))
        return WALLET_LEDGER_OUTCOME_ACCEPTED_ELSEWHERE;
      return WALLET_LEDGER_OUTCOME_FAILED;
    case WALLET_SHARE_STATE_NEW:
    case WALLET_SHARE_STATE_CONNECTING:
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
    case WALLET_SHARE_STATE_OPENED:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
    case WALLET_SHARE_STATE_PIN_WRONG:
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
    case WALLET_SHARE_STATE_DELIVERING:
    case WALLET_SHARE_STATE_STORING:
    default:
      return WALLET_LEDGER_OUTCOME_FAILED;
    }
}

/* The share ended: its state is set now, the ledger and the keyring follow
 * (step() writes them), then the secrets go. */
static void
enter_final (WalletShareRunner *self,
             WalletShareState   state,
             GError            *error)
{
  g_autoptr(GError) owned = error;

  g_debug ("Share %s ended: %s", wallet_share_get_id (self->share),
           wallet_share_state_to_string (state));

  self->stalled = FALSE;
  /* The link is useless now; nobody should pass it on. */
  wallet_share_set_link (self->share, NULL);
  wallet_share_set_error (self->share, owned);
  wallet_share_set_state (self->share, state);
  self->final_pending = TRUE;
  g_clear_handle_id (&self->expiry_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  check_waiters (self, NULL);
}

/* Why a share that ends as FAILED failed, in words for people. */
static GError *
failure_error (TwShareFailure failure)
{
  switch (failure)
    {
    case TW_SHARE_FAILURE_PEER_CANCELLED:
      /* Only for a recipient whose third PIN was wrong. */
      return share_error (WALLET_SHARE_ERROR_PIN_ATTEMPTS,
                          _("A wrong PIN was typed three times, so the sender's wallet "
                            "stopped the share. Ask the sender to share it again."));
    case TW_SHARE_FAILURE_PIN_ATTEMPTS:
      return share_error (WALLET_SHARE_ERROR_PIN_ATTEMPTS,
                          _("A wrong PIN was typed three times, so the share was stopped "
                            "and its link no longer works. Share the credential again if "
                            "you still want to."));
    case TW_SHARE_FAILURE_MAILBOX_GONE:
      /* For a link opened after its end the relay says only "not found"
       * (it tells nobody but the two devices whether a link existed), so
       * expiry, the most common reason, is named as a possibility. */
      return share_error (WALLET_SHARE_ERROR_ENDED,
                          _("This invitation is no longer on the relay: it expired, was "
                            "cancelled, or was used already. Ask the sender for a new "
                            "invitation if you still need it."));
    case TW_SHARE_FAILURE_ALTERED:
      return share_error (WALLET_SHARE_ERROR_ALTERED,
                          _("This share was changed on its way and was refused. Ask the "
                            "sender to share it again."));
    case TW_SHARE_FAILURE_UNSUPPORTED:
      return share_error (WALLET_SHARE_ERROR_UNSUPPORTED,
                          _("The other wallet speaks a version of the sharing protocol "
                            "that this one does not. Update both wallets and share "
                            "again."));
    case TW_SHARE_FAILURE_NONE:
    case TW_SHARE_FAILURE_CANCELLED:
    case TW_SHARE_FAILURE_EXPIRED:
    default:
      return share_error (WALLET_SHARE_ERROR_FAILED, _("The share failed."));
    }
}

static void
enter_final_from_failure (WalletShareRunner *self,
                          TwShareFailure     failure)
{
  gboolean outgoing = is_outgoing (self);

  switch (failure)
    {
    case TW_SHARE_FAILURE_CANCELLED:
      enter_final (self, outgoing ? WALLET_SHARE_STATE_CANCELLED
                                  : WALLET_SHARE_STATE_DECLINED, NULL);
      return;
    case TW_SHARE_FAILURE_PEER_CANCELLED:
      if (outgoing || self->saved.pins_sent < TW_SHARE_PIN_ATTEMPTS)
        {
          enter_final (self, outgoing ? WALLET_SHARE_STATE_DECLINED
                                      : WALLET_SHARE_STATE_CANCELLED, NULL);
          return;
        }
      break;
    case TW_SHARE_FAILURE_EXPIRED:
      enter_final (self, WALLET_SHARE_STATE_EXPIRED, NULL);
      return;
    case TW_SHARE_FAILURE_MAILBOX_GONE:
      /* Only the other side deletes a mailbox before we do: a recipient
       * after its cancel, a sender after its cancel. When its cancel was
       * not read in time, the relay's "deleted" still says who ended it. */
      if (!self->peer_deleted || self->saved.stored)
        break;
      if (!outgoing && self->saved.pins_sent >= TW_SHARE_PIN_ATTEMPTS)
        enter_final (self, WALLET_SHARE_STATE_FAILED,
                     failure_error (TW_SHARE_FAILURE_PEER_CANCELLED));
      else
        enter_final (self, outgoing ? WALLET_SHARE_STATE_DECLINED
                                    : WALLET_SHARE_STATE_CANCELLED, NULL);
      return;
    case TW_SHARE_FAILURE_PIN_ATTEMPTS:
      /* Only the sender can share it again: the recipient asks for that. */
      if (!outgoing)
        {
          enter_final (self, WALLET_SHARE_STATE_FAILED,
                       failure_error (TW_SHARE_FAILURE_PEER_CANCELLED));
          return;
        }
      break;
    case TW_SHARE_FAILURE_NONE:
    case TW_SHARE_FAILURE_ALTERED:
    case TW_SHARE_FAILURE_UNSUPPORTED:
    default:
      break;
    }

  enter_final (self, WALLET_SHARE_STATE_FAILED, failure_error (failure));
}

static void
ledger_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->shut_down)
    return;

  self->busy = BUSY_NONE;
  if (!wallet_ledger_record_finish (WALLET_LEDGER (source), result, &error))
    {
      stall (self, error, 0);
      return;
    }

  self->ledger_done = TRUE;
  step (self);
}

static void
do_ledger (WalletShareRunner *self)
{
  self->busy = BUSY_LEDGER;
  wallet_ledger_record_async (self->ctx->ledger, self->mailbox_url,
                              wallet_share_get_share_id (self->share),
                              !is_outgoing (self), ledger_outcome (self),
                              self->life_cancellable, ledger_done, g_object_ref (self));
}

/* ---- saving -------------------------------------------------------------- */

static char *
seal_context (WalletShareRunner *self)
{
  return g_strconcat (SEAL_CONTEXT_PREFIX, self->item_id, NULL);
}

/* A share whose mailbox does not exist yet has given nobody a link: when
 * its state cannot even be saved, it ends rather than waits. */
static void
save_failed (WalletShareRunner *self,
             const GError      *error)
{
  self->save_failed = TRUE;
  if (is_outgoing (self) && has_machine (self) &&
      machine_action (self)->kind == TW_SHARE_ACTION_CREATE)
    enter_final (self, WALLET_SHARE_STATE_FAILED, g_error_copy (error));
  stall (self, error, 0);
}

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->shut_down)
    return;

  self->saving = FALSE;
  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    {
      save_failed (self, error);
      return;
    }

  self->save_failed = FALSE;
  self->saved_generation = self->saving_generation;
  if (self->saved_generation >= self->required_generation)
    self->dirty = FALSE;
  if (self->saved_generation == self->dirty_generation)
    self->stale = FALSE;
  else if (self->stale)
    schedule_flush (self);
  check_waiters (self, NULL);
  step (self);
}

static void
start_save (WalletShareRunner *self)
{
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *context = seal_context (self);

  g_clear_pointer (&self->saved.machine, tw_secret_unref);
  self->saved.machine = machine_save (self);
  plaintext = wallet_share_record_serialize (self->share, &self->saved);
  g_clear_pointer (&self->saved.machine, tw_secret_unref);

  sealed = wallet_vault_seal (self->ctx->vault, context, plaintext, &error);
  if (sealed == NULL)
    {
      save_failed (self, error);
      return;
    }

  self->saving = TRUE;
  self->saving_generation = self->dirty_generation;
  g_clear_handle_id (&self->flush_source, g_source_remove);
  self->flush_due = FALSE;
  wallet_keyring_store_async (self->ctx->keyring, WALLET_ITEM_SHARE, self->item_id,
                              is_outgoing (self) ? "outgoing" : "incoming",
                              SHARE_ITEM_LABEL, sealed, self->life_cancellable,
                              save_done, g_object_ref (self));
}

/* ---- relay calls ----------------------------------------------------- */

typedef struct {
  WalletShareRunner *runner;
  guint              generation;
} RelayCall;

/* Starts a relay call: replaces self->relay_cancellable. Call it in a
 * statement of its own before passing that cancellable on, since C leaves
 * the order in which a call's arguments are evaluated unspecified. */
static RelayCall *
relay_call_new (WalletShareRunner *self)
{
  RelayCall *call = g_new0 (RelayCall, 1);

  self->busy = BUSY_RELAY;
  g_clear_object (&self->relay_cancellable);
  self->relay_cancellable = g_cancellable_new ();
  call->runner = g_object_ref (self);
  call->generation = ++self->generation;
  return call;
}

/* The runner behind @call, or NULL when the call was disowned (reconnect,
 * cancel, shutdown) and its answer must be ignored. Frees @call. */
static WalletShareRunner *
relay_call_claim (RelayCall *call)
{
  WalletShareRunner *self = call->runner;
  gboolean current = !self->shut_down && call->generation == self->generation;

  g_free (call);
  if (!current)
    {
      g_object_unref (self);
      return NULL;
    }
  self->busy = BUSY_NONE;
  return self;
}

static void
abort_relay_call (WalletShareRunner *self)
{
  if (self->busy != BUSY_RELAY)
    return;

  self->generation++;
  g_cancellable_cancel (self->relay_cancellable);
  self->busy = BUSY_NONE;
}

static gboolean
ensure_mailbox (WalletShareRunner *self)
{
  g_autoptr(GError) error = NULL;

  if (self->mailbox != NULL)
    return TRUE;

  if (self->link != NULL)
    self->mailbox = tw_relay_mailbox_new_for_link (self->link, self->saved.claim,
                                                   self->ctx->ca_file, &error);
  else
    self->mailbox = tw_relay_mailbox_new_for_relay (wallet_share_get_relay (self->share),
                                                    self->saved.claim, self->ctx->ca_file,
                                                    &error);
  if (self->mailbox == NULL)
    {
      g_warning ("Share %s cannot use its relay: %s", wallet_share_get_id (self->share),
                 error->message);
      enter_final (self, WALLET_SHARE_STATE_FAILED,
                   share_error (WALLET_SHARE_ERROR_RELAY_REFUSED,
                                _("The relay address of this share cannot be used. "
                                  "Share again through another relay.")));
      step (self);
      return FALSE;
    }

  tw_relay_mailbox_set_retry_policy (self->mailbox, CLIENT_ATTEMPTS, CLIENT_FIRST_MS,
                                     CLIENT_MAX_MS);
  return TRUE;
}

static void
note_relay_clock (WalletShareRunner *self,
                  GDateTime         *relay_date,
                  GDateTime         *expiration)
{
  gint64 offset = wallet_share_get_clock_offset (self->share);
  gint64 expires_at = wallet_share_get_expiration_unix (self->share);

  if (relay_date != NULL)
    offset = g_date_time_to_unix (relay_date) - g_get_real_time () / G_USEC_PER_SEC;
  if (expiration != NULL)
    expires_at = g_date_time_to_unix (expiration);

  if (expires_at != wallet_share_get_expiration_unix (self->share) ||
      offset != wallet_share_get_clock_offset (self->share))
    {
      wallet_share_set_expiration (self->share, expires_at, offset);
      mark_stale (self);
    }
  if (expiration != NULL)
    machine_set_expiration (self, expires_at);
  if (relay_date != NULL)
    machine_check_expiry (self, g_date_time_to_unix (relay_date));
}

typedef enum {
  CALL_CREATE,
  CALL_READ,
  CALL_WRITE,
  CALL_DELETE,
} CallKind;

static gboolean
relay_says_gone (const GError *error)
{
  return g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_NOT_FOUND) ||
         g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_EXPIRED) ||
         g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_DELETED);
}

/* The machine that @extra holds, if it says the share went through once
 * told that the mailbox is gone: it took the receipt (or sent it) and was
 * deleting the mailbox. */
static gpointer
machine_that_went_through (WalletShareRunner      *self,
                           WalletShareRecordExtra *extra)
{
  if (extra->machine == NULL)
    return NULL;

  if (is_outgoing (self))
    {
      g_autoptr(TwShareSender) sender = tw_share_sender_restore (extra->machine, NULL);

      if (sender == NULL)
        return NULL;
      tw_share_sender_mailbox_gone (sender, self->gone_expired);
      if (tw_share_sender_get_action (sender)->kind != TW_SHARE_ACTION_DONE)
        return NULL;
      return g_steal_pointer (&sender);
    }
  else
    {
      g_autoptr(TwShareRecipient) recipient = tw_share_recipient_restore (extra->machine, NULL);

      if (recipient == NULL)
        return NULL;
      tw_share_recipient_mailbox_gone (recipient, self->gone_expired);
      if (tw_share_recipient_get_action (recipient)->kind != TW_SHARE_ACTION_DONE)
        return NULL;
      return g_steal_pointer (&recipient);
    }
}

/* Takes what another process of this wallet saved for this share when it
 * knows more: a record saved as ended, or a machine that went through.
 * Returns whether it did. */
static gboolean
take_newer_record (WalletShareRunner *self,
                   GBytes            *sealed)
{
  g_autofree char *context = seal_context (self);
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(WalletShare) stored = NULL;
  g_autoptr(GError) error = NULL;
  WalletShareRecordExtra extra = { 0 };
  gpointer machine;

  plaintext = wallet_vault_open (self->ctx->vault, context, sealed, &error);
  if (plaintext != NULL)
    stored = wallet_share_record_parse (plaintext, &extra, &error);
  if (stored == NULL)
    {
      g_debug ("Share %s: its record cannot be read again: %s",
               wallet_share_get_id (self->share), error->message);
      return FALSE;
    }

  /* Ended there, so written down there, ledger first: it stays as it is,
   * and this process writes the same ending again after any save of its
   * own still on its way. */
  if (wallet_share_is_final (stored))
    {
      g_debug ("Share %s ended in another process of this wallet",
               wallet_share_get_id (self->share));
      self->ledger_done = TRUE;
      enter_final (self, wallet_share_get_state (stored),
                   wallet_share_get_error (stored) != NULL
                   ? g_error_copy (wallet_share_get_error (stored)) : NULL);
      wallet_share_record_extra_clear (&extra);
      return TRUE;
    }

  machine = machine_that_went_through (self, &extra);
  wallet_share_record_extra_clear (&extra);
  if (machine == NULL)
    return FALSE;

  g_debug ("Share %s went through in another process of this wallet",
           wallet_share_get_id (self->share));
  forget_machine (self);
  if (is_outgoing (self))
    self->sender = machine;
  else
    self->recipient = machine;
  return TRUE;
}

static void
record_reread (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = user_data;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GError) error = NULL;

  if (self->shut_down)
    return;

  self->busy = BUSY_NONE;
  sealed = wallet_keyring_load_finish (WALLET_KEYRING (source), result, &error);
  if (sealed == NULL && !g_error_matches (error, WALLET_KEYRING_ERROR,
                                          WALLET_KEYRING_ERROR_NOT_FOUND))
    {
      /* Deciding without the record could undo another process's ending:
       * the next read asks the relay again, then the keyring. */
      stall (self, error, 0);
      return;
    }

  if (sealed == NULL || !take_newer_record (self, sealed))
    machine_mailbox_gone (self, self->gone_expired);
  mark_dirty (self);
  step (self);
}

/* The relay ended the mailbox: the machine decides what that means. When
 * this process did not delete it, another process of this wallet may have
 * (`tigress run` beside the app, or twice), after it read the receipt: its
 * record, saved before that delete, tells, so it is read before deciding,
 * or the "deleted" would read as the other side's cancel (QA H2). */
static void
mailbox_gone (WalletShareRunner *self,
              CallKind           kind,
              const GError      *error)
{
  g_autoptr(GError) refused = NULL;

  self->peer_deleted = error->code == TW_RELAY_ERROR_DELETED;
  self->gone_expired = error->code == TW_RELAY_ERROR_EXPIRED;
  if (kind != CALL_DELETE)
    {
      self->busy = BUSY_RELOAD;
      wallet_keyring_load_async (self->ctx->keyring, WALLET_ITEM_SHARE, self->item_id,
                                 self->life_cancellable, record_reread, g_object_ref (self));
      return;
    }

  if (!machine_deleted (self, &refused))
    g_warning ("Share %s: the machine refused a delete: %s",
               wallet_share_get_id (self->share), refused->message);
  mark_dirty (self);
  step (self);
}

/* Whether a refusal means another recipient device holds the mailbox. */
static gboolean
taken_by_another_device (WalletShareRunner *self,
                         const GError      *error)
{
  return g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE);
}

/* A plain 401 on our very first read of an incoming share: the relay
 * says "claimed by another device" when that is the reason, so here the
 * bind token, made from the link's code, is wrong: a mistyped code or a
 * link not copied whole. Nothing was bound, so the right code still
 * works. */
static gboolean
key_does_not_fit (WalletShareRunner *self,
                  const GError      *error)
{
  return g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_UNAUTHORIZED) &&
         !is_outgoing (self) && machine_details (self) == NULL;
}

static void
handle_relay_error (WalletShareRunner *self,
                    CallKind           kind,
                    const GError      *error)
{
  g_autoptr(GError) for_people = NULL;

  if (g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_CANCELLED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      step (self);
      return;
    }

  g_debug ("Share %s: a relay call failed: %s", wallet_share_get_id (self->share),
           error->message);
  if (relay_says_gone (error) && kind != CALL_CREATE)
    {
      mailbox_gone (self, kind, error);
      return;
    }
  if (key_does_not_fit (self, error))
    {
      enter_final (self, WALLET_SHARE_STATE_FAILED,
                   share_error (WALLET_SHARE_ERROR_WRONG_KEY,
                                _("That code is wrong: check it and try again. If the "
                                  "code came inside the link, copy the whole link "
                                  "again.")));
      step (self);
      return;
    }
  if (taken_by_another_device (self, error))
    {
      enter_final (self, WALLET_SHARE_STATE_FAILED,
                   share_error (WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE,
                                _("Another device opened this link first, so it cannot "
                                  "be opened here. Ask the sender for a new invitation, "
                                  "and tell them: if that other device was not yours, "
                                  "someone else has the link.")));
      step (self);
      return;
    }

  for_people = error->domain == TW_RELAY_ERROR
               ? relay_error_for_people (self, error)
               : share_error (WALLET_SHARE_ERROR_RELAY_REFUSED, error->message);
  /* Nobody has the link of a share whose mailbox was never made. */
  if (kind == CALL_CREATE)
    {
      enter_final (self, WALLET_SHARE_STATE_FAILED, g_steal_pointer (&for_people));
      step (self);
      return;
    }
  stall (self, for_people, tw_relay_error_get_retry_after (error) * 1000);
}

/* -- create -- */

static void
created_link (WalletShareRunner *self,
              TwRelayCreated    *created)
{
  g_autofree char *mailbox_url = tw_relay_mailbox_dup_mailbox_url (self->mailbox);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwLink) link = NULL;

  /* The link names the relay the way we reached it, whatever host name the
   * relay believes it has. */
  link = tw_link_new_from_mailbox_url (mailbox_url, TW_LINK_VERTICAL_ACCESS,
                                       tw_share_sender_get_link_key (self->sender), &error);
  if (link == NULL)
    {
      g_warning ("Share %s: the relay's mailbox address makes no link: %s",
                 wallet_share_get_id (self->share), error->message);
      return;
    }

  self->link = tw_link_ref (link);
  g_clear_pointer (&self->mailbox_url, g_free);
  self->mailbox_url = tw_link_get_mailbox_url (link);
  g_clear_pointer (&self->saved.link, tw_secret_unref);
  self->saved.link = tw_link_to_tigress_string (link);
  wallet_share_set_mailbox_id (self->share, created->mailbox_id);
  wallet_share_set_link (self->share, link);
}

static void
create_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = relay_call_claim (user_data);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  created = tw_relay_mailbox_create_finish (TW_RELAY_MAILBOX (source), result, &error);
  if (self == NULL)
    return;
  if (created == NULL)
    {
      handle_relay_error (self, CALL_CREATE, error);
      return;
    }

  note_progress (self);
  if (!tw_share_sender_created (self->sender, created->mailbox_id, &error))
    {
      enter_final (self, WALLET_SHARE_STATE_FAILED,
                   share_error (WALLET_SHARE_ERROR_RELAY_REFUSED,
                                _("The relay gave an answer this wallet cannot use. "
                                  "Share again through another relay.")));
      step (self);
      return;
    }

  created_link (self, created);
  g_free (self->saved.etag);
  self->saved.etag = g_strdup (created->etag);
  note_relay_clock (self, created->relay_date, created->expiration);
  /* A restart repeats the create with its request id and gets the same
   * mailbox back, so the link need not be saved before the first read.
   * The first showing of a PIN comes next and must be saved before the PIN
   * is shown: one write then carries both. Without a PIN nothing else
   * saves soon, and other processes of the wallet should see the link. */
  if (self->saved.pin != NULL && !wallet_share_get_pin_revealed (self->share))
    mark_stale (self);
  else
    mark_dirty (self);
  step (self);
}

static const char *
display_title (WalletShareRunner *self)
{
  /* The relay sees only a fixed text per type, never the user's title. */
  switch (wallet_share_get_credential_type (self->share))
    {
    case WALLET_CREDENTIAL_PASSWORD: return "A shared password";
    case WALLET_CREDENTIAL_WIFI: return "A shared Wi-Fi network";
    case WALLET_CREDENTIAL_ACCESS_CODE: return "A shared access code";
    case WALLET_CREDENTIAL_DIGITAL_KEY:
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER: return "A shared digital key";
    case WALLET_CREDENTIAL_UNKNOWN:
    default: return "A shared credential";
    }
}

static void
do_create (WalletShareRunner   *self,
           const TwShareAction *action)
{
  g_autoptr(GDateTime) expiration = NULL;
  g_autoptr(TwSecret) bind_token = NULL;
  TwRelayCreateParams params = { 0 };

  if (self->saved.expires_in > 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      expiration = g_date_time_add_seconds (now, self->saved.expires_in);
    }
  if (self->saved.bind_token)
    bind_token = tw_link_key_derive_bind_token (tw_share_sender_get_link_key (self->sender),
                                                NULL);

  params.payload_type = TW_SHARE_PAYLOAD_TYPE;
  params.payload_data = action->payload;
  params.title = display_title (self);
  params.description = "Open this link in Tigress Wallet to receive it.";
  params.expiration = expiration;
  params.bind_token = bind_token;
  params.forbid_relinquish = wallet_share_get_flow (self->share) == WALLET_SHARE_FLOW_VERIFIED;

  {
    RelayCall *call = relay_call_new (self);

    tw_relay_mailbox_create_async (self->mailbox, &params, action->request_id,
                                   self->relay_cancellable, create_done, call);
  }
}

/* -- read -- */

static gboolean
poll_cb (gpointer user_data)
{
  WalletShareRunner *self = user_data;

  self->poll_source = 0;
  step (self);
  return G_SOURCE_REMOVE;
}

/* The relay keeps one long poll per claim and answers the older one "not
 * modified" at once when another arrives. When the same wallet runs this
 * share in two processes (`tigress run` beside the app or `share --wait`)
 * their polls would cut each other short in a tight loop; a poll that
 * ended early instead waits before the next one, longer each time, with
 * some jitter so the two processes drift apart. */
static guint
cut_short_delay_ms (WalletShareRunner *self)
{
  guint shift = MIN (self->n_cut_short - 1, 4);
  guint delay = MAX (self->ctx->poll_interval_ms, 1) << shift;

  return delay + g_random_int_range (0, delay / 2 + 1);
}

/* A superseded poll comes back within milliseconds; a relay with a short
 * --max-wait still holds each poll for a second or more. */
static void
note_unchanged_read (WalletShareRunner *self,
                     TwRelayContent    *content)
{
  gint64 waited_us = g_get_monotonic_time () - self->read_started_us;

  if (self->read_wait > 0 && (waited_us < G_USEC_PER_SEC || !content->wait_applied))
    self->n_cut_short++;
  else
    self->n_cut_short = 0;
}

/* Nothing new: read again, at once for a long poll, later for plain
 * polling or after a long poll that another one cut short. */
static void
read_again (WalletShareRunner *self)
{
  guint delay_ms = 0;

  if (self->ctx->long_poll_seconds == 0)
    delay_ms = MAX (self->ctx->poll_interval_ms, 1);
  else if (self->n_cut_short > 0)
    delay_ms = cut_short_delay_ms (self);
  if (delay_ms > 0 && self->poll_source == 0)
    self->poll_source = g_timeout_add (delay_ms, poll_cb, self);
  step (self);
}

/* Whether @binding_epoch tells something not known yet: a first device
 * bound to a share sent from here, or a second device to any share. */
static gboolean
binding_is_news (WalletShareRunner *self,
                 guint              binding_epoch)
{
  return (binding_epoch > 1 && !wallet_share_get_opened_on_several_devices (self->share)) ||
         (binding_epoch >= 1 && is_outgoing (self) && !self->saved.opened);
}

static void
note_binding (WalletShareRunner *self,
              guint              binding_epoch)
{
  if (binding_epoch > 1 && !wallet_share_get_opened_on_several_devices (self->share))
    {
      wallet_share_set_opened_on_several_devices (self->share);
      mark_stale (self);
    }
  if (binding_epoch >= 1 && is_outgoing (self) && !self->saved.opened)
    {
      self->saved.opened = TRUE;
      mark_stale (self);
    }
}

static void
take_payload (WalletShareRunner *self,
              TwRelayContent    *content)
{
  g_autoptr(GError) error = NULL;
  guint wrong_before = self->sender != NULL ? tw_share_sender_get_wrong_pins (self->sender) : 0;

  g_free (self->saved.etag);
  self->saved.etag = g_strdup (content->etag);
  mark_stale (self);

  if (!machine_receive (self, content->payload_data, &error))
    {
      g_autoptr(GError) for_people = NULL;

      /* The machine stays as it was: keep reading until a message it takes
       * arrives or the share expires. */
      g_message ("Share %s: refused a message from the relay: %s",
                 wallet_share_get_id (self->share), error->message);
      for_people = share_error (WALLET_SHARE_ERROR_PEER_FAULT,
                                _("The relay holds a message for this share that this "
                                  "wallet refuses. The share waits for a correct one "
                                  "until it expires."));
      self->stalled = TRUE;
      wallet_share_set_error (self->share, for_people);
      return;
    }

  note_progress (self);
  if (self->sender != NULL && !self->saved.cancelling &&
      wallet_share_get_flow (self->share) == WALLET_SHARE_FLOW_VERIFIED &&
      machine_action (self)->kind == TW_SHARE_ACTION_WRITE &&
      tw_share_sender_get_wrong_pins (self->sender) == wrong_before)
    self->saved.delivering = TRUE;
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = relay_call_claim (user_data);
  g_autoptr(TwRelayContent) content = NULL;
  g_autoptr(GError) error = NULL;
  gboolean bound_meanwhile;

  content = tw_relay_mailbox_read_content_finish (TW_RELAY_MAILBOX (source), result, &error);
  if (self == NULL)
    return;
  if (content == NULL)
    {
      handle_relay_error (self, CALL_READ, error);
      return;
    }

  note_progress (self);
  note_relay_clock (self, content->relay_date, content->not_modified ? NULL
                                                                     : content->expiration);
  /* A 304 carries the epoch too: a device that bound and then stopped
   * (the PIN not given) changes no payload, and only this tells the
   * sender someone holds the link (QA F1). */
  bound_meanwhile = binding_is_news (self, content->binding_epoch);
  note_binding (self, content->binding_epoch);
  self->looked = TRUE;

  if (content->not_modified || content->payload_data == NULL ||
      (content->etag != NULL && g_strcmp0 (content->etag, self->saved.etag) == 0))
    {
      /* The relay ends a poll early when a device binds: that is news,
       * not a poll cut short by another one. */
      if (bound_meanwhile)
        self->n_cut_short = 0;
      else
        note_unchanged_read (self, content);
      check_waiters (self, NULL);
      read_again (self);
      return;
    }
  self->n_cut_short = 0;

  take_payload (self, content);
  step (self);
}

static void
do_read (WalletShareRunner *self)
{
  TwSecret *bind_token = is_outgoing (self) ? NULL : self->bind_token;
  guint wait = MIN (self->ctx->long_poll_seconds, TW_RELAY_MAX_WAIT_SECONDS);

  /* After a start or a reconnect, look first: the relay may still hold the
   * long poll of the connection we lost, and it allows one per claim. */
  if (self->look_now)
    wait = 0;
  self->look_now = FALSE;
  self->read_started_us = g_get_monotonic_time ();
  self->read_wait = wait;
  {
    RelayCall *call = relay_call_new (self);

    tw_relay_mailbox_read_content_async (self->mailbox, bind_token, self->saved.etag, wait,
                                         self->relay_cancellable, read_done,
                                         call);
  }
}

/* -- write -- */

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = relay_call_claim (user_data);
  g_autofree char *etag = NULL;
  g_autoptr(GError) error = NULL;
  gboolean written;

  written = tw_relay_mailbox_update_finish (TW_RELAY_MAILBOX (source), result, &etag, &error);
  if (self == NULL)
    return;
  if (!written)
    {
      handle_relay_error (self, CALL_WRITE, error);
      return;
    }

  note_progress (self);
  if (!machine_written (self, &error))
    g_warning ("Share %s: the machine refused a finished write: %s",
               wallet_share_get_id (self->share), error->message);
  /* A repeated write is answered with the ETag of what the mailbox holds
   * now, which may be the other side's answer to it: keep reading from the
   * ETag before, so that answer is not taken for ours. */
  if (!self->write_repeated)
    {
      g_free (self->saved.etag);
      self->saved.etag = g_steal_pointer (&etag);
    }
  mark_stale (self);
  step (self);
}

static void
do_write (WalletShareRunner   *self,
          const TwShareAction *action)
{
  self->write_repeated = g_strcmp0 (action->request_id, self->write_request) == 0;
  if (!self->write_repeated)
    {
      g_free (self->write_request);
      self->write_request = g_strdup (action->request_id);
    }
  {
    RelayCall *call = relay_call_new (self);

    tw_relay_mailbox_update_async (self->mailbox, TW_SHARE_PAYLOAD_TYPE, action->payload,
                                   NULL, action->request_id, self->relay_cancellable,
                                   write_done, call);
  }
}

/* -- delete -- */

static void
delete_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = relay_call_claim (user_data);
  g_autoptr(GError) error = NULL;
  gboolean deleted;

  deleted = tw_relay_mailbox_delete_finish (TW_RELAY_MAILBOX (source), result, &error);
  if (self == NULL)
    return;
  if (!deleted)
    {
      handle_relay_error (self, CALL_DELETE, error);
      return;
    }

  note_progress (self);
  if (!machine_deleted (self, &error))
    g_warning ("Share %s: the machine refused a finished delete: %s",
               wallet_share_get_id (self->share), error->message);
  mark_stale (self);
  step (self);
}

static void
do_delete (WalletShareRunner   *self,
           const TwShareAction *action)
{
  {
    RelayCall *call = relay_call_new (self);

    tw_relay_mailbox_delete_async (self->mailbox, action->request_id, self->relay_cancellable,
                                   delete_done, call);
  }
}

/* ---- storing a received credential ----------------------------------- */

static char *
format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static WalletCredential *
build_digital_key (WalletShareRunner  *self,
                   GError            **error)
{
  const TwShareDetails *details = machine_details (self);
  GBytes *certificate = tw_share_recipient_get_certificate (self->recipient);
  TwSecret *seed = tw_share_recipient_get_subject_seed (self->recipient);
  g_autoptr(WalletCredential) credential = NULL;
  g_autofree char *resource = NULL, *rights = NULL, *not_before = NULL, *not_after = NULL;
  g_autofree char *title = NULL;
  TwCertFields fields;

  if (certificate == NULL || seed == NULL || !tw_cert_decode (certificate, &fields, error))
    return NULL;

  title = wallet_credential_text_make_displayable (details->title, FALSE);
  credential = wallet_credential_new_digital_key (title, certificate, seed);
  resource = g_malloc0 (2 * TW_CERT_RESOURCE_ID_SIZE + 1);
  for (guint i = 0; i < TW_CERT_RESOURCE_ID_SIZE; i++)
    g_snprintf (resource + 2 * i, 3, "%02x", fields.resource_id[i]);
  rights = g_strdup_printf ("%u", fields.rights);
  not_before = format_time (fields.not_before);
  not_after = format_time (fields.not_after);
  wallet_credential_set_field (credential, WALLET_FIELD_RESOURCE_ID, resource);
  wallet_credential_set_field (credential, WALLET_FIELD_RIGHTS, rights);
  wallet_credential_set_field (credential, WALLET_FIELD_NOT_BEFORE, not_before);
  wallet_credential_set_field (credential, WALLET_FIELD_NOT_AFTER, not_after);
  return g_steal_pointer (&credential);
}

static WalletCredential *
build_credential (WalletShareRunner  *self,
                  GError            **error)
{
  const TwShareDetails *details = machine_details (self);
  WalletCredential *credential;

  if (details->kind == TW_SHARE_KIND_DIGITAL_KEY)
    {
      credential = build_digital_key (self, error);
    }
  else
    {
      g_autofree char *format = wallet_share_format_from_wire (
          tw_share_recipient_get_credential_format (self->recipient));

      credential = wallet_credential_new_from_share (
          format, tw_share_recipient_get_credential_content (self->recipient), error);
      /* The recipient was shown the share's title and told it is saved
       * under it; a title inside the content (an older sender's own, maybe
       * private one) does not get the last word. */
      if (credential != NULL && !wallet_credential_is_read_only (credential) &&
          wallet_share_get_title (self->share) != NULL &&
          g_utf8_strlen (wallet_share_get_title (self->share), -1) <=
          WALLET_CREDENTIAL_MAX_TITLE_CHARS)
        wallet_credential_set_title (credential, wallet_share_get_title (self->share));
    }

  if (credential != NULL)
    wallet_credential_set_share_id (credential, details->share_id);
  return credential;
}

static void
stored (WalletShareRunner *self,
        const char        *credential_id)
{
  g_autoptr(GError) error = NULL;

  note_progress (self);
  if (!tw_share_recipient_stored (self->recipient, &error))
    g_warning ("Share %s: the machine refused a finished store: %s",
               wallet_share_get_id (self->share), error->message);
  self->saved.stored = TRUE;
  wallet_share_set_credential_id (self->share, credential_id);
  mark_dirty (self);
  sync_share (self);
  check_waiters (self, NULL);
  step (self);
}

static void
store_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = user_data;
  WalletCredential *credential = g_object_get_data (G_OBJECT (self), "storing");
  g_autoptr(GError) error = NULL;

  if (self->shut_down)
    return;

  self->busy = BUSY_NONE;
  if (!wallet_store_save_finish (WALLET_STORE (source), result, &error))
    {
      g_autoptr(GError) pending = NULL;

      /* Keep everything; the credential is stored when the keyring is back. */
      pending = g_error_new (WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_STORE_PENDING,
                             _("The credential arrived but cannot be saved yet: %s "
                               "The wallet keeps it safe and tries again."),
                             error->message);
      g_object_set_data (G_OBJECT (self), "storing", NULL);
      self->store_unsure = TRUE;
      stall (self, pending, 0);
      return;
    }

  stored (self, wallet_credential_get_id (credential));
  g_object_set_data (G_OBJECT (self), "storing", NULL);
}

static void do_store (WalletShareRunner *self);

static void
store_reloaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WalletShareRunner) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->shut_down)
    return;

  self->busy = BUSY_NONE;
  if (!wallet_store_load_finish (WALLET_STORE (source), result, &error))
    {
      g_autoptr(GError) pending = NULL;

      pending = g_error_new (WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_STORE_PENDING,
                             _("The credential arrived but cannot be saved yet: %s "
                               "The wallet keeps it safe and tries again."),
                             error->message);
      stall (self, pending, 0);
      return;
    }

  self->store_unsure = FALSE;
  do_store (self);
}

static void
do_store (WalletShareRunner *self)
{
  const TwShareDetails *details = machine_details (self);
  WalletCredential *existing;
  g_autoptr(WalletCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  /* A keyring that timed out may still have written the item: read the
   * store again before writing a second copy. */
  if (self->store_unsure)
    {
      self->busy = BUSY_STORE;
      wallet_store_load_async (self->ctx->store, self->life_cancellable, store_reloaded,
                               g_object_ref (self));
      return;
    }

  /* Each share is stored once: a crash after the store and before the
   * saved state said so finds it here. */
  existing = wallet_store_lookup_by_share_id (self->ctx->store, details->share_id);
  if (existing != NULL)
    {
      stored (self, wallet_credential_get_id (existing));
      return;
    }

  credential = build_credential (self, &error);
  if (credential == NULL)
    {
      g_warning ("Share %s: the received credential does not make a credential: %s",
                 wallet_share_get_id (self->share), error->message);
      enter_final (self, WALLET_SHARE_STATE_FAILED,
                   share_error (WALLET_SHARE_ERROR_PEER_FAULT,
                                _("The credential that arrived is damaged and was not "
                                  "saved. Ask the sender to share it again.")));
      step (self);
      return;
    }

  self->busy = BUSY_STORE;
  g_object_set_data_full (G_OBJECT (self), "storing", g_object_ref (credential),
                          g_object_unref);
  wallet_store_save_async (self->ctx->store, credential, self->life_cancellable,
                           store_done, g_object_ref (self));
}

/* ---- the loop ---------------------------------------------------------- */

static gboolean
expiry_cb (gpointer user_data)
{
  WalletShareRunner *self = user_data;

  self->expiry_source = 0;
  if (!has_machine (self))
    return G_SOURCE_REMOVE;

  abort_relay_call (self);
  machine_check_expiry (self, relay_now (self));
  mark_dirty (self);
  step (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_expiry (WalletShareRunner *self)
{
  gint64 left = wallet_share_get_seconds_left (self->share);

  if (self->expiry_source != 0 || left < 0 || !has_machine (self))
    return;
  self->expiry_source = g_timeout_add_seconds (MIN (left + 1, G_MAXUINT / 1000),
                                               expiry_cb, self);
}

/* Tests only: the app "quits" with a final state saved and its last write
 * (receipt or cancel) not yet sent; the runner then does nothing more. */
static gboolean
test_stops_before (WalletShareRunner *self)
{
  if (!self->ctx->test_stop_before_final_write || !wallet_share_is_final (self->share))
    return FALSE;

  self->ctx->test_final_writes_stopped++;
  return TRUE;
}

static void
act (WalletShareRunner   *self,
     const TwShareAction *action)
{
  switch (action->kind)
    {
    case TW_SHARE_ACTION_CREATE:
      if (ensure_mailbox (self))
        do_create (self, action);
      break;
    case TW_SHARE_ACTION_WRITE:
      if (test_stops_before (self))
        break;
      if (ensure_mailbox (self))
        do_write (self, action);
      break;
    case TW_SHARE_ACTION_READ:
      if (self->poll_source == 0 && ensure_mailbox (self))
        do_read (self);
      break;
    case TW_SHARE_ACTION_DELETE:
      if (ensure_mailbox (self))
        do_delete (self, action);
      break;
    case TW_SHARE_ACTION_STORE:
      do_store (self);
      break;
    case TW_SHARE_ACTION_ASK_USER:
      /* While the user decides, keep listening: the sender may cancel. */
      check_waiters (self, NULL);
      if (self->poll_source == 0 && ensure_mailbox (self))
        do_read (self);
      break;
    case TW_SHARE_ACTION_DONE:
      enter_final (self, is_outgoing (self) ? WALLET_SHARE_STATE_DELIVERED
                                            : WALLET_SHARE_STATE_RECEIVED, NULL);
      step (self);
      break;
    case TW_SHARE_ACTION_FAILED:
      enter_final_from_failure (self, action->failure);
      step (self);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The last steps of a share that ended: the ledger, then the record
 * without secrets. */
static void
finish_step (WalletShareRunner *self)
{
  /* A wrong code ends only this attempt: the link itself stays open. */
  if (g_error_matches (wallet_share_get_error (self->share), WALLET_SHARE_ERROR,
                       WALLET_SHARE_ERROR_WRONG_KEY))
    self->ledger_done = TRUE;
  if (!self->ledger_done && self->mailbox_url != NULL)
    {
      do_ledger (self);
      return;
    }

  self->final_pending = FALSE;
  forget_secrets (self);
  mark_dirty (self);
  start_save (self);
}

/* Relay writes, creates and deletes are repeated after a restart from the
 * saved state: that state must be the newest, so a repeat is the same
 * request. A question to the user may stay open for long, and a restart
 * must ask the same. Reads and storing (found by share id) need neither. */
static gboolean
next_action_needs_saved_state (WalletShareRunner *self)
{
  TwShareActionKind kind;

  if (!has_machine (self))
    return FALSE;
  kind = machine_action (self)->kind;
  return kind == TW_SHARE_ACTION_CREATE || kind == TW_SHARE_ACTION_WRITE ||
         kind == TW_SHARE_ACTION_DELETE || kind == TW_SHARE_ACTION_ASK_USER;
}

static void
step (WalletShareRunner *self)
{
  gboolean waiting = self->retry_source != 0;

  if (self->shut_down || self->finished)
    return;

  if (self->final_pending)
    {
      if (!self->saving && self->busy == BUSY_NONE && !waiting)
        finish_step (self);
      return;
    }
  /* A save may run beside a relay call (a long poll can take a while) or a
   * relay back-off: the call came from a state already saved, and no new
   * action starts until the keyring holds the state it needs. Only a failed
   * save waits for its own back-off. */
  if (self->dirty || (self->stale && (self->flush_due || next_action_needs_saved_state (self))))
    {
      if (!self->saving && !(waiting && self->save_failed))
        start_save (self);
      return;
    }
  /* A save still running holds only what no action needs. */
  if (self->busy != BUSY_NONE || waiting)
    return;
  if (!has_machine (self))
    {
      if (wallet_share_is_final (self->share))
        {
          self->finished = TRUE;
          check_waiters (self, NULL);
        }
      return;
    }

  sync_share (self);
  schedule_expiry (self);
  act (self, machine_action (self));
}

/* ---- making runners -------------------------------------------------- */

WalletShareRunner *
wallet_share_runner_new_outgoing (WalletShareContext *ctx,
                                  WalletShare        *share,
                                  TwShareSender      *sender,
                                  TwSecret           *pin,
                                  gboolean            bind_token,
                                  guint               expires_in)
{
  WalletShareRunner *self = runner_new (ctx, share);

  self->sender = sender;
  self->saved.claim = tw_relay_new_device_claim ();
  self->saved.pin = pin != NULL ? tw_secret_ref (pin) : NULL;
  self->saved.bind_token = bind_token;
  self->saved.expires_in = expires_in;
  wallet_share_set_has_pin (share, pin != NULL);
  wallet_share_set_state (share, WALLET_SHARE_STATE_CONNECTING);
  sync_details (self);
  mark_dirty (self);
  return self;
}

WalletShareRunner *
wallet_share_runner_new_incoming (WalletShareContext *ctx,
                                  WalletShare        *share,
                                  TwLink             *link)
{
  WalletShareRunner *self = runner_new (ctx, share);

  self->link = tw_link_ref (link);
  self->mailbox_url = tw_link_get_mailbox_url (link);
  wallet_share_set_mailbox_id (share, tw_link_get_mailbox_id (link));
  wallet_share_set_state (share, WALLET_SHARE_STATE_NEW);
  return self;
}

static gboolean
restore_link (WalletShareRunner  *self,
              GError            **error)
{
  if (self->saved.link == NULL)
    return TRUE;

  self->link = tw_link_parse (tw_secret_get_text (self->saved.link), error);
  if (self->link == NULL)
    return FALSE;

  self->mailbox_url = tw_link_get_mailbox_url (self->link);
  if (is_outgoing (self))
    wallet_share_set_link (self->share, self->link);
  else
    self->bind_token = tw_link_key_derive_bind_token (tw_link_get_key (self->link), error);
  return is_outgoing (self) || self->bind_token != NULL;
}

static gboolean
restore_machine (WalletShareRunner  *self,
                 GError            **error)
{
  if (self->saved.machine == NULL)
    return TRUE;

  if (is_outgoing (self))
    self->sender = tw_share_sender_restore (self->saved.machine, error);
  else
    self->recipient = tw_share_recipient_restore (self->saved.machine, error);
  g_clear_pointer (&self->saved.machine, tw_secret_unref);
  return has_machine (self);
}

/* A share saved as final may still owe the relay its last write: the
 * recipient saves "stored" before its receipt goes out, and the app may stop
 * in between. The machine kept that write with its request id, so sending
 * it again is the same bytes, and the other side is not left to expire. */
static gboolean
owes_final_write (WalletShareRunner *self)
{
  return has_machine (self) && machine_action (self)->kind == TW_SHARE_ACTION_WRITE;
}

WalletShareRunner *
wallet_share_runner_restore (WalletShareContext  *ctx,
                             TwSecret            *plaintext,
                             GError             **error)
{
  g_autoptr(WalletShareRunner) self = NULL;
  g_autoptr(WalletShare) share = NULL;
  WalletShareRecordExtra extra = { 0 };

  share = wallet_share_record_parse (plaintext, &extra, error);
  if (share == NULL)
    return NULL;

  self = runner_new (ctx, share);
  self->saved = extra;
  if (!restore_link (self, error) || !restore_machine (self, error))
    return NULL;

  if (wallet_share_is_final (share) && !owes_final_write (self))
    {
      forget_secrets (self);
      self->finished = TRUE;
    }
  else if (self->mailbox_url == NULL && wallet_share_get_mailbox_id (share) != NULL)
    {
      self->mailbox_url = g_strdup_printf ("%s/v1/m/%s", wallet_share_get_relay (share),
                                           wallet_share_get_mailbox_id (share));
    }
  self->saved_generation = self->dirty_generation;
  self->look_now = TRUE;
  /* The last run may have sent this write already. */
  if (has_machine (self) && machine_action (self)->kind == TW_SHARE_ACTION_WRITE)
    self->write_request = g_strdup (machine_action (self)->request_id);
  /* The last run may have stored the credential just before it stopped,
   * and the store may not have been read since: look again first. */
  self->store_unsure = TRUE;
  return g_steal_pointer (&self);
}

/* ---- what the manager asks ------------------------------------------- */

void
wallet_share_runner_start (WalletShareRunner *self)
{
  step (self);
}

void
wallet_share_runner_shutdown (WalletShareRunner *self,
                              const GError      *reason)
{
  g_autoptr(GPtrArray) waiters = NULL;

  if (self->shut_down)
    return;

  self->shut_down = TRUE;
  clear_sources (self);
  g_cancellable_cancel (self->relay_cancellable);
  g_cancellable_cancel (self->life_cancellable);
  self->generation++;
  forget_secrets (self);

  waiters = g_steal_pointer (&self->waiters);
  self->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  for (guint i = 0; i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      g_task_return_error (waiter->task, g_error_copy (reason));
    }
}

void
wallet_share_runner_check_sender (WalletShareRunner *self)
{
  const TwShareAction *action;

  /* A lock empties the contacts for a while; the share keeps its answer. */
  if (self->recipient == NULL || self->shut_down || self->finished ||
      !wallet_vault_is_unlocked (self->ctx->vault))
    return;

  action = machine_action (self);
  if (action->kind != TW_SHARE_ACTION_DONE && action->kind != TW_SHARE_ACTION_FAILED)
    sync_sender (self);
}

void
wallet_share_runner_reconnect (WalletShareRunner *self)
{
  if (self->shut_down || self->finished)
    return;

  abort_relay_call (self);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  self->n_failures = 0;
  self->look_now = TRUE;
  /* A fresh try starts without the old reason, so one that fails the same
   * way is announced again (a window waiting on the try hears of it). */
  if (self->stalled)
    {
      self->stalled = FALSE;
      wallet_share_set_error (self->share, NULL);
    }
  step (self);
}

static gboolean
refuse_if_shut_down (WalletShareRunner *self,
                     GTask             *task)
{
  if (!self->shut_down)
    return FALSE;

  g_task_return_new_error (task, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                           _("The wallet is locked. Unlock it to go on with this share."));
  return TRUE;
}

static void
return_wrong_state (GTask      *task,
                    const char *message)
{
  g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE,
                           "%s", message);
}

void
wallet_share_runner_create (WalletShareRunner *self,
                            GTask             *task)
{
  if (refuse_if_shut_down (self, task))
    return;

  add_waiter (self, WAIT_CREATE, task);
  step (self);
}

void
wallet_share_runner_reveal_pin (WalletShareRunner *self,
                                GTask             *task)
{
  if (refuse_if_shut_down (self, task))
    return;
  if (self->saved.pin == NULL)
    {
      return_wrong_state (task, _("This share has no PIN."));
      return;
    }

  if (!wallet_share_get_pin_revealed (self->share))
    {
      wallet_share_set_pin_revealed (self->share, TRUE);
      mark_dirty (self);
    }
  add_waiter (self, WAIT_SAVED, task);
  step (self);
}

void
wallet_share_runner_accept (WalletShareRunner *self,
                            GTask             *task)
{
  g_autoptr(GError) error = NULL;

  if (refuse_if_shut_down (self, task))
    return;
  if (has_machine (self) || wallet_share_get_state (self->share) != WALLET_SHARE_STATE_NEW)
    {
      return_wrong_state (task, _("This share was opened already."));
      return;
    }

  self->recipient = tw_share_recipient_new (tw_link_get_mailbox_id (self->link),
                                            tw_link_get_key (self->link), &error);
  self->bind_token = tw_link_key_derive_bind_token (tw_link_get_key (self->link), NULL);
  if (self->recipient == NULL || self->bind_token == NULL)
    {
      g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_BAD_LINK,
                               _("This link cannot be opened: its code is damaged. Ask "
                                 "the sender to send it again."));
      forget_machine (self);
      return;
    }

  self->saved.claim = tw_relay_new_device_claim ();
  self->saved.link = tw_link_to_tigress_string (self->link);
  wallet_share_set_state (self->share, WALLET_SHARE_STATE_CONNECTING);
  mark_dirty (self);
  add_waiter (self, WAIT_ACCEPT, task);
  step (self);
}

void
wallet_share_runner_confirm (WalletShareRunner *self,
                             TwSecret          *pin,
                             GTask             *task)
{
  gboolean verified = wallet_share_get_flow (self->share) == WALLET_SHARE_FLOW_VERIFIED;
  g_autoptr(GError) error = NULL;

  if (refuse_if_shut_down (self, task))
    return;
  /* The read that listened for a cancel while the user decided. */
  if (has_machine (self) && machine_action (self)->kind == TW_SHARE_ACTION_ASK_USER)
    abort_relay_call (self);
  if (!has_machine (self) || machine_action (self)->kind != TW_SHARE_ACTION_ASK_USER ||
      self->busy != BUSY_NONE)
    {
      return_wrong_state (task, _("This share is not waiting for your answer now."));
      return;
    }
  if (verified && (pin == NULL || !tw_pin_is_well_formed (tw_secret_get_text (pin))))
    {
      g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_BAD_PIN,
                               _("The PIN is six digits. Type the PIN the sender gave "
                                 "you."));
      return;
    }
  if (!tw_share_recipient_accept (self->recipient, verified ? pin : NULL, &error))
    {
      g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE,
                               _("This share cannot be accepted now."));
      return;
    }

  if (verified)
    self->saved.pins_sent++;
  /* The person acted: the answer goes out now, not when the back-off of
   * the read that listened meanwhile runs out. */
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->n_failures = 0;
  /* The save before the answer goes out carries the state after it. */
  sync_share (self);
  mark_dirty (self);
  add_waiter (self, WAIT_CONFIRM, task);
  step (self);
}

void
wallet_share_runner_cancel (WalletShareRunner *self,
                            GTask             *task)
{
  g_autoptr(GError) error = NULL;

  if (refuse_if_shut_down (self, task))
    return;
  if (!has_machine (self) || wallet_share_is_final (self->share) || self->final_pending)
    {
      return_wrong_state (task, _("This share has ended already."));
      return;
    }
  if (self->busy == BUSY_STORE || self->saved.stored)
    {
      return_wrong_state (task, _("This credential is already being saved in your "
                                  "wallet, so the share cannot be declined now."));
      return;
    }

  abort_relay_call (self);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  if (!machine_cancel (self, &error))
    {
      return_wrong_state (task, _("This share cannot be cancelled now."));
      step (self);
      return;
    }

  self->saved.cancelling = TRUE;
  self->n_failures = 0;
  mark_dirty (self);
  add_waiter (self, WAIT_CANCEL, task);
  step (self);
}

void
wallet_share_runner_wait (WalletShareRunner *self,
                          GTask             *task)
{
  if (refuse_if_shut_down (self, task))
    return;

  add_waiter (self, WAIT_SETTLED, task);
}
