#!/usr/bin/env bash
# Copies a finished `zest train-toy` run's export into the jar's resources as the built-in model.
#   scripts/package-toy-model.sh out/toy-run
# Run `zest train-toy --resume --out RUN` on the finished run first if its export predates the current exporter.
set -euo pipefail
run="${1:?usage: $0 RUN_FOLDER}"
dest="$(cd "$(dirname "$0")/.." && pwd)/diffusion/src/main/resources/zest/toy-model"
files=(model_index.json unet/config.json unet/diffusion_pytorch_model.safetensors text_encoder/config.json
       text_encoder/model.safetensors scheduler/scheduler_config.json training.json)
for f in "${files[@]}"; do
  [ -f "$run/$f" ] || { echo "$run/$f: missing (is $run a train-toy output folder?)" >&2; exit 2; }
done
python3 - "$run/training.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
if d["steps_done"] != d["settings"]["steps"]:
    sys.exit(f"{sys.argv[1]}: the run stopped at step {d['steps_done']} of {d['settings']['steps']}; finish it (--resume) first")
PY
tmp="$(mktemp -d "$(dirname "$dest")/.toy-model.XXXXXX")"
for f in "${files[@]}"; do mkdir -p "$tmp/$(dirname "$f")"; cp "$run/$f" "$tmp/$f"; done
rm -rf "$dest.old"; [ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$tmp" "$dest"; rm -rf "$dest.old"
du -sh "$dest"
