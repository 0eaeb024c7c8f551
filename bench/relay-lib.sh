# SPDX-License-Identifier: GPL-3.0-or-later
#
# Helpers shared by bench/relay and bench/soak (sourced, not run). Servers
# started here are recorded by name and stopped by process id when the
# calling script exits. Functions that start something return through the
# global `started_url` rather than on standard output, so that no server
# is ever a child of a command substitution.

bench_lua=$top/bench/relay-lua
bench_claim=$(cat /proc/sys/kernel/random/uuid)
declare -A bench_pids
bench_redis_port=""
bench_redis_db=0
started_url=""

bench_cleanup () {
  local name
  for name in "${!bench_pids[@]}"; do
    kill -TERM "${bench_pids[$name]}" 2>/dev/null || true
  done
  for name in "${!bench_pids[@]}"; do
    wait "${bench_pids[$name]}" 2>/dev/null || true
  done
  [ -n "${workdir:-}" ] && rm -rf "$workdir"
}

bench_make_workdir () {
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/tigress-bench.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_build_relay () {
  local dir=$1
  if [ ! -f "$dir/build.ninja" ]; then
    echo "Setting up a build in $dir (without the GTK app)"
    meson setup "$dir" "$top" -Dgui=false >/dev/null
  fi
  relay_exe=$dir/src/relay/tigress-relay
  if ! meson compile -C "$dir" tigress-relay > "${TMPDIR:-/tmp}/tigress-bench-build.log" 2>&1
  then
    if [ ! -x "$relay_exe" ]; then
      cat "${TMPDIR:-/tmp}/tigress-bench-build.log" >&2
      echo "bench: could not build tigress-relay in $dir" >&2
      exit 1
    fi
    echo "bench: could not rebuild tigress-relay in $dir (see" \
         "${TMPDIR:-/tmp}/tigress-bench-build.log); measuring the one built before" >&2
  fi
}

bench_free_port () {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 40000 ))
    if [ -z "$(ss -Htan "( sport = :$port )")" ]; then
      echo "$port"
      return
    fi
  done
}

bench_pid () {
  echo "${bench_pids[$1]}"
}

bench_stop () {
  local pid=${bench_pids[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "bench_pids[$1]"
}

# Waits until $1 answers 200, for up to $2 seconds.
bench_wait_http () {
  local url=$1 limit=$2 tries ca=()
  # Our own certificate is the only one an https target here may show.
  [[ "$url" == https:* ]] && ca=(--cacert "$workdir/tls/cert.pem")
  for tries in $(seq $(( limit * 10 ))); do
    if [ "$(curl -s "${ca[@]}" -o /dev/null -w '%{http_code}' "$url")" = 200 ]; then
      return 0
    fi
    sleep 0.1
  done
  echo "bench: $url did not answer" >&2
  return 1
}

bench_start_redis () {
  [ -n "$bench_redis_port" ] && return 0
  bench_redis_port=$(bench_free_port)
  redis-server --port "$bench_redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$workdir" --databases 64 > "$workdir/redis.log" 2>&1 &
  bench_pids[redis]=$!
  for _ in $(seq 100); do
    redis-cli -p "$bench_redis_port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "bench: redis-server did not start" >&2
  return 1
}

bench_redis_pid () {
  echo "${bench_pids[redis]}"
}

bench_redis_used_memory () {
  redis-cli -p "$bench_redis_port" info memory | tr -d '\r' | sed -n 's/^used_memory://p'
}

# bench_start_relay BACKEND NAME [RELAY OPTIONS...]: a relay on a fresh
# store, recorded as NAME-BACKEND; sets started_url.
bench_start_relay () {
  local backend=$1 name=$2-$1 storage line
  shift 2
  case "$backend" in
    sqlite) storage="sqlite:$workdir/$name.db" ;;
    redis)
      bench_start_redis
      bench_redis_db=$(( bench_redis_db + 1 ))
      storage="redis://127.0.0.1:$bench_redis_port/$bench_redis_db"
      ;;
    *) echo "bench: unknown backend $backend" >&2; return 1 ;;
  esac
  "$relay_exe" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --storage "$storage" "$@" \
    > "$workdir/$name.out" 2> "$workdir/$name.err" &
  bench_pids[$name]=$!
  for _ in $(seq 200); do
    grep -q '^tigress-relay: ready' "$workdir/$name.out" 2>/dev/null && break
    sleep 0.1
  done
  line=$(grep '^tigress-relay: listening on ' "$workdir/$name.out" | head -n1) || {
    echo "bench: the relay $name did not start:" >&2
    cat "$workdir/$name.err" >&2
    return 1
  }
  started_url=${line#tigress-relay: listening on }
}

bench_admin_url () {
  local line
  line=$(grep '^tigress-relay: admin on ' "$workdir/$1.out" | head -n1)
  echo "${line#tigress-relay: admin on }"
}

