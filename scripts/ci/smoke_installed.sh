#!/usr/bin/env bash
# The package as a user gets it: a wheel of this checkout installed (not editable) into a fresh virtual
# environment, used from an empty folder outside the repository. Trains a few DCGAN steps on the embedded
# default, samples, evaluates with the default (shipped) feature extractor, exports, and loads the export in
# a Python process that never imports keras_gans. Exits non-zero on the first failure.
#
#   scripts/ci/smoke_installed.sh            (PYTHON=python3.12 to choose the interpreter; needs PyPI or a pip cache)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d)"
# Always removed, on CI too: the folder holds 2.8 GB (mostly the fresh environment's TensorFlow), and CI's disk
# is not ours alone (stop 36's tests died with "No space left on device"). Removing it took 5 s on the AMX Xeon.
trap 'echo "smoke: removing $WORK (${SECONDS}s)"; rm -rf "$WORK"; echo "smoke: removed (${SECONDS}s)"' EXIT
unset PYTHONPATH TF_CPP_MIN_LOG_LEVEL  # nothing from the checkout or the caller's logging settings leaks in
SECONDS=0
step() { echo "smoke: $* (${SECONDS}s)"; }

step "fresh virtual environment, wheel of $REPO"
"$PYTHON" -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$REPO"
"$PY" -m pip install --quiet "$WORK"/dist/keras_gans-*.whl
KG="$WORK/venv/bin/keras-gans"

mkdir "$WORK/run"
cd "$WORK/run"
"$PY" -c "import keras_gans; assert '/site-packages/' in keras_gans.__file__, keras_gans.__file__" 2> import.err ||
    { cat import.err >&2; exit 1; }

step "the native ops build from the installed package (winograd.cc ships in the wheel)"
"$PY" -c "from keras_gans.kernels import native; assert native.library() is not None, native.why_not()" \
    2> native.err || { cat native.err >&2; exit 1; }

step "train (a few steps on the embedded default)"
"$KG" train dcgan --epochs 1 --steps-per-epoch 3 --batch-size 16 --num-samples 4 --out run --export-dir exports \
    2> train.err
cat train.err >&2
if grep -E '^[IWEF][0-9]{4} |absl::InitializeLog|Warning:' train.err; then
    echo "smoke: keras-gans train printed TensorFlow's start-up lines or warnings (above)" >&2
    exit 1
fi
test -f run/model.keras && test -f exports/dcgan/1/saved_model.pb

step "sample (.keras and SavedModel)"
"$KG" sample run/model.keras --num 16 --seed 0 --out grid.png
"$KG" sample exports/dcgan/1 --num 16 --seed 0 --out grid_savedmodel.png
test -s grid.png && test -s grid_savedmodel.png

step "evaluate with the default feature extractor"
"$KG" evaluate run/model.keras --dataset embedded --split train --num-real 300 --num-samples 300 --kid-subsets 5 \
    --kid-subset-size 100 --out evaluation
test -s evaluation.csv
"$PY" - <<'EOF'
import csv
import math

rows = list(csv.DictReader(open("evaluation.csv")))
values = {row["metric"]: float(row["value"]) for row in rows}
assert {"fid", "kid"} <= set(values) and all(math.isfinite(v) for v in values.values()), rows
assert all("fashion_mnist_classifier" in row["features"] for row in rows), rows
EOF

step "export, then load it without keras_gans"
"$KG" export run/model.keras --out exported
"$WORK/venv/bin/saved_model_cli" show --dir exported --all > signatures.txt 2> /dev/null
grep -q "signature_def\['sample'\]" signatures.txt
"$PY" -I - <<'EOF' 2> load.err || { cat load.err >&2; exit 1; }
import sys

import tensorflow as tf

model = tf.saved_model.load("exported")
images = model.signatures["sample"](num=tf.constant(4), seed=tf.constant(7, tf.int64))["images"]
assert images.shape[0] == 4 and images.dtype == tf.uint8, (images.shape, images.dtype)
assert "keras_gans" not in sys.modules
print("smoke: the export serves", tuple(images.shape), "without keras_gans")
EOF

step "passed"
