#!/usr/bin/env bash
# One slice of the default model's training run (models/default-run/) on a lent GPU machine, in ONE device call of
# at most CAMPAIGN_SECONDS (campaign.json: 540 s) counted from the start, setup included:
#   dataset   renders the run's FluidR3Mono dataset (campaign.json dataset.args) on every core
#   features  builds the feature cache on WebGPU
#   train     resumes the run from models/default-run/checkpoint.gsck (or starts it when there is none) for the
#             minutes that fit; the compact checkpoint is (re)written to $OUT every checkpoint.everyMinutes and at
#             the end, atomically, so a slow later step or a kill cannot lose it
#   export    the EMA generator (campaign.json export.quantize) → model.tar.xz
#   eval      PA, PE, IS, FID, NDB of the export and of held-out real notes (the ceiling), with the run's pitch
#             classifier (models/default-run/pitch-classifier; trained here and brought back when there is none)
#   generate  `gansynth generate` at pitches 36–84 → notes.tar.xz
#   bench     the engine and training bench rows for the card (what time is left)
# Each phase runs under `timeout` with a limit from the remaining budget; its wall time and status go to
# slice.jsonl as they land. $OUT then holds at most 8 files (the device tool's limit; each < 16 MiB):
#   campaign-log.txt slice.jsonl checkpoint.gsck train-metrics.jsonl model.tar.xz eval.tar.xz notes.tar.xz
#   bench/<date>-<host>.json
# and `npm run campaign:land -- DIR` (bench/gpu/land.ts) lands them in the repo.
#
#   device tool: run({command: 'bash bench/gpu/campaign.sh', carry: ['.carry/gpu'], timeout_s: 600})
#   knobs: CAMPAIGN_RUN (models/default-run: the run folder with campaign.json), CAMPAIGN_SECONDS (its budget),
#          GPU_VK_ICD (setup.sh), OUT (where results go; default /tmp/gansynth-campaign-out)
#   here, on SwiftShader (a copy of the run folder with "config": "tiny", a small dataset and a longer budget; the
#   dry run in bench/gpu/README.md), then land it into a temporary repo:
#     GPU_VK_ICD=/tmp/vk_swiftshader_icd.json GPU_WORK=/tmp/dry/work OUT=/tmp/dry/out1 \
#       CAMPAIGN_RUN=/tmp/dry/repo/models/default-run bash bench/gpu/campaign.sh
#     npm run campaign:land -- /tmp/dry/out1 --repo /tmp/dry/repo
set -uo pipefail # no -e: after training, a failed phase must not stop the ones after it
cd "$(dirname "$0")/../.."
T0=$(date +%s)
RESULTS=${OUT:-/tmp/gansynth-campaign-out}
RUN_SRC=${CAMPAIGN_RUN:-models/default-run}
mkdir -p "$RESULTS"
exec > >(tee -a "$RESULTS/campaign-log.txt") 2>&1
[ -f "$RUN_SRC/campaign.json" ] || { echo "campaign.sh: no $RUN_SRC/campaign.json" >&2; exit 2; }
. bench/gpu/setup.sh
. bench/gpu/lib.sh
SPEC="$(cd "$RUN_SRC" && pwd)/campaign.json"
# spec KEY.PATH: a value of campaign.json (lists joined by spaces, objects as KEY=VALUE lines).
spec() {
  "$NODE" -e 'const v=process.argv[2].split(".").reduce((o,k)=>o==null?o:o[k],require(process.argv[1]));if(v==null)process.exit(3);process.stdout.write(typeof v==="object"?Object.entries(v).map(([k,x])=>k+"="+x).join("\n"):String(v))' "$SPEC" "$1" ||
    { echo "campaign.sh: $SPEC has no $1" >&2; exit 2; }
}
deadline_in $(( ${CAMPAIGN_SECONDS:-$(spec budget.seconds)} - ($(date +%s) - T0) ))
CONFIG=$(spec config) BACKEND=$(spec backend)
CKPT_IN="$RUN_SRC/$(spec checkpoint.file)" CKPT_OUT="$RESULTS/checkpoint.gsck"
DATA=$WORK/data CACHE=$WORK/feature-cache RUN=$WORK/run MODEL=$WORK/model EVAL=$WORK/eval NOTES=$WORK/notes CLS=$WORK/pitch-classifier
R_EXPORT=$(spec budget.reserveAfterTrainSeconds.export) R_EVAL=$(spec budget.reserveAfterTrainSeconds.eval)
R_GEN=$(spec budget.reserveAfterTrainSeconds.generate) R_BENCH=$(spec budget.reserveAfterTrainSeconds.bench)
min() { echo $(( $1 < $2 ? $1 : $2 )); }

