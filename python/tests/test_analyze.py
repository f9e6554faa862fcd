"""hft.analyze: the statistics of `hft analyze`, on the real ETF closes, equal to the CLI's JSON."""

import json
import os
import pathlib
import subprocess

import pandas as pd
import pytest

import hft

ETF = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data" / "etf23_daily.csv"


def test_a_pair_from_a_dataframe_equals_the_clis_json():
    closes = pd.read_csv(ETF)
    report = hft.analyze(closes, pair=("SPY", "DIA"))
    assert report["pair"]["a"] == "SPY" and report["pair"]["b"] == "DIA"
    assert 0.0 < report["pair"]["hedge_ratio"]
    assert report["var"]["order"] >= 0
    binary = os.environ.get("HFT_BIN")
    if not binary:
        pytest.skip("HFT_BIN not set: no CLI to compare with")
    cli = subprocess.run(
        [binary, "analyze", "--closes", str(ETF), "--pair", "SPY,DIA", "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert report == json.loads(cli.stdout)


def test_the_csv_path_reads_as_the_dataframe():
    assert hft.analyze(ETF, symbols=["EFA", "VGK", "EWG"]) == hft.analyze(
        pd.read_csv(ETF), symbols=["EFA", "VGK", "EWG"]
    )


def test_bad_input_raises_value_error():
    closes = pd.read_csv(ETF)
    with pytest.raises(ValueError, match="NOPE"):
        hft.analyze(closes, pair=("SPY", "NOPE"))
    with pytest.raises(ValueError):
        hft.analyze(closes)
