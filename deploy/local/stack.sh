#!/usr/bin/env bash
# Local kuultu stack without Docker: a single-node Apache Kafka (KRaft,
# combined broker+controller) from the official jars on Maven Central, and
# FerretDB v1 (SQLite backend) as the MongoDB-protocol store, built with Go.
#
# Usage: deploy/local/stack.sh <command> [args]
#   up    [kafka|ferretdb]   fetch/build if needed, start, wait until ready (default: both)
#   down  [kafka|ferretdb]   graceful stop: SIGTERM, then SIGKILL after a timeout (default: both)
#   kill  <kafka|ferretdb>   SIGKILL, data kept (fault tests); `up <component>` restarts on it
#   status                   which components run, pids, ports
#   logs  [kafka|ferretdb] [-f]   last lines of the logs (-f: follow)
#   env                      print export lines for KUULTU_KAFKA_BOOTSTRAP / KUULTU_MONGO_URI
#   clean                    stop everything and delete the runtime dir (data + logs)
#   fetch [kafka|ferretdb]   only download/build into the cache, start nothing
#
# Environment (defaults in brackets):
#   KUULTU_KAFKA_PORT [19092]  KUULTU_KAFKA_CONTROLLER_PORT [19093]  KUULTU_MONGO_PORT [27027]
#   KUULTU_CACHE [$HOME/.cache/kuultu]     downloads and builds, shared by all clones
#   KUULTU_STACK_DIR [<repo>/.stack]       data, pid files, logs/kafka.log, logs/ferretdb.log
#   KUULTU_STACK_TIMEOUT [90]              seconds to wait for readiness
#   KUULTU_STOP_TIMEOUT [30]               seconds between SIGTERM and SIGKILL on `down`
#   KUULTU_KAFKA_HEAP_OPTS [-Xmx512m -Xms256m]
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_LOG4J=$SCRIPT_DIR/kafka/log4j2.xml
FERRETDB_SRC=$SCRIPT_DIR/ferretdb

# The POM is the single source of truth for the Kafka version (it names the cache dir).
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM")
FERRETDB_VERSION=$(sed -n 's:^\(require\)\{0,1\}[[:space:]]*github.com/FerretDB/FerretDB \(v[^ ]*\).*:\2:p' "$FERRETDB_SRC/go.mod")

KAFKA_PORT=${KUULTU_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KUULTU_KAFKA_CONTROLLER_PORT:-19093}
MONGO_PORT=${KUULTU_MONGO_PORT:-27027}
CACHE=${KUULTU_CACHE:-${HOME:-/tmp}/.cache/kuultu}
STACK_DIR=${KUULTU_STACK_DIR:-$REPO_ROOT/.stack}
READY_TIMEOUT=${KUULTU_STACK_TIMEOUT:-90}
STOP_TIMEOUT=${KUULTU_STOP_TIMEOUT:-30}
KAFKA_HEAP_OPTS=${KUULTU_KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}

