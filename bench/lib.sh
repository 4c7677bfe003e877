# Shared by the bench scripts (sourced, not run): the Release build, starting and stopping coupond
# on loopback, creating a batch and its codes, a coupon-load run, and the CPU time a server process
# spends on one. Each script sets $bin (the build directory) and $work (a scratch directory it
# removes) before calling them; load also needs $results and $seconds.

# build_release TARGET...: the one Release build of the bench scripts, in build-release (the
# benchmark binary can be built there; the tests and the crash tests' fault points are left out),
# after installing what is missing (tools/setup.sh; COUPOND_EXTRA_PACKAGES adds packages).
build_release() {
  local targets=() target
  for target in "$@"; do targets+=(--target "$target"); done
  tools/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DCOUPOND_BUILD_TESTS=OFF \
    -DCOUPOND_BUILD_BENCH=ON -DCOUPOND_FAULT_POINTS=OFF "${targets[@]}"
}

# start_server DATA_DIR [coupond flags...]: starts coupond on loopback ports the kernel picks and
# waits for both; sets server_pid, data (host:port), admin, ctl (couponctl with the token) and
# started_ms (milliseconds from spawn to both "listening on" lines).
start_server() {
  local dir=$1
  shift
  local begin end
  begin=$(date +%s%N)
  # One loader plays every shopper from one address: the per-client limit on bad codes would
  # soon refuse the real codes too, which is not what the figures measure.
  "$bin/coupond" --data-dir "$dir" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --max-bad-codes-per-client 0 "$@" > "$work/ports" 2>> "$work/coupond.log" &
  server_pid=$!
  for _ in $(seq 1 6000); do
    [[ $(grep -c '^listening on' "$work/ports" 2>/dev/null) -ge 2 ]] && break
    kill -0 "$server_pid" 2>/dev/null || { tail -5 "$work/coupond.log" >&2; exit 1; }
    sleep 0.01
  done
  end=$(date +%s%N)
  started_ms=$(( (end - begin) / 1000000 ))
  data=$(sed -n 1p "$work/ports" | sed 's/^listening on //')
  admin=$(sed -n 2p "$work/ports" | sed 's/^listening on //')
  ctl=("$bin/couponctl" --admin "http://$admin" --token-file "$dir/admin-token")
}

# stop_server [SIGNAL]: TERM by default (a final snapshot); KILL for a crash.
stop_server() {
  kill -"${1:-TERM}" "$server_pid"
  wait "$server_pid" || true
  server_pid=
}

# define_batch ID [FIELDS]: a single-use amount-off batch, without codes; FIELDS, JSON members
# such as '"max_uses_total": 10', are added to its definition.
define_batch() {
  cat > "$work/batch.json" <<JSON
{"id": "$1", "name": "bench batch $1", "discount": {"type": "amount_off", "amount": 500},
 "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
 "max_uses_per_code": 1${2:+, $2}}
JSON
  "${ctl[@]}" batch create "$work/batch.json" > /dev/null
}

# create_batch ID COUNT CODES_FILE [FIELDS]: that batch with COUNT codes, written to the file.
create_batch() {
  define_batch "$1" "${4:-}"
  "${ctl[@]}" generate "$1" --count "$2" > "$3"
}

# free_port: a loopback port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# process_cpu_ticks PID: the CPU time the process has used so far, user and system, all its
# threads, in clock ticks (utime + stime of /proc/PID/stat; the name in parentheses may hold
# spaces, so the fields are counted after it).
process_cpu_ticks() {
  awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# record_cpu PID FILE COMMAND...: runs the command and writes into FILE the CPU time PID used
# meanwhile, as "TICKS TICKS_PER_SECOND" (getconf CLK_TCK).
record_cpu() {
  local pid=$1 file=$2 before
  shift 2
  before=$(process_cpu_ticks "$pid")
  "$@"
  echo "$(($(process_cpu_ticks "$pid") - before)) $(getconf CLK_TCK)" > "$file"
}

# load NAME TARGET CODES_FILE [coupon-load flags...]: coupon-load for $seconds seconds, its results
# in $results/NAME.json; when cpu_pid names the server's process, the CPU time it used meanwhile
# in $results/NAME.cpu (record_cpu). Prints one line.
load() {
  local name=$1 target=$2 codes=$3
  shift 3
  local command=("$bin/coupon-load" --target "$target" --codes "$codes" --duration "$seconds"
                 --quiet --json "$results/$name.json" "$@")
  if [[ -n ${cpu_pid:-} ]]; then
    record_cpu "$cpu_pid" "$results/$name.cpu" "${command[@]}" > "$results/$name.txt" || true
  else
    "${command[@]}" > "$results/$name.txt" || true
  fi
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("   %-45s %9.0f requests/s  p99 %8.2f ms" % (sys.argv[2], r["requests_per_second"], r["latency_ms"]["p99"]))' \
    "$results/$name.json" "$name"
}

# Kills a server left running when the script ends early.
cleanup_server() {
  if [[ -n ${server_pid:-} ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
}
