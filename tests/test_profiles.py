"""The import-profile registry: an export recognised by its header becomes an input table."""

from __future__ import annotations

import pandas as pd
import pytest

from cxexcel.errors import SourceError
from cxexcel.tables import profiles, read_tables
from cxexcel.tables.sources import FilePlace, RawTable


def _to_responses(raw: RawTable) -> RawTable:
    """A toy survey export: 'Submitted' and 'Rating' become date and nps."""
    renames = {"submitted": "date", "rating": "nps"}
    header = [renames.get(str(cell).casefold(), cell) for cell in raw.header]
    place = FilePlace("Responses", raw.place.label, 2, 1, raw.place.origin)
    converted = RawTable("Responses", header, raw.body, place, notes=list(raw.notes))
    converted.notes.append(f"{raw.place.label}: Toy survey export -> Responses")
    return converted


@pytest.fixture
def toy_profile():
    profile = profiles.register(
        profiles.Profile("Toy survey export", "Responses", ("Submitted", "Rating"), _to_responses)
    )
    yield profile
    profiles._PROFILES.remove(profile)


def test_a_file_named_after_nothing_is_read_by_its_header(tmp_path, toy_profile):
    (tmp_path / "export-2025.csv").write_text("Submitted,Rating\n2025-01-03,9\n2025-01-04,3\n")
    notes: list[str] = []
    tables = read_tables(tmp_path, notes=notes)
    assert tables["Responses"]["nps"].tolist() == [9.0, 3.0]
    assert notes == ["export-2025.csv: Toy survey export -> Responses"]


def test_a_named_file_in_cxexcels_shape_is_not_converted(tmp_path, toy_profile):
    (tmp_path / "Responses.csv").write_text("date,nps,Submitted,Rating\n2025-01-03,9,x,y\n")
    notes: list[str] = []
    assert read_tables(tmp_path, notes=notes)["Responses"]["nps"].tolist() == [9.0]
    assert notes == []


def test_the_most_specific_profile_wins(toy_profile):
    wider = profiles.register(
        profiles.Profile("Wider", "Responses", ("Submitted", "Rating", "Email"), _to_responses)
    )
    try:
        assert profiles.recognise(["submitted", "RATING"]) is toy_profile
        assert profiles.recognise(["Submitted", "Rating", "e-mail"]) is wider
        assert profiles.recognise(["Submitted"]) is None
    finally:
        profiles._PROFILES.remove(wider)


def test_dataframes_under_other_keys_are_recognised(toy_profile):
    frame = pd.DataFrame({"Submitted": ["2025-01-03"], "Rating": [10]})
    assert read_tables({"survey": frame})["Responses"]["nps"].tolist() == [10.0]


def test_an_unknown_file_given_by_name_says_what_it_is_not(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SourceError, match="names no input table and its columns are not an export"):
        read_tables(path)
