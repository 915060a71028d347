"""Decoding rate of mda's full ingest path against raw pyais on the same real corpus.

    python -m bench.decode [--repeats N]

Both decode the same lines: every AIS sentence of the real recordings in ../shared/data/ais
(tag blocks and trailing fields as recorded). The baseline is ``pyais.decode`` on each message
(its fragments grouped); mda runs framing (checksums, tag blocks, clocks, reassembly,
duplicate suppression), payload validation, decoding and normalisation into records. The two
alternate run by run so that load on this shared machine falls on both.

When gpsd's C decoder is installed (``gpsdecode``, Debian package ``gpsd-clients``), the same
lines are also written to one file and decoded by ``gpsdecode -u`` (unscaled JSON, one object
a message) and by ``mda decode`` (JSON lines, one record a message), each a process of its own
writing to /dev/null; wall time and the child's CPU time (``getrusage``), alternating, median
of the repeats. Process start-up is in both.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pyais

from bench.common import ais_lines, rate, timed, tune_gc
from bench.processes import run_clocked
from mda.ingest.core import Ingestor

BATCH = 5_000


def group_messages(lines: list[bytes]) -> list[tuple[bytes, ...]]:
    """Sentences grouped per message the way a pyais user must before calling decode()."""
    groups: list[tuple[bytes, ...]] = []
    current: list[bytes] = []
    for line in lines:
        sentence = line[line.find(b"!") :]
        fields = sentence.split(b",")
        if len(fields) < 7 or not fields[1].isdigit() or not fields[2].isdigit():
            continue
        total, num = int(fields[1]), int(fields[2])
        if total == 1:
            groups.append((line,))
            current = []
        elif num == 1:
            current = [line]
        elif current:
            current.append(line)
            if num == total:
                if len(current) == total:
                    groups.append(tuple(current))
                current = []
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    tune_gc()
    lines = ais_lines()
    groups = group_messages(lines)

    def baseline() -> int:
        decoded = 0
        for group in groups:
            try:
                pyais.decode(*group)
                decoded += 1
            except Exception:  # what pyais cannot decode is skipped, as its users do
                pass
        return decoded

    def mda() -> int:
        ingestor = Ingestor()
        records = 0
        for i in range(0, len(lines), BATCH):
            records += len(ingestor.ingest(lines[i : i + BATCH], "bench"))
        return records

    pyais_s: list[float] = []
    mda_s: list[float] = []
    for _ in range(args.repeats):
        pyais_s += timed(baseline, 1)
        mda_s += timed(mda, 1)
    messages = len(groups)
    p_best, p_median = rate(messages, pyais_s)
    m_best, m_median = rate(messages, mda_s)
    print(f"corpus: {len(lines):,} AIS sentences, {messages:,} messages, {mda():,} mda records")
    print(f"raw pyais.decode   best {p_best:>10,.0f} msg/s   median {p_median:>10,.0f} msg/s")
    print(f"mda ingest path    best {m_best:>10,.0f} msg/s   median {m_median:>10,.0f} msg/s")
    print(f"ratio mda / pyais  best {m_best / p_best:.2f}   median {m_median / p_median:.2f}")
    gpsdecode = shutil.which("gpsdecode")
    if gpsdecode is None:
        print("gpsdecode not installed (apt-get install gpsd-clients): no C baseline")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.nmea"
        path.write_bytes(b"\n".join(lines) + b"\n")
        against_gpsdecode(gpsdecode, path, messages, args.repeats)


def against_gpsdecode(gpsdecode: str, path: Path, messages: int, repeats: int) -> None:
    """``gpsdecode -u`` and ``mda decode`` on the same file, each in a process of its own."""
    mda_cli = [str(Path(sys.executable).with_name("mda")), "decode", str(path)]
    decoded = subprocess.run([gpsdecode, "-u"], stdin=path.open("rb"), capture_output=True,
                             check=True).stdout.count(b"\n")  # fmt: skip
    runs: dict[str, list[tuple[float, float]]] = {"gpsdecode -u (C)": [], "mda decode": []}
    for _ in range(repeats):
        runs["gpsdecode -u (C)"].append(run_clocked([gpsdecode, "-u"], stdin=path))
        runs["mda decode"].append(run_clocked(mda_cli))
    print(f"same file, a process each ({messages:,} messages; gpsdecode printed {decoded:,} "
          "objects):")  # fmt: skip
    medians = {}
    for name, clocks in runs.items():
        wall = statistics.median(w for w, _ in clocks)
        cpu = statistics.median(c for _, c in clocks)
        medians[name] = (wall, cpu)
        print(f"{name:<18} wall {wall:6.2f} s ({messages / wall:>9,.0f} msg/s)   "
              f"CPU {cpu:6.2f} s ({messages / cpu:>9,.0f} msg/s)")  # fmt: skip
    (c_wall, c_cpu), (m_wall, m_cpu) = medians.values()
    print(f"mda decode takes   wall {m_wall / c_wall:.1f}x   CPU {m_cpu / c_cpu:.1f}x gpsdecode's")


if __name__ == "__main__":
    main()
