/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-share.h"

G_DEFINE_QUARK (tw-share-error-quark, tw_share_error)

static const char * const failure_names[] = {
  [TW_SHARE_FAILURE_NONE] = "none",
  [TW_SHARE_FAILURE_CANCELLED] = "cancelled",
  [TW_SHARE_FAILURE_PEER_CANCELLED] = "peer-cancelled",
  [TW_SHARE_FAILURE_PIN_ATTEMPTS] = "pin-attempts",
  [TW_SHARE_FAILURE_EXPIRED] = "expired",
  [TW_SHARE_FAILURE_MAILBOX_GONE] = "mailbox-gone",
  [TW_SHARE_FAILURE_ALTERED] = "altered",
  [TW_SHARE_FAILURE_UNSUPPORTED] = "unsupported",
};

static const char * const action_names[] = {
  [TW_SHARE_ACTION_CREATE] = "create",
  [TW_SHARE_ACTION_WRITE] = "write",
  [TW_SHARE_ACTION_READ] = "read",
  [TW_SHARE_ACTION_ASK_USER] = "ask-user",
  [TW_SHARE_ACTION_STORE] = "store",
  [TW_SHARE_ACTION_DELETE] = "delete",
  [TW_SHARE_ACTION_DONE] = "done",
  [TW_SHARE_ACTION_FAILED] = "failed",
};

const char *
tw_share_failure_to_string (TwShareFailure failure)
{
  g_return_val_if_fail (failure < G_N_ELEMENTS (failure_names), NULL);

  return failure_names[failure];
}

const char *
tw_share_action_kind_to_string (TwShareActionKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (action_names), NULL);

  return action_names[kind];
}
