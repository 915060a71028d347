"""Flag state from the MMSI's Maritime Identification Digits, for every kind of station."""

from __future__ import annotations

import pytest

from mda.ingest.flags import flag_of, mid_of, mid_table


@pytest.mark.parametrize(
    ("mmsi", "flag"),
    [
        (636012345, "LR"),  # ship: MIDxxxxxx (Liberia)
        (538001234, "MH"),  # Marshall Islands
        (622123456, "EG"),  # Egypt
        (2320001, "GB"),  # coast station 00MIDxxxx
        (23200012, "GB"),  # group call 0MIDxxxxx
        (111232511, "GB"),  # SAR aircraft 111MIDxxx
        (992321234, "GB"),  # aid to navigation 99MIDxxxx
        (982501234, "IE"),  # craft of a parent ship 98MIDxxxx
        (822412345, "ES"),  # handheld 8MIDxxxxx
    ],
)
def test_flag_from_the_mid_wherever_it_sits(mmsi: int, flag: str) -> None:
    assert flag_of(mmsi) == flag


@pytest.mark.parametrize("mmsi", [970010119, 972123456, 974123456, 0, 1_000_000_000, 100_000_000])
def test_no_flag_for_sart_mob_epirb_or_invalid(mmsi: int) -> None:
    assert flag_of(mmsi) is None or mid_of(mmsi) is None


def test_unallocated_mid_has_no_flag() -> None:
    assert 200 not in mid_table()
    assert flag_of(200_123_456) is None


def test_the_table_is_complete_enough() -> None:
    table = mid_table()
    assert len(table) >= 280
    assert all(201 <= mid <= 775 and len(iso) == 2 for mid, (iso, _) in table.items())
    # Flags that matter in the Red Sea, Gulf of Guinea and Mediterranean.
    for mid, iso in [(403, "SA"), (657, "NG"), (627, "GH"), (247, "IT"), (224, "ES"), (621, "DJ")]:
        assert table[mid][0] == iso
