# Sourced by run.sh and train.sh: unpacks .carry/gpu (from bench/gpu/pack.ts) into $WORK and points Vulkan at
# NVIDIA's driver. Sets NODE, WORK, CARRY; exits 2 with a clear message when something is missing.
CARRY=${GPU_CARRY:-.carry/gpu}
WORK=${GPU_WORK:-/tmp/gansynth-gpu}
[ -f "$CARRY/bench.mjs.xz" ] || [ -f "$CARRY/bench.mjs" ] || { echo "bench/gpu: no $CARRY/bench.mjs(.xz): run 'npm run bench:gpu-pack' first and carry .carry/gpu" >&2; exit 2; }

unxz_to() { # unxz_to SRC.xz DEST: xz when present, else Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

rm -rf "$WORK" && mkdir -p "$WORK/node_modules/webgpu/dist/linux-x64" "$WORK/lib"
for f in "$CARRY"/*.mjs "$CARRY"/*.wasm "$CARRY"/*.mjs.xz "$CARRY"/*.wasm.xz; do # bundles and wasm, packed with xz
  [ -f "$f" ] || continue
  case "$f" in *.xz) b=$(basename "$f" .xz); unxz_to "$f" "$WORK/$b" ;; *) cp "$f" "$WORK/" ;; esac
done
[ -f "$CARRY/FluidR3Mono_GM.sf3" ] && cp "$CARRY/FluidR3Mono_GM.sf3" "$WORK/"
cp "$CARRY"/node_modules/webgpu/{package.json,index.js} "$WORK/node_modules/webgpu/"
unxz_to "$CARRY/node_modules/webgpu/dist/linux-x64/dawn.node.xz" "$WORK/node_modules/webgpu/dist/linux-x64/dawn.node"
if [ -f "$CARRY/node.xz" ]; then unxz_to "$CARRY/node.xz" "$WORK/node" && chmod +x "$WORK/node"; NODE="$WORK/node"; else NODE=$(command -v node); fi

# The Vulkan loader: the machine's if it has one, else ours. The driver: NVIDIA's ICD unless GPU_VK_ICD names one.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  cp "$CARRY/lib/libvulkan.so.1" "$WORK/lib/" && export LD_LIBRARY_PATH="$WORK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
ICD=${GPU_VK_ICD:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
[ -f "$ICD" ] || { echo "bench/gpu: no Vulkan ICD at $ICD (set GPU_VK_ICD)" >&2; exit 2; }
export VK_DRIVER_FILES="$ICD" VK_ICD_FILENAMES="$ICD"

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
echo "node $("$NODE" --version), ICD $ICD, $(nproc) cores"
