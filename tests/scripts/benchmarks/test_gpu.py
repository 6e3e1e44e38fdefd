"""scripts/benchmarks/gpu.py: issue 22's GPU table. Nothing here has a GPU, so these run its ``--smoke`` networks on
the CPU: every data kind trains in each configuration and is timed, the table is written with a row that failed, and
bad options exit 2."""

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "benchmarks" / "gpu.py"
_spec = importlib.util.spec_from_file_location("gpu_benchmark", SCRIPT)
gpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu)


def test_every_row_has_smoke_arguments_and_a_known_data_kind():
    for name, (cls_name, kwargs, batch, kind, what) in gpu.ROWS.items():
        assert cls_name in gpu.SMOKE, name
        assert kind in ("images", "labelled", "pairs", "domains", "styles", "stylize256", "stylize512"), name
        assert batch >= 1 and what, name


@pytest.mark.slow
@pytest.mark.parametrize("row", ["cgan", "pix2pix", "dtn", "adain_train", "adain_stylize256"])
def test_each_data_kind_trains_and_is_timed_in_both_precisions(row):
    cfg = dict(row=row, configs=list(gpu.CONFIGS[:2]), rounds=2, warmup=1, steps=2, images=2, smoke=True)
    results = gpu.worker(cfg)
    # two rounds of each configuration, alternating which goes first (the mirrored row: the test below)
    assert [(r["round"], r["config"]) for r in results] == [
        (0, "float32"), (0, "mixed_float16"), (1, "mixed_float16"), (1, "float32")]
    unit = "steps/s" if row == "adain_train" else "images/s"
    for r in results:
        assert r["row"] == row and r["unit"] == unit and r["replicas"] >= 1
        assert math.isfinite(r["per_s"]) and r["per_s"] > 0 and r["peak_memory_mb"] > 0


def test_the_table_gives_medians_ranges_ratios_and_names_a_failed_row(tmp_path):
    runs = {"dcgan": (("float32", (100, 120, 110), 700), ("mixed_float16", (300, 240, 330), 800),
                      ("float32 + XLA", (150, 160, 140), 900)),
            "dcgan_mirrored": (("float32", (90, 95, 100), 710), ("mixed_float16", (200, 210, 220), 810))}
    records = [dict(row=row, config=c, round=i, per_s=v, unit="images/s", peak_memory_mb=m, replicas=1)
               for row, configs in runs.items() for c, values, m in configs for i, v in enumerate(values)]
    args = gpu.parse_args(["--rows", "dcgan", "dcgan_mirrored", "cyclegan", "--configs", "float32", "mixed_float16",
                           "float32 + XLA", "--out", str(tmp_path), "--name", "t"])
    gpu.write(records, {"cyclegan": "ResourceExhaustedError: OOM"}, args, "1 GPU(s): X")
    table = (tmp_path / "t.md").read_text()
    assert "| mixed_float16 ; float32 + XLA ÷ float32 (medians) | peak memory MB |" in table
    assert "| dcgan | 64x64x3, batch 128 (Radford et al. 2016) | 110 (100-120) images/s | 300 (240-330) images/s " \
           "| 150 (140-160) images/s | 2.73 ; 1.36 | 700 / 800 / 900 |" in table
    assert "| 95 (90-100) images/s | 210 (200-220) images/s | n/a (XLA runs on one device) | 2.21 ; - " \
           "| 710 / 810 / - |" in table
    assert "| cyclegan | 256x256, batch 1 (Zhu et al. 2017) | failed: ResourceExhaustedError: OOM |" in table
    assert "Device: 1 GPU(s): X." in table
    assert len(pd.read_csv(tmp_path / "t.csv")) == 15


@pytest.mark.slow
def test_a_run_with_xla_and_a_mirrored_row_in_fresh_processes(tmp_path):
    # fresh processes as the script runs them: a second MirroredStrategy in this test process would clash with the
    # suite's (tests/model_checks.py's mirrored_strategy)
    proc = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--rows", "dcgan", "dcgan_mirrored", "--configs",
                           "float32", "float32 + XLA", "--out", str(tmp_path), "--name", "t"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = pd.read_csv(tmp_path / "t.csv")
    assert sorted(zip(runs.row, runs.config)) == [("dcgan", "float32"), ("dcgan", "float32 + XLA"),
                                                  ("dcgan_mirrored", "float32")]  # XLA: one device only
    assert (runs.per_s > 0).all() and (runs.replicas == 1).all()  # no GPU here: the strategy has the CPU alone
    assert "| n/a (XLA runs on one device) |" in (tmp_path / "t.md").read_text()


def test_rows_that_fail_are_written_and_the_command_exits_non_zero(tmp_path):
    # a one-second limit per row's process: TensorFlow's import alone takes longer, so both rows fail
    proc = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--rows", "gan", "cgan", "--timeout", "1",
                           "--out", str(tmp_path), "--name", "t"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "2 row(s) failed: gan, cgan" in proc.stderr, proc.stderr[-2000:]
    table = (tmp_path / "t.md").read_text()
    assert table.count("failed: ") == 2 and "timed out after 1 s" in table
    assert "no GPU visible" in table and "--smoke" in table


@pytest.mark.parametrize("option", [["--steps", "0"], ["--rounds", "-1"], ["--rows", "nosuch"], ["--configs", "fp8"]])
def test_bad_options_exit_2(option):
    with pytest.raises(SystemExit) as e:
        gpu.parse_args(option)
    assert e.value.code == 2
