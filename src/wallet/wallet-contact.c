/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-contact.h"

#include <string.h>

#define FINGERPRINT_LABEL "tigress-wallet v1 fingerprint"
#define FINGERPRINT_GROUPS 8

struct _WalletContact
{
  GObject    parent_instance;

  char      *id;
  char      *name;
  guint8     public_key[TW_ED25519_PUBLIC_SIZE];
  char      *fingerprint;
  GDateTime *pinned;
};

G_DEFINE_TYPE (WalletContact, wallet_contact, G_TYPE_OBJECT)

char *
wallet_fingerprint_for_key (const guint8 public_key[TW_ED25519_PUBLIC_SIZE])
{
  guint8 input[sizeof FINGERPRINT_LABEL - 1 + TW_ED25519_PUBLIC_SIZE];
  guint8 digest[TW_SHA256_SIZE];
  GString *text = g_string_sized_new (WALLET_FINGERPRINT_LENGTH + 1);

  memcpy (input, FINGERPRINT_LABEL, sizeof FINGERPRINT_LABEL - 1);
  memcpy (input + sizeof FINGERPRINT_LABEL - 1, public_key, TW_ED25519_PUBLIC_SIZE);
  tw_sha256 (input, sizeof input, digest);

  /* Each group: 32 bits reduced to four digits. The bias of the reduction
   * (10^4 into 2^32) is far below what a person comparing digits notices. */
  for (guint i = 0; i < FINGERPRINT_GROUPS; i++)
    {
      guint32 value = ((guint32) digest[4 * i] << 24) | ((guint32) digest[4 * i + 1] << 16) |
                      ((guint32) digest[4 * i + 2] << 8) | digest[4 * i + 3];

      g_string_append_printf (text, i == 0 ? "%04u" : " %04u", value % 10000);
    }
  return g_string_free (text, FALSE);
}

static void
wallet_contact_finalize (GObject *object)
{
  WalletContact *self = WALLET_CONTACT (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->fingerprint);
  g_clear_pointer (&self->pinned, g_date_time_unref);
  G_OBJECT_CLASS (wallet_contact_parent_class)->finalize (object);
}

static void
wallet_contact_class_init (WalletContactClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wallet_contact_finalize;
}

static void
wallet_contact_init (WalletContact *self)
{
}

WalletContact *
wallet_contact_new (const char   *id,
                    const char   *name,
                    const guint8  public_key[TW_ED25519_PUBLIC_SIZE],
                    GDateTime    *pinned)
{
  WalletContact *self;

  g_return_val_if_fail (id != NULL && name != NULL && public_key != NULL, NULL);
  g_return_val_if_fail (pinned != NULL, NULL);

  self = g_object_new (WALLET_TYPE_CONTACT, NULL);
  self->id = g_strdup (id);
  self->name = g_strdup (name);
  memcpy (self->public_key, public_key, TW_ED25519_PUBLIC_SIZE);
  self->fingerprint = wallet_fingerprint_for_key (public_key);
  self->pinned = g_date_time_ref (pinned);
  return self;
}

const char *
wallet_contact_get_id (WalletContact *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACT (self), NULL);
  return self->id;
}

const char *
wallet_contact_get_name (WalletContact *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACT (self), NULL);
  return self->name;
}

const guint8 *
wallet_contact_get_public_key (WalletContact *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACT (self), NULL);
  return self->public_key;
}

const char *
wallet_contact_get_fingerprint (WalletContact *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACT (self), NULL);
  return self->fingerprint;
}

GDateTime *
wallet_contact_get_pinned (WalletContact *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACT (self), NULL);
  return self->pinned;
}
