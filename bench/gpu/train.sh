#!/usr/bin/env bash
# A real training run on a lent GPU machine, in one device call (10 minutes at most): renders a FluidR3Mono dataset,
# trains for TRAIN_MINUTES on WebGPU (Dawn on NVIDIA's Vulkan driver), exports the EMA generator, evaluates it
# against held-out real notes, and leaves in $OUT (the device tool brings back 8 files of ≤ 16 MiB):
#   train-log.txt, slice.jsonl (each phase's wall time and status), metrics.jsonl (G/D losses, images/s per step),
#   run.json, eval-metrics.json, eval-report.html, model.tar.xz.00 (.01: cat them and untar: a model directory)
# For the default model's run in slices, use campaign.sh (same phases, resumable, deadline-budgeted).
#
#   device tool: run({command: 'bash bench/gpu/train.sh', carry: ['.carry/gpu'], timeout_s: 600})
#   knobs: TRAIN_CONFIG (paper), TRAIN_BACKEND (webgpu), TRAIN_MINUTES (4), TRAIN_DATASET_ARGS ('--velocities 100'),
#          TRAIN_EVAL_ARGS ('--train-notes 1000 --notes 200 --steps 400 --ndb-k 20 --conv-channels 16,16,32,32')
#   here, to check it end to end on the CPU (minutes):
#     GPU_VK_ICD=/usr/lib/chromium/vk_swiftshader_icd.json OUT=/tmp/train-out TRAIN_CONFIG=tiny TRAIN_BACKEND=cpu \
#       TRAIN_MINUTES=0.5 TRAIN_DATASET_ARGS='--programs 0,6,11,19,24,40,56,73 --pitches 48-60 --velocities 100' \
#       TRAIN_EVAL_ARGS='--train-notes 40 --notes 8 --steps 30 --ndb-k 3' bash bench/gpu/train.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RESULTS=${OUT:-/tmp/gansynth-train-out}
mkdir -p "$RESULTS"
exec > >(tee -a "$RESULTS/train-log.txt") 2>&1
. bench/gpu/setup.sh
. bench/gpu/lib.sh

CONFIG=${TRAIN_CONFIG:-paper}
BACKEND=${TRAIN_BACKEND:-webgpu}
MINUTES=${TRAIN_MINUTES:-4}
DATA=$WORK/data RUN=$WORK/run MODEL=$WORK/model EVAL=$WORK/eval

# shellcheck disable=SC2086
timed dataset 600 "${DATASET[@]}" --out "$DATA" ${TRAIN_DATASET_ARGS:---velocities 100}
timed train 600 "${TRAINER[@]}" train --config "$CONFIG" --data "$DATA" --out "$RUN" --backend "$BACKEND" --minutes "$MINUTES" --checkpoint-every 100 --no-progress
cp "$RUN/metrics.jsonl" "$RUN/run.json" "$RESULTS/" 2>/dev/null || true
timed export 300 "${TRAINER[@]}" export "$RUN" --out "$MODEL"
tar -C "$WORK" -cJf - model | split -b 15m -d - "$RESULTS/model.tar.xz."
# shellcheck disable=SC2086
timed eval 600 "${TRAINER[@]}" eval --data "$DATA" --model "$MODEL" --out "$EVAL" --backend "$BACKEND" ${TRAIN_EVAL_ARGS:---train-notes 1000 --notes 200 --steps 400 --ndb-k 20 --conv-channels 16,16,32,32}
cp "$EVAL/metrics.json" "$RESULTS/eval-metrics.json"
cp "$EVAL/report.html" "$RESULTS/eval-report.html"
echo "== done: $(ls "$RESULTS" | tr '\n' ' ')"
