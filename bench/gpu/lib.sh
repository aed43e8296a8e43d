# Sourced by run.sh, train.sh and campaign.sh after setup.sh: the parts they share. Needs NODE and WORK (setup.sh)
# and RESULTS (where the results go: $OUT on the device machine).
#   TRAINER, GANSYNTH, BENCH   the bundles as command arrays ("${TRAINER[@]}" train ...)
#   bench_env                  the default bench plans for a real GPU (each overridable from the environment)
#   deadline_in SEC            starts the wall-clock budget; remaining_sec prints what is left of it
#   timed NAME LIMIT CMD...    runs CMD under `timeout` (TERM, KILL 15 s later), logs its wall time and status
#                              as a JSON line in $RESULTS/slice.jsonl; returns CMD's status
#   DATASET                    the dataset command over the carried FluidR3Mono, every core ("${DATASET[@]}" --out D ...)
TRAINER=("$NODE" "$WORK/trainer.mjs")
GANSYNTH=("$NODE" "$WORK/gansynth.mjs")
BENCH=("$NODE" "$WORK/bench.mjs")
SLICE="$RESULTS/slice.jsonl"
DATASET=("${TRAINER[@]}" dataset --soundfont "$WORK/FluidR3Mono_GM.sf3" --workers "$(nproc)" --no-progress)
[ -f "$WORK/FluidR3Mono_GM.sf3" ] || echo "bench/gpu: the pack has no FluidR3Mono_GM.sf3: the dataset command will fail (repack with npm run bench:gpu-pack)" >&2

# Default plans for a real GPU: whole banks on WebGPU, wasm for scale, the stage split in its own "(profiled)"
# rows after the product timing; training throughput at the first and a middle stage; no Chromium (the machine has none).
bench_env() {
  export ENGINE_BENCH_NODE=${ENGINE_BENCH_NODE:-'webgpu=tiny:61,small:61,paper:61;wasm=paper:2'}
  export ENGINE_BENCH_BROWSER=${ENGINE_BENCH_BROWSER-''} ENGINE_BENCH_MAGENTA=${ENGINE_BENCH_MAGENTA:-0}
  export ENGINE_BENCH_PROFILE=${ENGINE_BENCH_PROFILE:-1}
  export SPECTRAL_BENCH_BACKENDS=${SPECTRAL_BENCH_BACKENDS:-webgpu,wasm}
  export TRAIN_BENCH_BACKENDS=${TRAIN_BENCH_BACKENDS:-webgpu} TRAIN_BENCH_CONFIGS=${TRAIN_BENCH_CONFIGS:-small,paper}
  export TRAIN_BENCH_STAGES=${TRAIN_BENCH_STAGES:-0,6} TRAIN_BENCH_STEPS=${TRAIN_BENCH_STEPS:-3}
}

DEADLINE_EPOCH=
deadline_in() { DEADLINE_EPOCH=$(( $(date +%s) + $1 )); }
remaining_sec() { echo $(( DEADLINE_EPOCH - $(date +%s) )); }

# json_line KEY=VALUE...: one JSON object line into slice.jsonl (values that look like numbers stay numbers).
json_line() {
  "$NODE" -e 'const o={};for(const a of process.argv.slice(1)){const i=a.indexOf("=");const k=a.slice(0,i),v=a.slice(i+1);o[k]=v!==""&&!isNaN(Number(v))?Number(v):v}console.log(JSON.stringify(o))' "$@" >>"$SLICE"
}

timed() {
  local name=$1 limit=$2 rc=0 t0 t1
  shift 2
  if [ "$limit" -lt 1 ]; then
    echo "== $(date -u +%H:%M:%S) $name skipped: no time left"
    json_line kind=phase phase="$name" sec=0 rc=skipped limitSec="$limit"
    return 124
  fi
  echo "== $(date -u +%H:%M:%S) $name (limit ${limit} s${DEADLINE_EPOCH:+, $(remaining_sec) s of the budget left})"
  t0=$(date +%s.%N)
  timeout --kill-after=15 "$limit" "$@" || rc=$?
  t1=$(date +%s.%N)
  json_line kind=phase phase="$name" sec="$(awk "BEGIN{printf \"%.1f\", $t1 - $t0}")" rc="$rc" limitSec="$limit"
  [ "$rc" = 0 ] || echo "== $name exited $rc$([ "$rc" = 124 ] && echo ' (time limit)')"
  return "$rc"
}