ADAPTER=$(cd "$WORK" && timeout 60 "$NODE" --input-type=module -e "const m=await import('webgpu');Object.assign(globalThis,m.globals);const a=await m.create([]).requestAdapter();const i=a?.info??{};console.log(a?[i.vendor,i.architecture,i.device,i.description].filter(Boolean).join(' / '):'none')" 2>&1 | tail -1)
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
RESUME=none
[ -f "$CKPT_IN" ] && RESUME=$("${TRAINER[@]}" checkpoint info "$CKPT_IN" | "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const h=JSON.parse(s);console.log(`step ${h.step}, ${h.images} images, stage ${h.stage}`)})')
json_line kind=start date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" config="$CONFIG" backend="$BACKEND" budgetSec="$(remaining_sec)" \
  setupSec=$(( $(date +%s) - T0 )) gpu="${GPU:-none}" webgpuAdapter="$ADAPTER" vulkanIcd="$VK_DRIVER_FILES" node="$("$NODE" --version)" \
  cores="$(nproc)" resumeFrom="$RESUME" campaign="$(spec name)"
echo "campaign: $CONFIG on $BACKEND ($ADAPTER; ${GPU:-no nvidia-smi}), resume: $RESUME, $(remaining_sec) s left"

# shellcheck disable=SC2046  # the spec's argument strings are meant to split
timed dataset "$(min 180 $(( $(remaining_sec) - 120 )))" "${DATASET[@]}" --out "$DATA" $(spec dataset.args)
timed features "$(min 240 $(( $(remaining_sec) - 120 )))" "${TRAINER[@]}" features --dataset "$DATA" --cache "$CACHE" --backend "$BACKEND"

TRAIN_SEC=$(( $(remaining_sec) - R_EXPORT - R_EVAL - R_GEN - R_BENCH ))
if [ -f "$CKPT_IN" ]; then START=(--resume-from "$CKPT_IN"); else START=(--config "$CONFIG" --seed "$(spec seed)"); fi
COMPACT=(--compact-out "$CKPT_OUT" --compact-dtype "$(spec checkpoint.dtype)")
[ "$(spec checkpoint.adamMoments)" = true ] && COMPACT+=(--compact-adam)
if [ "$TRAIN_SEC" -ge 20 ]; then
  # --minutes ends training between steps; the timeout (+60 s for the last step and the checkpoint) is the backstop,
  # and SIGTERM also checkpoints first.
  timed train $(( TRAIN_SEC + 60 )) "${TRAINER[@]}" train "${START[@]}" --data "$DATA" --cache "$CACHE" --out "$RUN" \
    --backend "$BACKEND" --minutes "$(awk "BEGIN{print $TRAIN_SEC / 60}")" --checkpoint-every 1000000000 \
    --checkpoint-minutes "$(spec checkpoint.everyMinutes)" --keep 1 "${COMPACT[@]}" --no-progress
else
  echo "== train skipped: $TRAIN_SEC s left for it"
  json_line kind=phase phase=train sec=0 rc=skipped limitSec="$TRAIN_SEC"
fi
[ -f "$RUN/metrics.jsonl" ] && cp "$RUN/metrics.jsonl" "$RESULTS/train-metrics.jsonl"
[ -f "$CKPT_OUT" ] && "${TRAINER[@]}" checkpoint info "$CKPT_OUT"

if timed export "$(min 120 $(( $(remaining_sec) - R_EVAL - R_GEN )))" "${TRAINER[@]}" export "$RUN" --out "$MODEL" \
  --quantize "$(spec export.quantize)" --name "$(spec name) ($CONFIG)"; then
  tar -C "$WORK" -cJf "$RESULTS/model.tar.xz" model
  [ -d "$RUN_SRC/pitch-classifier" ] && cp -r "$RUN_SRC/pitch-classifier" "$CLS"
  [ -d "$CLS" ] && NEW_CLS=0 || NEW_CLS=1
  # shellcheck disable=SC2046
  timed eval "$(min 360 $(( $(remaining_sec) - R_GEN )))" "${TRAINER[@]}" eval --data "$DATA" --model "$MODEL" --out "$EVAL" \
    --backend "$BACKEND" --classifier "$CLS" $(spec eval.args)
  [ "$NEW_CLS" = 1 ] && [ -d "$CLS" ] && cp -r "$CLS" "$EVAL/pitch-classifier"
  [ -d "$EVAL" ] && tar -C "$WORK" -cJf "$RESULTS/eval.tar.xz" eval
  PITCHES=$(spec generate.pitches)
  timed generate "$(min 240 $(( $(remaining_sec) - 15 )))" "${GANSYNTH[@]}" generate --model "$MODEL" --out "$NOTES" \
    --pitch "$(seq -s, "${PITCHES%-*}" "${PITCHES#*-}")" --seed "$(spec generate.seed)" --backend "$BACKEND"
  compgen -G "$NOTES/*.wav" >/dev/null && tar -C "$WORK" -cJf "$RESULTS/notes.tar.xz" notes
fi

while IFS='=' read -r k v; do export "$k=$v"; done < <(spec bench.env)
bench_env
mkdir -p "$RESULTS/bench"
# shellcheck disable=SC2046
timed bench $(( $(remaining_sec) - 10 )) "${BENCH[@]}" --out "$RESULTS/bench" $(spec bench.filters)
json_line kind=end totalSec=$(( $(date +%s) - T0 )) files="$(ls "$RESULTS" | tr '\n' ' ')"
echo "== $(date -u +%H:%M:%S) done in $(( $(date +%s) - T0 )) s: $(ls -s "$RESULTS" | tr '\n' ' ')"
