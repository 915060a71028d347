"""Every counter of a run reaches ``/metrics``: what the stop summary reports, Prometheus sees,
labelled by reason, with no wiring per counter."""

from __future__ import annotations

import asyncio
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from mda.config import Config, SourceSettings
from mda.ingest.sources import FileSource, LineSplitter, UdpSource
from mda.ingest.stats import IngestStats
from mda.metrics import ServiceFigures, register_figures
from mda.pipeline import Pipeline, PipelineOutput
from mda.rules.engine import RuleEngine
from mda.runtime.service import Service
from mda.simulate.encoder import SentenceWriter
from tests.test_bounds import T0, capped
from tests.test_cli_service import free_port, http
from tests.test_determinism import default_rules, default_zones


def scrape(stats: IngestStats) -> dict[str, float]:
    """The samples a scrape shows for these counts, by name and labels."""
    registry = CollectorRegistry()
    register_figures(registry, ServiceFigures(ingest=stats.as_dict))
    return parse(generate_latest(registry).decode())


def parse(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_every_counter_of_the_stats_is_a_sample_named_for_it() -> None:
    stats = IngestStats()
    expected: dict[str, int] = {}
    for n, f in enumerate(fields(IngestStats), start=1):
        value = getattr(stats, f.name)
        if isinstance(value, Counter):
            value["7"] = 1000 + n
            expected[f"{f.name}/7"] = 1000 + n
        else:
            setattr(stats, f.name, n)
            expected[f.name] = n
    samples = scrape(stats)
    missing = {}
    for key, value in expected.items():
        name, _, label = key.partition("/")
        words = name.split("_")
        # Each value is the field's own: a sample with it, named for the field or (a counter
        # kept by key) labelled with the key, is the field's.
        found = [
            s for s, v in samples.items()
            if v == value and (f'"{label}"' in s if label
                               else name in s or all(w in s for w in words))
        ]  # fmt: skip
        if not found:
            missing[key] = value
    assert missing == {}


def test_every_rejected_line_fragment_and_datagram_is_bad_input_by_reason() -> None:
    stats = IngestStats(junk_lines=3, expired_fragments=4, oversized_lines=5,
                        dropped_datagrams=6, unknown_type=7)  # fmt: skip
    samples = scrape(stats)
    for reason, n in [("junk_lines", 3), ("expired_fragments", 4), ("oversized_lines", 5),
                      ("dropped_datagrams", 6), ("unknown_type", 7)]:  # fmt: skip
        assert samples[f'mda_bad_input_total{{reason="{reason}"}}'] == n


def test_rejected_values_are_counted_by_field() -> None:
    stats = IngestStats()
    stats.rejected_values["lat"] = 2
    assert scrape(stats)['mda_rejected_values_total{field="lat"}'] == 2


def test_a_line_too_long_to_hold_is_dropped_once_and_counted() -> None:
    splitter = LineSplitter()
    huge = b"x" * (10 * LineSplitter.MAX_PENDING)
    lines: list[bytes] = []
    for i in range(0, len(huge), 65536):
        lines += splitter.feed(huge[i : i + 65536])
    lines += splitter.feed(b"\n!AIVDM,after\n")
    lines += splitter.flush()
    assert lines == [b"!AIVDM,after"]
    assert splitter.counts.oversized_lines == 1


async def test_datagrams_a_full_queue_drops_reach_the_run_stats() -> None:
    source = UdpSource("127.0.0.1", 0, queue_batches=1)
    for k in range(5):
        source._received(b"!AIVDM,%d\n" % k, ("127.0.0.1", 9))
    service = Service(Config(http_listen=None), capped(100), [source], live=False)
    assert service.figures.ingest()["dropped_datagrams"] == 4
    assert "dropped datagrams 4" in service.run_stats().summary()
    await asyncio.sleep(0)


def test_the_summary_names_every_scalar_counter() -> None:
    stats = IngestStats()
    for n, f in enumerate(fields(IngestStats), start=101):
        if not isinstance(getattr(stats, f.name), Counter):
            setattr(stats, f.name, n)
    summary = stats.summary()
    numbers = set(re.findall(r"\d+", summary))
    missing = [f.name for n, f in enumerate(fields(IngestStats), start=101)
               if not isinstance(getattr(stats, f.name), Counter) and str(n) not in numbers]
    assert missing == []


# --- the real service: its /metrics agree with its closing summary ---------------------------

# The summary's words for each counter (``IngestStats.summary``).
SUMMARY_WORDS = {
    "lines": "lines", "messages": "messages", "junk_lines": "comments or junk",
    "bad_checksum": "bad checksums", "missing_checksum": "missing checksums",
    "malformed_sentence": "malformed sentences", "too_long": "too long",
    "non_ascii": "non-ASCII", "bad_tag_block": "bad tag blocks", "bad_json": "bad JSON",
    "orphan_fragments": "orphan", "duplicate_fragments": "duplicate",
    "out_of_order_fragments": "out of order", "expired_fragments": "expired",
    "evicted_fragments": "evicted", "invalid_payload": "invalid payloads",
    "short_payload": "short payloads", "unknown_type": "unknown types",
    "decode_errors": "decode errors", "oversized_lines": "oversized lines",
    "dropped_datagrams": "dropped datagrams",
}  # fmt: skip


def garbage(rng: random.Random) -> list[bytes]:
    """Every kind of rejected input a feed sends, with good sentences in between."""
    writer = SentenceWriter("rx")
    good = [writer.encode({"type": 1, "mmsi": 211_000_000 + k, "lat": 54.0, "lon": 10.0,
                           "speed": 5.0, "course": 90.0}, T0 + k)[0]
            for k in range(700)]  # fmt: skip
    bad_sum = good[0][:-2] + (b"00" if good[0][-2:] != b"00" else b"11")
    static = writer.encode({"type": 5, "mmsi": 211_999_999, "shipname": "LONG REPORT",
                            "callsign": "ABC", "destination": "SOMEWHERE"}, T0)  # fmt: skip
    assert len(static) == 2
    lines = [b"\x00" + line for line in good[:50]]  # NUL-prefixed
    lines += [bytes(rng.randrange(32, 127) for _ in range(rng.randrange(1, 90)))
              for _ in range(300)]  # fmt: skip
    lines += [bad_sum] * 5 + [good[1].rsplit(b"*", 1)[0]] * 3  # bad and missing checksums
    lines += [b'{"class": "AIS", "mmsi": '] * 2  # bad JSON
    lines += [static[1]]  # a second fragment with no first: an orphan
    lines += [static[0]]  # a first fragment whose second never comes: expires
    lines += good[2:]  # 600-odd sentences later the held fragment has expired
    return lines


async def test_the_service_metrics_agree_with_its_summary_on_a_garbage_feed(
    tmp_path: Path,
) -> None:
    feed_port, status_port = free_port(), free_port()
    config = tmp_path / "mda.toml"
    config.write_text(
        f'[[sources]]\nurl = "tcp-listen://127.0.0.1:{feed_port}"\n'
        f'[http]\nlisten = "127.0.0.1:{status_port}"\n'
        '[pipeline]\nlateness = "0s"\nstep = "1s"\n'
    )
    lines = garbage(random.Random(13))
    service = subprocess.Popen(  # noqa: ASYNC220 - the service under test, in its own process
        [sys.executable, "-c", "import mda.cli; mda.cli.main()", "run", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        await _until(lambda: _healthy(status_port), "the service's /healthz")
        with socket.create_connection(("127.0.0.1", feed_port)) as s:
            s.sendall(b"\n".join(lines[:400]) + b"\n")
            s.sendall(b"x" * (10 << 20) + b"\n")  # a 10 MB "line"
            s.sendall(b"\n".join(lines[400:]) + b"\n")
        metrics: dict[str, float] = {}

        def all_read() -> bool:
            metrics.update(parse(http(f"http://127.0.0.1:{status_port}/metrics")[1]))
            return metrics.get("mda_lines_total") == len(lines)

        await _until(all_read, f"/metrics to count the {len(lines)} lines sent")
        # Lines are counted as read, messages when the pipeline's step has framed them: the
        # figures are compared once two scrapes a second apart agree (the step is done).
        counted = ("mda_lines_total", "mda_messages_total", "mda_bad_input_total")

        def settled() -> bool:
            time.sleep(1.0)
            current = parse(http(f"http://127.0.0.1:{status_port}/metrics")[1])
            same = all(metrics.get(k) == v for k, v in current.items() if k.startswith(counted))
            metrics.update(current)
            return same

        await _until(settled, "/metrics to settle")
    finally:
        service.terminate()
        _, err = service.communicate(timeout=60)
    assert service.returncode == 0, err
    summary = err
    scraped = {reason: metrics[f'mda_bad_input_total{{reason="{reason}"}}']
               for reason in SUMMARY_WORDS if reason not in ("lines", "messages")}  # fmt: skip
    scraped["lines"] = metrics["mda_lines_total"]
    scraped["messages"] = metrics["mda_messages_total"]
    summarised = {name: _figure(summary, words) for name, words in SUMMARY_WORDS.items()}
    assert summarised == scraped
    assert scraped["junk_lines"] >= 50 and scraped["oversized_lines"] == 1
    assert scraped["orphan_fragments"] == 1 and scraped["expired_fragments"] == 1
    assert scraped["bad_checksum"] == 5 and scraped["missing_checksum"] == 3


def _figure(summary: str, words: str) -> float:
    found = re.findall(rf"(?:^|[ ,:(])\b{re.escape(words)} (\d+)", summary, re.MULTILINE)
    assert len(found) >= 1, f"the summary does not say {words!r}:\n{summary}"
    return float(found[0])


def _healthy(port: int) -> bool:
    try:
        return http(f"http://127.0.0.1:{port}/healthz")[0] == 200
    except OSError:
        return False


async def _until(check: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.2)):
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


class StuckPipeline(Pipeline):
    """A core whose steps wait until the test lets them go (a long step, made certain)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entered = threading.Event()
        self.released = threading.Event()

    def process_batches(self, batches: Any) -> PipelineOutput:
        self.entered.set()
        self.released.wait(60)
        return super().process_batches(batches)


async def test_metrics_are_answered_while_the_core_is_in_a_long_step(tmp_path: Path) -> None:
    recording = tmp_path / "one.nmea"
    recording.write_bytes(SentenceWriter("rx").encode(
        {"type": 1, "mmsi": 211_000_001, "lat": 54.0, "lon": 10.0}, T0)[0] + b"\n")  # fmt: skip
    index = default_zones()
    pipeline = StuckPipeline(index, RuleEngine(list(default_rules()), index))
    port = free_port()
    config = replace(Config(http_listen=f"127.0.0.1:{port}"),
                     sources=(SourceSettings(str(recording)),))  # fmt: skip
    service = Service(config, pipeline, [FileSource(str(recording))], live=False)
    answers: list[tuple[int, str] | str] = []

    def scrape_during_the_step() -> None:
        try:
            pipeline.entered.wait(60)
            try:
                answers.append(http(f"http://127.0.0.1:{port}/metrics"))
            except OSError as exc:
                answers.append(f"no answer: {exc}")
        finally:
            pipeline.released.set()

    scraper = threading.Thread(target=scrape_during_the_step)
    scraper.start()
    await service.run()
    scraper.join()
    assert len(answers) == 1 and not isinstance(answers[0], str), answers
    code, text = answers[0]
    assert code == 200 and "mda_bad_input_total" in text
