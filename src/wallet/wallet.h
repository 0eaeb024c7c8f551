/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Everything the wallet services offer, for the CLI and the GUI. */
#include "wallet-auth.h"
#include "wallet-auth-proof.h"
#include "wallet-contact.h"
#include "wallet-contacts.h"
#include "wallet-credential.h"
#include "wallet-enums.h"
#include "wallet-keyring.h"
#include "wallet-relays.h"
#include "wallet-store.h"
#include "wallet-vault.h"
#include "wallet-wifi.h"
