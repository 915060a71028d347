"""`mda decode` and `mda simulate` as a user runs them: real processes, real files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

from mda.ingest.rows import CONTRACT_FIELDS, FIELDS
from tests.data import AIS

SAMPLE = Path(__file__).resolve().parents[1] / "ingest" / "samples" / "red-sea-traffic.nmea"


def mda(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "from mda.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_decode_writes_one_json_record_per_line_with_every_contract_field() -> None:
    done = mda("decode", str(AIS / "pyais/mixed.txt"))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 10
    assert all(list(row)[: len(CONTRACT_FIELDS)] == list(CONTRACT_FIELDS) for row in rows)
    assert {row["shipname"] for row in rows if row["msg_type"] == 5} == {
        "EVER DIADEM",
        "MARE ISLAND",
    }


def test_decode_summary_on_stderr_counts_damage_without_failing() -> None:
    done = mda("decode", str(SAMPLE))
    assert done.returncode == 0
    summary = done.stderr.decode()
    assert "bad checksums 5" in summary
    assert "messages by type: 1:1794, 5:53, 18:200, 24:32" in summary
    assert "duplicates suppressed 213" in summary


def test_decode_csv_has_a_header_and_the_same_records(tmp_path: Path) -> None:
    out = tmp_path / "records.csv"
    done = mda("decode", str(AIS / "pyais/mixed.txt"), "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == list(FIELDS)
    assert len(rows) == 10


def test_decode_reads_gzip_globs_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "a.nmea.gz").write_bytes(gzip.compress((AIS / "pyais/messages.ais").read_bytes()))
    (tmp_path / "b.nmea").write_bytes((AIS / "pyais/ais_test_messages").read_bytes())
    globbed = mda("decode", str(tmp_path / "*.nmea*"))
    assert globbed.returncode == 0, globbed.stderr
    assert len(globbed.stdout.splitlines()) == 3 + 7
    piped = mda("decode", "-", stdin=(AIS / "pyais/messages.ais").read_bytes())
    assert len(piped.stdout.splitlines()) == 3


def test_unreadable_input_fails_with_one_clear_line() -> None:
    done = mda("decode", "/no/such/recording.nmea")
    assert done.returncode == 1
    assert done.stderr.decode().strip() == (
        "mda: error: cannot read /no/such/recording.nmea: no such file"
    )


def test_unreachable_feed_fails_with_one_clear_line() -> None:
    done = mda("decode", "tcp://127.0.0.1:1")
    assert done.returncode == 1
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mda: error: cannot connect to tcp://127.0.0.1:1")


def test_bad_format_is_one_line() -> None:
    done = mda("decode", str(SAMPLE), "--format", "xml")
    assert done.returncode == 1
    assert b"--format must be jsonl or csv" in done.stderr


def test_simulation_is_deterministic_and_matches_the_bundled_sample(tmp_path: Path) -> None:
    out = tmp_path / "traffic.nmea"
    done = mda(
        "simulate",
        "traffic",
        "--out",
        str(out),
        "--seed",
        "1",
        "--vessels",
        "20",
        "--minutes",
        "20",
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_a_recording_named_gz_is_written_gzip_like_the_bundled_sample(tmp_path: Path) -> None:
    out = tmp_path / "drag.nmea.gz"
    done = mda("simulate", "anchor-drag", "--vessels", "30", "--seed", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    bundled = SAMPLE.parent / "anchor-drag.nmea.gz"
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(bundled.read_bytes())
    assert out.read_bytes() == bundled.read_bytes()  # no time in the header: same bytes
    assert (tmp_path / "drag.nmea.truth.json").read_text() == bundled.with_suffix(
        ".truth.json"
    ).read_text()
