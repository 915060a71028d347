"""Fetch the map page's third-party files again from the npm registry, exactly as committed.

``python -m mda.web.vendoring`` downloads each pinned package with ``npm pack``, refuses it
unless its SHA-512 is the one pinned here (the registry's ``dist.integrity``), and copies the
few files the page uses into ``mda/web/vendor/<package>/``. Run it to check the committed files
(``--check``: compare, write nothing) or after changing a pin; the page itself never reaches the
network.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

VENDOR: Final = Path(__file__).parent / "vendor"


@dataclass(frozen=True, slots=True)
class Pin:
    """One npm package at one version, its tarball's integrity, and the files taken from it."""

    name: str
    version: str
    integrity: str  # sha512-<base64>, as `npm view NAME@VERSION dist.integrity` shows it
    files: tuple[str, ...]  # paths inside the tarball's package/ folder


PINS: Final = (
    Pin("leaflet", "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        ("LICENSE", "dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png",
         "dist/images/layers-2x.png")),
    Pin("world-atlas", "2.0.2",
        "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
        ("LICENSE", "land-50m.json")),
)  # fmt: skip


def target(pin: Pin, member: str) -> Path:
    """Where a file of a package lives in the vendor folder (``dist/`` dropped)."""
    return VENDOR / pin.name / member.removeprefix("dist/")


def fetch(pin: Pin, workdir: Path) -> dict[str, bytes]:
    """The pinned files of a package, from a tarball whose SHA-512 matched the pin."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch vendored files (Debian: apt-get install npm)")
    spec = f"{pin.name}@{pin.version}"
    done = subprocess.run([npm, "pack", spec, "--silent"], cwd=workdir, check=True,
                          capture_output=True, text=True)  # fmt: skip
    tarball = workdir / done.stdout.strip().splitlines()[-1]
    data = tarball.read_bytes()
    found = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if found != pin.integrity:
        raise SystemExit(f"{spec}: the tarball's integrity {found} is not the pinned one")
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in pin.files:
            handle = archive.extractfile(f"package/{member}")
            if handle is None:
                raise SystemExit(f"{spec}: {member} is not a file in the package")
            out[member] = handle.read()
    return out


def main(argv: list[str] | None = None) -> int:
    """Fetch every pin and write (or with ``--check`` compare) its files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    differ = 0
    with tempfile.TemporaryDirectory(prefix="mda-vendor-") as folder:
        for pin in PINS:
            for member, data in fetch(pin, Path(folder)).items():
                path = target(pin, member)
                same = path.exists() and path.read_bytes() == data
                if args.check:
                    differ += not same
                    print(f"{'same' if same else 'DIFFERS'}  {path.relative_to(VENDOR)}")
                elif not same:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    print(f"wrote {path.relative_to(VENDOR)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
