#!/usr/bin/env bash
# The offline digits experiment of README "Domain Transfer Network": printed -> handwritten.
# Usage: scripts/examples/dtn_digits_experiment.sh [RUN_DIR] [DTN_EPOCHS]
# (RUN_DIR/evaluation.csv is what scripts/benchmarks/results/dtn_digits_evaluation*.csv hold.)
# CPU-sized widths (f 32, g 32, D 64); the library defaults are the paper's/reference's (64, 64, 128).
set -euo pipefail
RUN=${1:-runs/dtn-digits}
EPOCHS=${2:-5}
mkdir -p "$RUN"
time keras-gans train classifier --domain printed --epochs 8 --filters 32 --batch-size 64 --out "$RUN/f"
time keras-gans train classifier --domain handwritten --epochs 30 --filters 32 --batch-size 64 --out "$RUN/target-classifier"
time keras-gans train dtn --classifier "$RUN/f/classifier.keras" --g-filters 32 --d-filters 64 --batch-size 64 \
    --epochs "$EPOCHS" --out "$RUN/dtn" --export-dir "$RUN/savedmodels"
time keras-gans evaluate dtn "$RUN/dtn/model.keras" --target-classifier "$RUN/target-classifier/classifier.keras" \
    --baseline --epochs 5 --csv "$RUN/evaluation.csv"
