#!/bin/bash
# The plain baselines: keras_gans DCGAN (compile() defaults) and its PyTorch twin, seeds 0-2, one at a time.
# Logs in $DCGAN_PARITY_CACHE/logs (default /tmp/dcgan_parity/logs).
cd "$(dirname "$0")/../../.."
LOGS=${DCGAN_PARITY_CACHE:-/tmp/dcgan_parity}/logs; mkdir -p "$LOGS"
K=".venv/bin/python scripts/benchmarks/dcgan_parity/train_keras.py"
T="${TORCH_PYTHON:-/tmp/torchvenv/bin/python} scripts/benchmarks/dcgan_parity/train_torch.py"
for seed in ${SEEDS:-0 1 2}; do
  nice $K --seed $seed --name keras_base_s$seed > "$LOGS/keras_base_s$seed.log" 2>&1
  nice $T --seed $seed --name torch_base_s$seed > "$LOGS/torch_base_s$seed.log" 2>&1
done
