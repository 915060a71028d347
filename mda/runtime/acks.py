"""Officers' acknowledgements: found in whichever pipeline holds the alert."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from mda.alerts.lifecycle import AlertNotFoundError, AlreadyAcknowledgedError
from mda.model import Alert
from mda.pipeline import Pipeline

log = logging.getLogger("mda.runtime")


Refused = Callable[[str, AlreadyAcknowledgedError], None]


def acknowledge_in(
    pipelines: Iterable[Pipeline], alert_id: str, by: str, at: float, note: str | None,
    refused: Refused | None = None,
) -> Alert | None:  # fmt: skip
    """The alert, acknowledged by ``by`` in the pipeline that holds it; None (and a warning)
    when none does (a worker that gave its partition away, an alert already closed). The
    shell then stores and publishes it like any other state change. An alert already
    acknowledged goes to ``refused`` (with the id as the console sent it): only the pipeline
    that holds the alert knows that, so the answer is definite and can be given at once."""
    reason = f"no pipeline here holds {alert_id}"
    for pipeline in pipelines:
        try:
            alert = pipeline.acknowledge(alert_id, by, at, note)
        except AlreadyAcknowledgedError as exc:
            log.warning("acknowledgement by %s: %s", by, exc)
            if refused is not None:
                refused(alert_id, exc)
            return None
        except AlertNotFoundError as exc:
            reason = str(exc)
            continue
        log.info("alert %s acknowledged by %s", alert.alert_id, by)
        return alert
    log.warning("acknowledgement by %s: %s", by, reason)
    return None
