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
. bench/gpu/lib.sh
bench_env
mkdir -p "$RESULTS"
"${BENCH[@]}" --out "$RESULTS" "$@"
