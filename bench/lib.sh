# Shared by the bench scripts (sourced, not run): starting and stopping coupond on loopback,
# creating a batch and its codes. Each script sets $bin (the build directory) and $work (a scratch
# directory it removes) first.

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

# create_batch ID COUNT CODES_FILE: a single-use amount-off batch, its codes written to the file.
create_batch() {
  cat > "$work/batch.json" <<JSON
{"id": "$1", "name": "bench batch $1", "discount": {"type": "amount_off", "amount": 500},
 "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
 "max_uses_per_code": 1}
JSON
  "${ctl[@]}" batch create "$work/batch.json" > /dev/null
  "${ctl[@]}" generate "$1" --count "$2" > "$3"
}

# Kills a server left running when the script ends early.
cleanup_server() {
  if [[ -n ${server_pid:-} ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
}
