"""How mda's track segments agree with Global Fishing Watch's segmenter, on real AIS.

    python -m bench.segments [--batch-minutes M]

The reference is ``labels/gfw_segmenter_reference_shared.csv.gz`` of the shared data: 19 MMSIs
of ORBCOMM AIS (satellite and terrestrial), each position labelled with the segment GFW's
segmenter put it in (``expected_seg_id``; empty when GFW put it in none).

What is fed and what is scored:

- mda's ``Tracks`` gets every position message once (a message id received twice is one
  message, as mda's duplicate suppression makes it), in time order, in event-time batches of
  ``--batch-minutes`` (30 by default; a live feed hands over seconds, a recording minutes).
- Agreement is the adjusted Rand index (ARI) over pairs of positions of the *same* MMSI, among
  the positions GFW segmented. Positions GFW left out of every segment (its duplicates, and
  noise it set aside) are fed to mda but not scored: GFW gives no truth for them.
- The overall figure pools the pairs of all MMSIs (pairs across MMSIs never count) and
  subtracts the chance agreement expected within each MMSI. Pair precision says how often two
  positions mda joins are joined by GFW too; pair recall, how often two GFW joins mda joins.
  With one segment on both sides the ARI is 1 (complete agreement).
- A second overall figure also leaves out type 27 positions, which GFW sets apart in segments
  of their own while mda lets them continue the track (a policy difference, not an error).
- Two transmitters: for an MMSI with GFW segments alive at the same time (412440453), whether
  mda keeps the two largest apart: the share of their positions whose mda segment holds
  mostly their own GFW segment.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mda.model import Position
from mda.tracks import Tracks
from tests.data import shared

REFERENCE = "labels/gfw_segmenter_reference_shared.csv.gz"
SHARED_MMSI = 412_440_453  # two transmitters at once (Indian Ocean and far south)
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Labelled:
    """A position of the reference and the segment GFW gave it ("" for none)."""

    position: Position
    gfw_segment: str


def read_reference(path: Path | None = None) -> list[Labelled]:
    """Position messages of the reference, each message once, in time order."""
    data = gzip.decompress((path or shared(REFERENCE)).read_bytes()).decode("utf-8")
    best: dict[str, Labelled] = {}
    for row in csv.DictReader(io.StringIO(data)):
        if not row["lat"] or not row["lon"]:
            continue  # a static report
        item = Labelled(_position(row), row["expected_seg_id"])
        held = best.get(row["msgid"])
        # GFW put one copy of a repeated message in a segment and left the others out.
        if held is None or (not held.gfw_segment and item.gfw_segment):
            best[row["msgid"]] = item
    return sorted(best.values(), key=lambda x: (x.position.time or 0.0, x.position.mmsi))


def _number(text: str) -> float | None:
    return float(text) if text else None


def _position(row: dict[str, str]) -> Position:
    heading = _number(row["heading"])
    status = _number(row["status"])
    lat: float | None = float(row["lat"])
    lon: float | None = float(row["lon"])
    if abs(float(row["lat"])) > 90 or abs(float(row["lon"])) > 180:
        lat = lon = None  # ITU "not available" (91, 181), as mda decodes it
    return Position(
        time=datetime.fromisoformat(row["timestamp"]).timestamp(), mmsi=int(row["ssvid"]),
        msg_type=int(row["type"].removeprefix("AIS.")), lat=lat,
        lon=lon, sog=_number(row["speed"]), cog=_number(row["course"]),
        heading=None if heading is None else int(heading),
        nav_status=None if status is None else int(status), rot=None, accuracy=None,
        source=row["receiver_type"],
    )  # fmt: skip


def mda_segments(items: Sequence[Labelled], batch_s: float = 1800.0) -> list[int]:
    """The segment mda's ``Tracks`` puts each position in, fed in event-time batches. A
    position without a fix (lat 91, lon 181) is in no segment: it gets one of its own."""
    tracks = Tracks()
    out = [-1 - i for i in range(len(items))]
    times = [x.position.time or 0.0 for x in items]
    start = 0
    while start < len(items):
        edge = times[start] + batch_s
        end = start
        while end < len(items) and times[end] < edge:
            end += 1
        batch = tracks.update([x.position for x in items[start:end]])
        for row, seg in zip(batch.row.tolist(), batch.segment.tolist(), strict=True):
            out[start + row] = seg
        start = end
    return out


# -- the adjusted Rand index, by pair counting -----------------------------------------------


def _pairs(counts: Iterable[int] | Ints) -> float:
    n = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts, dtype=float)
    return float(np.sum(n * (n - 1) / 2))


@dataclass(frozen=True, slots=True)
class PairCounts:
    """Pairs of one MMSI's positions (or pooled over MMSIs): all, joined by both sides, by
    the truth, by the prediction, and the joins expected by chance."""

    total: float
    both: float
    truth: float
    predicted: float
    expected: float

    def __add__(self, other: PairCounts) -> PairCounts:
        return PairCounts(
            self.total + other.total, self.both + other.both, self.truth + other.truth,
            self.predicted + other.predicted, self.expected + other.expected,
        )  # fmt: skip

    @property
    def ari(self) -> float:
        """Adjusted Rand index (Hubert and Arabie 1985): 1 is identical, 0 is chance."""
        top = 0.5 * (self.truth + self.predicted) - self.expected
        if top == 0:
            return 1.0  # both sides put everything in one cluster (or nothing in pairs)
        return (self.both - self.expected) / top

    @property
    def precision(self) -> float:
        """Share of the pairs the prediction joins that the truth joins too."""
        return self.both / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of the pairs the truth joins that the prediction joins too."""
        return self.both / self.truth if self.truth else 1.0


