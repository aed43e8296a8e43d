#!/usr/bin/env bash
# Runs our benches on a lent GPU machine from what bench/gpu/pack.ts put in .carry/gpu (Node, the bundle, dawn.node,
# the Vulkan loader), with NVIDIA's Vulkan driver. The results JSON goes to $OUT (the device tool brings it back),
# or to bench/results when OUT is unset. Arguments are bench filters (engine, spectral, training, worklet,
# midi-render); the plans below are the defaults and every one can be overridden from the environment.
#
#   device tool: run({command: 'bash bench/gpu/run.sh', carry: ['.carry/gpu'], timeout_s: 600})
#   here, to check the pack on SwiftShader:  GPU_VK_ICD=/usr/lib/chromium/vk_swiftshader_icd.json bash bench/gpu/run.sh worklet
set -euo pipefail
cd "$(dirname "$0")/../.."
RESULTS=${OUT:-bench/results}
. bench/gpu/setup.sh

# Default plans for a real GPU: whole banks on WebGPU, wasm for scale; training throughput at the first and a
# middle stage; no Chromium (the machine has none).
export ENGINE_BENCH_NODE=${ENGINE_BENCH_NODE:-'webgpu=tiny:61,small:61,paper:61;wasm=paper:2'}
export ENGINE_BENCH_BROWSER=${ENGINE_BENCH_BROWSER-''} ENGINE_BENCH_MAGENTA=${ENGINE_BENCH_MAGENTA:-0}
export SPECTRAL_BENCH_BACKENDS=${SPECTRAL_BENCH_BACKENDS:-webgpu,wasm}
export TRAIN_BENCH_BACKENDS=${TRAIN_BENCH_BACKENDS:-webgpu} TRAIN_BENCH_CONFIGS=${TRAIN_BENCH_CONFIGS:-small,paper}
export TRAIN_BENCH_STAGES=${TRAIN_BENCH_STAGES:-0,6} TRAIN_BENCH_STEPS=${TRAIN_BENCH_STEPS:-3}
mkdir -p "$RESULTS"
"$NODE" "$WORK/bench.mjs" --out "$RESULTS" "$@"
