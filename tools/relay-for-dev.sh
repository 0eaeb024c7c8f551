# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# Sourced by tools/run-app and tools/screenshots: starts the build's
# tigress-relay on a free loopback port with a throw-away database.
#
#   start_dev_relay BUILD_DIR SCRATCH_DIR
#
# Sets relay_pid and relay_url, or prints why and returns 1. The caller
# stops the relay with: kill "$relay_pid".

start_dev_relay () {
  local build=$1 scratch=$2 port ready=""

  # A free port: bind port 0 once and take what the kernel gave.
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
    || { echo "could not find a free loopback port" >&2; return 1; }

  "$build/src/relay/tigress-relay" --listen "127.0.0.1:$port" \
    --storage "sqlite:$scratch/relay.db" --no-rate-limits >"$scratch/relay.log" 2>&1 &
  relay_pid=$!

  for _ in $(seq 100); do
    if ! kill -0 "$relay_pid" 2>/dev/null; then
      cat "$scratch/relay.log" >&2
      echo "the relay stopped right after starting (its output is above)" >&2
      return 1
    fi
    if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
      printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
      if head -n1 <&3 | grep -q ' 200'; then ready=1; fi
      exec 3>&- 3<&-
      [ -n "$ready" ] && break
    fi
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    echo "the relay did not answer /healthz on 127.0.0.1:$port" >&2
    return 1
  fi
  relay_url="http://127.0.0.1:$port"
}
