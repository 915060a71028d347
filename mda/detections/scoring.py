"""Scores of a matching against the truth of simulated scenes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mda.detections.model import Match, MatchStatus
from mda.detections.simulate import Truth, TruthKind


@dataclass(frozen=True, slots=True)
class MatchScore:
    """Precision and recall of naming vessels, and of the dark-vessel candidates."""

    matched: int  # detections given an MMSI
    correct: int  # ... the right one
    reporting: int  # detections of vessels reporting AIS (what should be matched)
    candidates: int  # dark-vessel candidates (unmatched, confident, not infrastructure)
    dark_hits: int  # ... that are dark vessels
    dark_seen: int  # detections of dark vessels

    @property
    def precision(self) -> float:
        """Share of the matches that name the right vessel."""
        return self.correct / self.matched if self.matched else 1.0

    @property
    def recall(self) -> float:
        """Share of the detections of reporting vessels matched to the right one."""
        return self.correct / self.reporting if self.reporting else 1.0

    @property
    def dark_precision(self) -> float:
        """Share of the dark-vessel candidates that are dark vessels."""
        return self.dark_hits / self.candidates if self.candidates else 1.0

    @property
    def dark_recall(self) -> float:
        """Share of the detected dark vessels that are candidates."""
        return self.dark_hits / self.dark_seen if self.dark_seen else 1.0


def dark_candidates(matches: Sequence[Match], min_score: float) -> list[Match]:
    """Unmatched detections confident enough (presence score) to raise a dark-vessel alert;
    a detection without a score counts as confident."""
    return [
        m for m in matches
        if m.status is MatchStatus.UNMATCHED
        and (m.detection.score is None or m.detection.score >= min_score)
    ]  # fmt: skip


def score(
    matches: Sequence[Match], truth: Mapping[tuple[str, str], Truth], *, min_score: float = 0.5
) -> MatchScore:
    """``matches`` scored against ``truth`` (by scene and detection id)."""

    def truth_of(m: Match) -> Truth:
        return truth[(m.detection.scene_id, m.detection.detect_id)]

    named = [m for m in matches if m.status is MatchStatus.MATCHED]
    correct = sum(
        1 for m in named if truth_of(m).kind is TruthKind.VESSEL and truth_of(m).mmsi == m.mmsi
    )
    candidates = dark_candidates(matches, min_score)
    return MatchScore(
        matched=len(named),
        correct=correct,
        reporting=sum(1 for m in matches if truth_of(m).kind is TruthKind.VESSEL),
        candidates=len(candidates),
        dark_hits=sum(1 for m in candidates if truth_of(m).kind is TruthKind.DARK),
        dark_seen=sum(1 for m in matches if truth_of(m).kind is TruthKind.DARK),
    )