# Absolute paths: the servers run from another cwd and pid files outlive this shell.
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
case $STACK_DIR in /*) ;; *) STACK_DIR=$PWD/$STACK_DIR ;; esac

[[ -n $KAFKA_VERSION && -n $FERRETDB_VERSION ]] || {
  echo "stack: error: cannot read the Kafka/FerretDB versions from $KAFKA_POM / $FERRETDB_SRC/go.mod" >&2
  exit 1
}
KAFKA_HOME=$CACHE/kafka-$KAFKA_VERSION
FERRETDB_HOME=$CACHE/ferretdb-$FERRETDB_VERSION
FERRETDB_BIN=$FERRETDB_HOME/kuultu-ferretdb
LOG_DIR=$STACK_DIR/logs
RUN_DIR=$STACK_DIR/run
STACK_MARKER=$STACK_DIR/.kuultu-stack
COMPONENTS=(kafka ferretdb)

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

need() { # need <command> <hint>
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH; $2"
}

need_java() {
  need java "Kafka $KAFKA_VERSION needs a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)"
  local v major
  v=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  major=${v%%.*}
  [[ $major == 1 ]] && major=$(cut -d. -f2 <<<"$v") # "1.8.0_x" style
  if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "Kafka $KAFKA_VERSION needs Java 17+, found '${v:-unknown}'"
  fi
}

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

tail_log() { # tail_log <component> [lines]
  local f=$LOG_DIR/$1.log
  if [[ -f $f ]]; then
    printf -- '--- last %s lines of %s ---\n' "${2:-40}" "$f" >&2
    tail -n "${2:-40}" "$f" >&2
  else
    printf 'stack: (no log file %s)\n' "$f" >&2
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Serialise fetch/build: two `up`s (or two clones) sharing one cache must not
# download into the same dir at once.
with_cache_lock() {
  if command -v flock >/dev/null 2>&1; then
    (flock 9 && "$@") 9>"$CACHE/.lock"
  else
    "$@"
  fi
}

# ---------------------------------------------------------------- fetch/build

kafka_fetch_locked() {
  local stamp libs=$KAFKA_HOME/libs
  stamp=$(sha "$KAFKA_POM")
  if [[ -f $KAFKA_HOME/.complete && $(<"$KAFKA_HOME/.complete") == "$stamp" ]]; then
    return 0
  fi
  need mvn "it fetches the Kafka jars from Maven Central (Debian: apt-get install maven)"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $libs"
  rm -rf "$libs.tmp" "$KAFKA_HOME/.complete"
  mkdir -p "$KAFKA_HOME"
  # includeScope=runtime: what the broker needs at run time. Output goes to a
  # file and is shown only on failure (Debian's mvn prints stray colour codes even with -q -B).
  if ! mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs.tmp" >"$KAFKA_HOME/mvn.log" 2>&1; then
    cat "$KAFKA_HOME/mvn.log" >&2
    die "mvn could not fetch the Kafka jars (output above, also in $KAFKA_HOME/mvn.log)"
  fi
  [[ -f $libs.tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "mvn ran but kafka_2.13-$KAFKA_VERSION.jar is missing from $libs.tmp"
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
  # Written last, so an interrupted fetch is redone rather than half-used.
  printf '%s\n' "$stamp" >"$KAFKA_HOME/.complete"
  say "Kafka $KAFKA_VERSION: $(find "$libs" -name '*.jar' | wc -l) jars cached"
}

ferretdb_build_locked() {
  local stamp
  stamp=$(sha "$FERRETDB_SRC"/*.go "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum")
  if [[ -x $FERRETDB_BIN && -f $FERRETDB_HOME/.stamp && $(<"$FERRETDB_HOME/.stamp") == "$stamp" ]]; then
    return 0
  fi
  need go "it builds FerretDB $FERRETDB_VERSION from the Go module proxy (Go 1.24+)"
  say "building FerretDB $FERRETDB_VERSION (SQLite backend) into $FERRETDB_BIN"
  mkdir -p "$FERRETDB_HOME"
  rm -f "$FERRETDB_HOME/.stamp"
  # -mod=readonly: fail loudly if go.sum is incomplete instead of editing the repo.
  # CGO off: the SQLite driver (modernc.org/sqlite) is pure Go, so no C toolchain needed.
  (cd "$FERRETDB_SRC" && CGO_ENABLED=0 go build -mod=readonly -trimpath -buildvcs=false \
    -o "$FERRETDB_BIN.tmp" .) || die "go build of $FERRETDB_SRC failed (see its output above)"
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  printf '%s\n' "$stamp" >"$FERRETDB_HOME/.stamp"
}

fetch_component() {
  case $1 in
    kafka) with_cache_lock kafka_fetch_locked ;;
    ferretdb) with_cache_lock ferretdb_build_locked ;;
  esac
}

# ---------------------------------------------------------------- processes

pid_file() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }

# Prints the pid if the component runs. A pid file alone is not trusted: the
# pid may have been reused, so the command line must match too.
running_pid() {
  local f pid pattern
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  case $1 in
    kafka) pattern=kafka.Kafka ;;
    ferretdb) pattern=kuultu-ferretdb ;;
  esac
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern" || return 1
  printf '%s\n' "$pid"
}

ports_of() {
  case $1 in
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    ferretdb) echo "$MONGO_PORT" ;;
  esac
}

init_stack_dir() {
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  touch "$STACK_MARKER"
  # Keeps data and logs out of `git status` without touching the repo's .gitignore.
  [[ -f $STACK_DIR/.gitignore ]] || printf '*\n' >"$STACK_DIR/.gitignore"
}

# spawn <component> <cmd...>: start detached in its own session (setsid), so it
# survives the calling shell / make recipe and gets no SIGHUP; stdin from
# /dev/null, stdout+stderr appended to the component's log. The child writes
# its own pid before exec'ing, so the pid is the server's, whatever setsid does.
spawn() {
  local name=$1 f
  shift
  f=$(pid_file "$name")
  rm -f "$f"
  # shellcheck disable=SC2016 # $$ and $1 are meant for the inner bash
  setsid bash -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && shift && exec "$@"' _ "$f" "$@" \
    </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $f ]] && return 0
    sleep 0.1
  done
  die "$name did not start (no pid file $f)"
}

# ---------------------------------------------------------------- readiness probes

# Kafka Metadata v0 request over /dev/tcp (all topics, client id "kuultu",
# correlation id 7). Ready when the reply carries our correlation id and lists
# at least one broker, i.e. the broker is registered and unfenced.
kafka_metadata_ok() {
  local reply b
  reply=$({
    exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT" || exit 1
    printf '\x00\x00\x00\x14\x00\x03\x00\x00\x00\x00\x00\x07\x00\x06kuultu\x00\x00\x00\x00' >&3
    timeout 5 head -c 12 <&3 | od -An -v -tu1
  } 2>/dev/null) || return 1
  read -r -a b <<<"$reply"
  ((${#b[@]} == 12)) || return 1
  # bytes: size(4) correlation_id(4) broker_count(4), big-endian
  ((b[7] == 7 && (b[8] << 24 | b[9] << 16 | b[10] << 8 | b[11]) >= 1))
}

# MongoDB OP_MSG {ping: 1, $db: "admin"} over /dev/tcp; ready when the reply
# contains the BSON element ok: 1.0 (double).
mongo_ping_ok() {
  local reply
  reply=$({
    exec 3<>"/dev/tcp/127.0.0.1/$MONGO_PORT" || exit 1
    printf '\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00' >&3 # header: len 51, id 1, OP_MSG
    printf '\x00\x00\x00\x00\x00' >&3                                            # flags, section kind 0
    # shellcheck disable=SC2016 # "$db" is the literal BSON key
    printf '\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02$db\x00\x06\x00\x00\x00admin\x00\x00' >&3
    local len
    read -r -a len < <(timeout 5 head -c 4 <&3 | od -An -v -tu1)
    ((${#len[@]} == 4)) || exit 1
    # the length includes its own 4 bytes
    timeout 5 head -c $(((len[0] | len[1] << 8 | len[2] << 16 | len[3] << 24) - 4)) <&3 | od -An -v -tx1
  } 2>/dev/null) || return 1
  reply=$(tr -s ' \n' ' ' <<<"$reply")
  [[ $reply == *" 01 6f 6b 00 00 00 00 00 00 00 f0 3f"* ]]
}

# wait_ready <component> <log offset>: poll until ready, the process dies, or the timeout.
wait_ready() {
  local name=$1 offset=$2 pid deadline=$((SECONDS + READY_TIMEOUT)) state=starting
  while ((SECONDS < deadline)); do
    if ! pid=$(running_pid "$name"); then
      tail_log "$name"
      die "$name exited during start-up (log: $LOG_DIR/$name.log)"
    fi
    case $name in
      kafka)
        # Only log lines written since this start count (the log is appended across restarts).
        # grep reads from <(...), not a pipe: with pipefail, tail's SIGPIPE after an
        # early grep -q match would count as a failure.
        if port_open "$KAFKA_PORT" \
          && grep -q 'Kafka Server started' < <(tail -c +"$((offset + 1))" "$LOG_DIR/kafka.log") \
          && kafka_metadata_ok; then
          state=ready
        fi
        ;;
      ferretdb)
        if port_open "$MONGO_PORT" && mongo_ping_ok; then state=ready; fi
        ;;
    esac
    if [[ $state == ready ]]; then
      say "$name ready (pid $pid, $(describe "$name")) after $((READY_TIMEOUT - deadline + SECONDS))s"
      return 0
    fi
    sleep 0.5
  done
  tail_log "$name"
  # Do not leave a half-started server behind for the next `up` to trip over.
  stop_one "$name" TERM >&2
  die "$name not ready after ${READY_TIMEOUT}s (stopped it again; log: $LOG_DIR/$name.log)"
}

describe() {
  case $1 in
    kafka) echo "bootstrap 127.0.0.1:$KAFKA_PORT, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT" ;;
    ferretdb) echo "mongodb://127.0.0.1:$MONGO_PORT/" ;;
  esac
}

# ---------------------------------------------------------------- start

kafka_write_config() {
  local dir=$STACK_DIR/kafka
  cat >"$dir/server.properties" <<EOF
# Generated by deploy/local/stack.sh on every start; edits are overwritten.
node.id=1
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
# Static voter set: unlike a --standalone (dynamic) quorum, nothing about the
# controller endpoint is stored in the data, so the port can change between runs.
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Consumers in tests join at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# After a SIGKILL (stack.sh kill) the controller refuses the restarted broker's
# registration (DUPLICATE_BROKER_REGISTRATION) until the old session expires;
# defaults (9 s / 2 s) make kill+up take ~15 s, these ~5 s. Broker and
# controller share one JVM here, so a short session is safe.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
EOF
}

# The same JVM command line for the storage tool and the server, as Kafka's
# bin/kafka-run-class.sh would build it (our classpath, our log4j2 config).
kafka_java_cmd() {
  local heap
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  KAFKA_JAVA=(java "${heap[@]}" -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkuultu.kafka.log.file="$LOG_DIR/kafka.log"
    -cp "$KAFKA_HOME/libs/*")
}

start_kafka() {
  local dir=$STACK_DIR/kafka cluster_id
  need_java
  mkdir -p "$dir/data"
  kafka_write_config
  kafka_java_cmd
  # Format once; a formatted dir (meta.properties) is reused so `kill` + `up`
  # restarts on the same data.
  if [[ ! -f $dir/data/meta.properties ]]; then
    # A cluster id is a base64url-encoded 16-byte UUID (22 chars, no padding); like Kafka's
    # own ids it never starts with "-", which the storage tool would take for an option.
    cluster_id=-
    while [[ $cluster_id == -* ]]; do
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    say "formatting Kafka storage in $dir/data (cluster id $cluster_id)"
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --ignore-formatted \
      --cluster-id "$cluster_id" --config "$dir/server.properties" \
      </dev/null >>"$LOG_DIR/kafka.log" 2>&1 || {
      tail_log kafka
      die "Kafka storage format failed"
    }
  fi
  spawn kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$dir/server.properties"
}

start_ferretdb() {
  spawn ferretdb "$FERRETDB_BIN" -listen-addr "127.0.0.1:$MONGO_PORT" -data-dir "$STACK_DIR/ferretdb/data"
}

up_one() {
  local name=$1 pid port offset
  if pid=$(running_pid "$name"); then
    say "$name already running (pid $pid)"
    wait_ready "$name" 0
    return 0
  fi
  for port in $(ports_of "$name"); do
    port_open "$port" && die "port $port is already in use by another process; free it or set the KUULTU_*_PORT variables"
  done
  # Check the runtime before fetching or printing "starting" (mvn needs it too).
  if [[ $name == kafka ]]; then need_java; fi
  fetch_component "$name"
  init_stack_dir
  rm -f "$(pid_file "$name")"
  offset=$(stat -c %s "$LOG_DIR/$name.log" 2>/dev/null || echo 0)
  printf '\n===== %s: stack.sh up %s =====\n' "$(date -u +%FT%TZ)" "$name" >>"$LOG_DIR/$name.log"
  say "starting $name ($(describe "$name")); log: $LOG_DIR/$name.log"
  "start_$name"
  wait_ready "$name" "$offset"
}

# ---------------------------------------------------------------- stop

wait_ports_free() {
  local name=$1 port i
  for port in $(ports_of "$name"); do
    for ((i = 0; i < 50; i++)); do
      port_open "$port" || continue 2
      sleep 0.1
    done
    say "warning: port $port still open after $name stopped"
  done
}

# stop_one <component> <signal>: TERM waits STOP_TIMEOUT then escalates to KILL.
stop_one() {
  local name=$1 sig=$2 pid i
  if ! pid=$(running_pid "$name"); then
    rm -f "$(pid_file "$name")"
    say "$name not running"
    return 0
  fi
  say "stopping $name (pid $pid, SIG$sig)"
  # The server leads its own process group (setsid), so signal the group.
  kill -s "$sig" -- "-$pid" 2>/dev/null || kill -s "$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  kill -0 "$pid" 2>/dev/null && die "$name (pid $pid) did not die"
  rm -f "$(pid_file "$name")"
  wait_ports_free "$name"
  say "$name stopped"
}

# ---------------------------------------------------------------- commands

# pick [component]: sets PICKED to the named component, or to all of them.
# (A global, not echo: a die inside $(...) would not stop the script.)
pick() {
  case ${1:-} in
    '') PICKED=("${COMPONENTS[@]}") ;;
    kafka | ferretdb) PICKED=("$1") ;;
    *) die "unknown component '$1' (expected kafka or ferretdb)" ;;
  esac
}

cmd_status() {
  local name pid
  for name in "${COMPONENTS[@]}"; do
    if pid=$(running_pid "$name"); then
      printf '%-9s running  pid %-7s %s\n' "$name" "$pid" "$(describe "$name")"
    else
      printf '%-9s stopped\n' "$name"
    fi
  done
  printf 'runtime dir: %s\ncache dir:   %s\n' "$STACK_DIR" "$CACHE"
}

cmd_logs() {
  local follow=0 names=() arg files=()
  for arg in "$@"; do
    case $arg in
      -f | --follow) follow=1 ;;
      *)
        pick "$arg"
        names+=("${PICKED[@]}")
        ;;
    esac
  done
  ((${#names[@]})) || names=("${COMPONENTS[@]}")
  for arg in "${names[@]}"; do
    [[ -f $LOG_DIR/$arg.log ]] && files+=("$LOG_DIR/$arg.log")
  done
  ((${#files[@]})) || die "no logs yet in $LOG_DIR"
  if ((follow)); then
    exec tail -n 50 -F "${files[@]}"
  fi
  tail -n 100 "${files[@]}"
}

cmd_clean() {
  local name
  for name in "${COMPONENTS[@]}"; do stop_one "$name" TERM; done
  [[ -d $STACK_DIR ]] || { say "nothing to clean ($STACK_DIR does not exist)"; return 0; }
  # Refuse to rm -rf a directory this script did not create (e.g. a mistyped KUULTU_STACK_DIR).
  [[ -f $STACK_MARKER ]] || die "$STACK_DIR has no $(basename "$STACK_MARKER") marker; not deleting it"
  # Another stack may live inside this one (e.g. `make test` uses .stack/test): keep its servers' data.
  local f
  while IFS= read -r f; do
    if kill -0 "$(<"$f")" 2>/dev/null; then
      die "a server of another stack inside $STACK_DIR still runs (pid file $f); stop it first"
    fi
  done < <(find "$STACK_DIR" -mindepth 2 -path '*/run/*.pid' -type f 2>/dev/null)
  rm -rf "$STACK_DIR"
  say "removed $STACK_DIR"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

main() {
  local cmd=${1:-} name
  (($#)) && shift
  case $cmd in
    up)
      pick "${1:-}"
      for name in "${PICKED[@]}"; do up_one "$name"; done
      ;;
    down)
      pick "${1:-}"
      for name in "${PICKED[@]}"; do stop_one "$name" TERM; done
      ;;
    kill)
      [[ ${1:-} == kafka || ${1:-} == ferretdb ]] || die "usage: stack.sh kill <kafka|ferretdb>"
      stop_one "$1" KILL
      ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    env)
      printf 'export KUULTU_KAFKA_BOOTSTRAP=127.0.0.1:%s\n' "$KAFKA_PORT"
      printf 'export KUULTU_MONGO_URI=mongodb://127.0.0.1:%s/\n' "$MONGO_PORT"
      ;;
    clean) cmd_clean ;;
    fetch)
      pick "${1:-}"
      for name in "${PICKED[@]}"; do fetch_component "$name"; done
      say "cache ready: $CACHE"
      ;;
    -h | --help | help) usage ;;
    '') usage >&2; exit 2 ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
