"""How fast the command line answers: ``mda --help`` and ``mda zones check LAT LON``.

    python -m bench.cli [--repeats N]

Each command runs in a fresh process, as a user types it (interpreter start, imports, zone
loading included), output to /dev/null; wall time and the child's CPU time, best and median of
``--repeats``. The baseline is a bare ``python -c pass`` of the same interpreter: what no
command can go below.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from bench.processes import run_clocked

MDA = str(Path(sys.executable).with_name("mda"))
COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "mda --help": [MDA, "--help"],
    "mda zones check 36.13 -5.43": [MDA, "zones", "check", "36.13", "-5.43"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):  # alternating: load on the machine falls on each alike
        for name, command in COMMANDS.items():
            runs[name].append(run_clocked(command))
    for name, clocks in runs.items():
        wall = [w for w, _ in clocks]
        cpu = [c for _, c in clocks]
        print(f"{name:<30} wall best {min(wall):5.2f} s median {statistics.median(wall):5.2f} s"
              f"   CPU best {min(cpu):5.2f} s median {statistics.median(cpu):5.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