def pair_counts(truth: Sequence[object], predicted: Sequence[object]) -> PairCounts:
    """Pair counts of two labellings of the same items (one MMSI's positions)."""
    _, t = np.unique(np.asarray([str(x) for x in truth]), return_inverse=True)
    _, p = np.unique(np.asarray([str(x) for x in predicted]), return_inverse=True)
    table = np.zeros((int(t.max(initial=-1)) + 1, int(p.max(initial=-1)) + 1), dtype=np.int64)
    np.add.at(table, (t, p), 1)
    total = _pairs([len(t)])
    truth_pairs = _pairs(table.sum(axis=1))
    predicted_pairs = _pairs(table.sum(axis=0))
    expected = truth_pairs * predicted_pairs / total if total else 0.0
    return PairCounts(total, _pairs(table.ravel()), truth_pairs, predicted_pairs, expected)


def adjusted_rand_index(truth: Sequence[object], predicted: Sequence[object]) -> float:
    """The adjusted Rand index of two labellings of the same items."""
    return pair_counts(truth, predicted).ari


# -- the score ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VesselScore:
    """One MMSI: its scored positions, segments on each side, and the pair figures."""

    mmsi: int
    positions: int
    gfw_segments: int
    mda_segments: int
    pairs: PairCounts


@dataclass(frozen=True, slots=True)
class Score:
    """Per-MMSI scores, the pooled one, and the two-transmitter check."""

    vessels: list[VesselScore]
    overall: PairCounts
    unscored: int  # positions GFW put in no segment
    transmitters_kept_apart: float  # share of the two transmitters' positions kept apart


def score(
    items: Sequence[Labelled], batch_s: float = 1800.0, leave_out_types: Sequence[int] = ()
) -> Score:
    """Run mda over the reference and compare its segments with GFW's (positions of the
    message types ``leave_out_types`` are fed but not scored)."""
    mine = mda_segments(items, batch_s)
    by_vessel: dict[int, list[tuple[str, int]]] = {}
    unscored = 0
    for x, seg in zip(items, mine, strict=True):
        if not x.gfw_segment or x.position.msg_type in leave_out_types:
            unscored += 1
            continue
        by_vessel.setdefault(x.position.mmsi, []).append((x.gfw_segment, seg))
    vessels = []
    for mmsi in sorted(by_vessel):
        truth, predicted = zip(*by_vessel[mmsi], strict=True)
        pairs = pair_counts(truth, predicted)
        vessels.append(VesselScore(mmsi, len(truth), len(set(truth)), len(set(predicted)), pairs))
    overall = PairCounts(0.0, 0.0, 0.0, 0.0, 0.0)
    for v in vessels:
        overall += v.pairs
    apart = kept_apart(by_vessel.get(SHARED_MMSI, []))
    return Score(vessels, overall, unscored, apart)


def kept_apart(labels: Sequence[tuple[str, int]]) -> float:
    """For the two largest GFW segments of an MMSI: the share of their positions whose mda
    segment holds mostly their own GFW segment (1.0 = the transmitters never mixed)."""
    sizes = Counter(g for g, _ in labels).most_common(2)
    if len(sizes) < 2:
        return 1.0
    two = {g for g, _ in sizes}
    mixes: dict[int, Counter[str]] = {}
    for g, seg in labels:
        if g in two:
            mixes.setdefault(seg, Counter())[g] += 1
    owner = {seg: c.most_common(1)[0][0] for seg, c in mixes.items()}
    kept = sum(1 for g, seg in labels if g in two and owner[seg] == g)
    return kept / sum(n for _, n in sizes)


def table(result: Score) -> str:
    """The score as a plain-text table."""
    lines = [
        f"{'mmsi':>10} {'positions':>9} {'gfw segs':>8} {'mda segs':>8} {'ARI':>6} "
        f"{'pair prec':>9} {'pair rec':>8}"
    ]
    for v in result.vessels:
        p = v.pairs
        lines.append(
            f"{v.mmsi:>10} {v.positions:>9} {v.gfw_segments:>8} {v.mda_segments:>8} "
            f"{p.ari:>6.3f} {p.precision:>9.3f} {p.recall:>8.3f}"
        )
    o = result.overall
    count = sum(v.positions for v in result.vessels)
    lines.append(
        f"{'overall':>10} {count:>9} {'':>8} {'':>8} {o.ari:>6.3f} {o.precision:>9.3f} "
        f"{o.recall:>8.3f}"
    )
    lines.append(f"positions fed but not scored: {result.unscored}")
    lines.append(
        f"two transmitters of MMSI {SHARED_MMSI} kept apart: "
        f"{100 * result.transmitters_kept_apart:.1f}% of their positions"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the score table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--batch-minutes", type=float, default=30.0)
    args = parser.parse_args(argv)
    items = read_reference()
    batch_s = args.batch_minutes * 60.0
    print("Positions GFW segmented (its unsegmented ones are fed to mda, not scored):")
    print(table(score(items, batch_s)))
    # GFW sets type 27 (long-range, coarse) positions apart in segments of their own; mda lets
    # them continue the track. Without them, what is left of the disagreement:
    leaving_27 = score(items, batch_s, leave_out_types=(27,))
    o = leaving_27.overall
    print(
        f"\nType 27 positions also left out: overall ARI {o.ari:.3f}, pair precision "
        f"{o.precision:.3f}, pair recall {o.recall:.3f}"
    )


if __name__ == "__main__":
    main()
