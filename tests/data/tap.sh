# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# A few lines of TAP for the data checks, which are shell scripts rather
# than GTest programs because the tools they drive are commands. Each check
# is a function; `check PATH FUNCTION [ARG…]` runs it with its output kept
# aside and reports it under a path that reads as the behaviour it proves.
# Checks run in a subshell with `set -e`: any failing command fails the
# check. A check that calls `skip "why"` is reported as skipped.

tap_count=0
tap_failed=0
tap_log=$(mktemp "${TMPDIR:-/tmp}/tigress-tap.XXXXXX")
trap 'rm -f "$tap_log"' EXIT

skip () {
  echo "$*" >"$tap_log.skip"
  exit 77
}

check () {
  local path=$1 status
  shift
  tap_count=$((tap_count + 1))
  rm -f "$tap_log.skip"
  (set -eo pipefail; "$@") >"$tap_log" 2>&1
  status=$?
  if [ $status -eq 0 ]; then
    echo "ok $tap_count $path"
  elif [ $status -eq 77 ] && [ -f "$tap_log.skip" ]; then
    echo "ok $tap_count $path # SKIP $(cat "$tap_log.skip")"
    rm -f "$tap_log.skip"
  else
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_count $path"
    sed 's/^/# /' "$tap_log"
  fi
}

# Call last: prints the plan and exits with the overall result.
finish () {
  echo "1..$tap_count"
  [ $tap_failed -eq 0 ]
}

# Fails the current check with a message.
fail () {
  echo "$*" >&2
  exit 1
}