# A fixed 1 KiB JSON answer, shaped like a secure read's.
bench_fixed_answer () {
  local head='{"payload":{"type":"AEAD_AES_256_GCM","data":"'
  local tail='"},"displayInformation":{"title":"Front door"},"expiration":"2030-01-01T00:00:00Z"}'
  local fill=$(( 1024 - ${#head} - ${#tail} ))
  printf '%s%s%s' "$head" "$(head -c "$fill" /dev/zero | tr '\0' 'A')" "$tail"
}

# A self-signed certificate for 127.0.0.1 (P-256, like most public
# sites), made once in the work folder: $workdir/tls/{cert,key}.pem.
bench_make_cert () {
  local dir=$workdir/tls
  [ -f "$dir/cert.pem" ] && return 0
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" > "$dir/openssl.log" 2>&1
}

# bench_start_nginx WORKERS [NAME [tls]]: recorded as NAME (default nginx);
# with tls, it serves HTTPS with bench_make_cert's certificate. Sets
# started_url.
bench_start_nginx () {
  local workers=$1 name=${2:-nginx} tls=${3:-} port dir listen scheme=http
  dir=$workdir/$name
  port=$(bench_free_port)
  listen="listen 127.0.0.1:$port reuseport backlog=1024;"
  if [ "$tls" = tls ]; then
    bench_make_cert
    scheme=https
    listen="listen 127.0.0.1:$port ssl reuseport backlog=1024;
    ssl_certificate $workdir/tls/cert.pem;
    ssl_certificate_key $workdir/tls/key.pem;"
  fi
  mkdir -p "$dir"
  cat > "$dir/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    $listen
    location / {
      default_type application/json;
      return 200 '$(bench_fixed_answer)';
    }
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" > "$dir/stdout" 2>&1 &
  bench_pids[$name]=$!
  started_url="$scheme://127.0.0.1:$port"
  bench_wait_http "$started_url/" 10
}

# bench_wrk SCRIPT URL [WRK OPTIONS...]: prints wrk's RESULT line.
bench_wrk () {
  local script=$1 url=$2
  shift 2
  TIGRESS_BENCH_LUA=$bench_lua TIGRESS_BENCH_CLAIM=$bench_claim \
    wrk -s "$bench_lua/$script.lua" "$@" "$url" | grep '^RESULT' || true
}

bench_field () {
  tr ' ' '\n' <<< "$2" | sed -n "s/^$1=//p"
}

bench_field_check () {
  if [ -z "$1" ]; then
    echo "bench: wrk gave no result" >&2
    exit 1
  fi
}

bench_metric () {
  curl -s "$1/metrics" | awk -v name="$2" '$1 == name { print $2 }'
}

bench_rss_mib () {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# bench_create_mailboxes URL COUNT IDS_FILE EXPIRATION: COUNT mailboxes by
# the bench's claim (two wrk threads make half each), their ids in IDS_FILE.
bench_create_mailboxes () {
  local url=$1 count=$2 ids=$3 expiration=$4 conns=50 wrk_pid
  [ "$count" -lt 100 ] && conns=2
  rm -f "$workdir/created".*
  # wrk itself in the background (not a function, which would run in a
  # subshell), so that $! is wrk and the interrupt below reaches it.
  TIGRESS_BENCH_LUA=$bench_lua TIGRESS_BENCH_CLAIM=$bench_claim \
    TIGRESS_BENCH_OUT="$workdir/created" TIGRESS_BENCH_COUNT=$(( (count + 1) / 2 )) \
    TIGRESS_BENCH_EXPIRATION=$expiration \
    wrk -s "$bench_lua/create.lua" -t 2 -c "$conns" -d "$(( 60 + count / 200 ))s" "$url" \
    > "$workdir/created.result" &
  wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    if [ -e "$workdir/created.done.1" ] && [ -e "$workdir/created.done.2" ]; then
      kill -INT "$wrk_pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  wait "$wrk_pid" || true
  cat "$workdir"/created.[0-9]* > "$ids"
  if [ "$(wc -l < "$ids")" -lt "$count" ]; then
    echo "bench: made only $(wc -l < "$ids") of $count mailboxes" \
         "($(grep '^RESULT' "$workdir/created.result"))" >&2
    exit 1
  fi
}

# bench_watch_sweep ADMIN_URL BASE TIMEOUT: waits for the live count to
# start falling and to reach BASE; prints the seconds in between (the
# moment it started is known to within one poll, 50 ms; the figure errs
# on the long side).
bench_watch_sweep () {
  local admin=$1 base=$2 limit=$3 full last now count start=""
  full=$(bench_metric "$admin" tigress_relay_mailboxes)
  last=$(date +%s.%N)
  local deadline=$(( $(date +%s) + limit ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    count=$(bench_metric "$admin" tigress_relay_mailboxes)
    now=$(date +%s.%N)
    if [ -z "$start" ] && [ "$count" -lt "$full" ]; then
      start=$last
    fi
    if [ -n "$start" ] && [ "$count" -le "$base" ]; then
      awk -v s="$start" -v e="$now" 'BEGIN { printf "%.2f", e - s }'
      return
    fi
    last=$now
    sleep 0.05
  done
  echo "timeout"
}

# Processor time (user + system, in clock ticks) used so far by the
# processes given.
bench_cpu_ticks () {
  local pid total=0
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    # Fields 14 and 15, counted after the command name, which may hold spaces.
    total=$(( total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }') ))
  done
  echo "$total"
}

# The processes that serve for a target: nginx's workers, the relay, and
# Redis for a relay on Redis.
bench_serving_pids () {
  case "$1" in
    nginx|nginx-tls) ps -o pid= --ppid "${bench_pids[$1]}" ;;
    redis) echo "${bench_pids[$2-redis]} ${bench_pids[redis]}" ;;
    *) echo "${bench_pids[$2-$1]}" ;;
  esac
}
