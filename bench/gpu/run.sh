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
CARRY=${GPU_CARRY:-.carry/gpu}
WORK=${GPU_WORK:-/tmp/gansynth-gpu}
RESULTS=${OUT:-bench/results}
[ -f "$CARRY/bench.mjs" ] || { echo "run.sh: no $CARRY/bench.mjs: run 'npm run bench:gpu-pack' first and carry .carry/gpu" >&2; exit 2; }

unxz_to() { # unxz_to SRC.xz DEST: xz when present, else Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

rm -rf "$WORK" && mkdir -p "$WORK/node_modules/webgpu/dist/linux-x64" "$WORK/lib"
cp "$CARRY"/bench.mjs "$CARRY"/*.wasm "$WORK/"
cp "$CARRY"/node_modules/webgpu/{package.json,index.js} "$WORK/node_modules/webgpu/"
unxz_to "$CARRY/node_modules/webgpu/dist/linux-x64/dawn.node.xz" "$WORK/node_modules/webgpu/dist/linux-x64/dawn.node"
if [ -f "$CARRY/node.xz" ]; then unxz_to "$CARRY/node.xz" "$WORK/node" && chmod +x "$WORK/node"; NODE="$WORK/node"; else NODE=$(command -v node); fi

# The Vulkan loader: the machine's if it has one, else ours. The driver: NVIDIA's ICD unless GPU_VK_ICD names one.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  cp "$CARRY/lib/libvulkan.so.1" "$WORK/lib/" && export LD_LIBRARY_PATH="$WORK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
ICD=${GPU_VK_ICD:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
[ -f "$ICD" ] || { echo "run.sh: no Vulkan ICD at $ICD (set GPU_VK_ICD)" >&2; exit 2; }
export VK_DRIVER_FILES="$ICD" VK_ICD_FILENAMES="$ICD"

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
echo "node $("$NODE" --version), ICD $ICD, $(nproc) cores"

# Default plans for a real GPU: whole banks on WebGPU, wasm for scale; training throughput at the first and a
# middle stage; no Chromium (the machine has none).
export ENGINE_BENCH_NODE=${ENGINE_BENCH_NODE:-'webgpu=tiny:61,small:61,paper:61;wasm=paper:2'}
export ENGINE_BENCH_BROWSER=${ENGINE_BENCH_BROWSER-''} ENGINE_BENCH_MAGENTA=${ENGINE_BENCH_MAGENTA:-0}
export SPECTRAL_BENCH_BACKENDS=${SPECTRAL_BENCH_BACKENDS:-webgpu,wasm}
export TRAIN_BENCH_BACKENDS=${TRAIN_BENCH_BACKENDS:-webgpu} TRAIN_BENCH_CONFIGS=${TRAIN_BENCH_CONFIGS:-small,paper}
export TRAIN_BENCH_STAGES=${TRAIN_BENCH_STAGES:-0,6} TRAIN_BENCH_STEPS=${TRAIN_BENCH_STEPS:-3}
mkdir -p "$RESULTS"
"$NODE" "$WORK/bench.mjs" --out "$RESULTS" "$@"
