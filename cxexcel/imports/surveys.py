"""Survey tools' response exports -> Responses: Delighted, SurveyMonkey
(two header rows, answer labels, US dates), Qualtrics (three header rows),
Typeform and HubSpot feedback submissions.

A question is told apart by its wording: "How likely ... recommend" is NPS
(0-10), "satisfied" CSAT (answer labels 1-5: "Very satisfied" is 5), "easy"
or "effort" CES (agreement labels 1-7: "Strongly agree" is 7); the first
open question ("why", "comment", "tell us", "anything else" ...) the
comment. An answer label no rule knows is left as it is, so the check
names its cell.
"""

from __future__ import annotations

import json
import re

import numpy as np

from ..tables.profiles import Profile, register
from ..tables.reading import Reading
from ..tables.sources import RawTable
from ._common import cells, column_of, converted, plural, refuse, score_labels

CSAT_LABELS = {
    "very satisfied": 5,
    "extremely satisfied": 5,
    "completely satisfied": 5,
    "satisfied": 4,
    "somewhat satisfied": 4,
    "moderately satisfied": 4,
    "neither satisfied nor dissatisfied": 3,
    "neutral": 3,
    "somewhat dissatisfied": 2,
    "moderately dissatisfied": 2,
    "dissatisfied": 2,
    "very dissatisfied": 1,
    "extremely dissatisfied": 1,
    "completely dissatisfied": 1,
}
CES_LABELS = {
    "strongly agree": 7,
    "agree": 6,
    "somewhat agree": 5,
    "neither agree nor disagree": 4,
    "somewhat disagree": 3,
    "disagree": 2,
    "strongly disagree": 1,
}
NPS_LABELS = {"not at all likely": 0, "extremely likely": 10}

_NPS = re.compile(r"how likely.*recommend|likely to recommend|\bnps\b", re.IGNORECASE)
_CSAT = re.compile(r"satisf", re.IGNORECASE)
_CES = re.compile(r"\beas(y|e|ier)\b|effort", re.IGNORECASE)
_OPEN = re.compile(
    r"\bwhy\b|comment|tell us|anything else|feedback|reason|improve|suggest", re.IGNORECASE
)
_EMAIL = ("Email Address", "Email", "RecipientEmail", "Recipient Email", "E-mail", "Contact email")


def _classify(questions: list[tuple[int, str]], skip: set) -> dict[str, int]:
    """score column / comment -> position, from (position, question text)."""
    found: dict[str, int] = {}
    for position, text in questions:
        if position in skip or not text:
            continue
        for name, rule in (("nps", _NPS), ("ces", _CES), ("csat", _CSAT)):
            if name not in found and rule.search(text):
                found[name] = position
                break
        else:
            if "comment" not in found and _OPEN.search(text):
                found["comment"] = position
    return found


def _responses(
    raw: RawTable,
    tool: str,
    rows: np.ndarray,
    date: int | None,
    scores: dict[str, int],
    reading: Reading,
    dropped: str = "",
) -> RawTable:
    if date is None:
        raise refuse(raw, f"{tool} export without a date column", "Responses")
    if not any(name in scores for name in ("nps", "csat", "ces")):
        raise refuse(
            raw,
            f"{tool} export with no NPS, satisfaction or effort question recognised "
            "(a question asking how likely to recommend, how satisfied, or how easy); "
            "name its column in a mapping file (--map)",
            "Responses",
        )
    columns: dict[str, tuple[int | None, object]] = {"date": (date, cells(raw, date, rows))}
    labels = {"nps": NPS_LABELS, "csat": CSAT_LABELS, "ces": CES_LABELS}
    for name in ("nps", "csat", "ces"):
        if name in scores:
            columns[name] = (
                scores[name],
                score_labels(cells(raw, scores[name], rows), labels[name]),
            )
    for name in ("customer_id", "segment", "comment"):
        if name in scores:
            columns[name] = (scores[name], cells(raw, scores[name], rows))
    answered = len(rows)
    used = ", ".join(
        f"{name}: {_short(raw.header[pos])}"
        for name, pos in scores.items()
        if name in ("nps", "csat", "ces")
    )
    note = (
        f"{raw.place.label}: {tool} export -> Responses, {plural(answered, 'response')} "
        f"({used}){dropped}"
    )
    return converted(raw, "Responses", columns, rows=rows, note=note, reading=reading)


def _short(text) -> str:
    text = " ".join(str(text).split())
    return f'"{text}"' if len(text) <= 50 else f'"{text[:47]}..."'


# -- Delighted ------------------------------------------------------------------


def _delighted(raw: RawTable) -> RawTable:
    header = raw.header
    date = column_of(header, "Response timestamp", "Created at", "Created", "Date", "Timestamp")
    scores = {"nps": column_of(header, "Score"), "comment": column_of(header, "Comment")}
    email = column_of(header, *_EMAIL, "Person ID")
    if email is not None:
        scores["customer_id"] = email
    segment = column_of(header, "Segment", "Plan", "Properties: Segment", "Properties: Plan")
    if segment is not None:
        scores["segment"] = segment
    rows = np.arange(len(raw.body))
    return _responses(raw, "Delighted", rows, date, scores, raw.reading)


# -- SurveyMonkey -----------------------------------------------------------------


def _surveymonkey_shape(rows: list) -> bool:
    # The second header row: blank under the respondent columns, "Response",
    # "Open-Ended Response" or answer options under the questions.
    return len(rows) > 1 and any(
        str(c).strip() in ("Response", "Open-Ended Response") for c in rows[1]
    )


def _surveymonkey(raw: RawTable) -> RawTable:
    header = raw.header
    second = raw.body.iloc[0].tolist() if len(raw.body) else []
    two_rows = any(str(c).strip() in ("Response", "Open-Ended Response") for c in second)
    # A question spanning several columns names only its first; carry it on.
    questions, current = [], ""
    for position, cell in enumerate(header):
        text = "" if cell is None or str(cell).startswith("Unnamed") else str(cell).strip()
        current = text or current
        sub = str(second[position]).strip() if two_rows and position < len(second) else ""
        if sub in ("", "Response", "Open-Ended Response"):
            questions.append((position, current if (text or sub) else ""))
    fixed = {
        column_of(header, name)
        for name in (
            "Respondent ID",
            "Collector ID",
            "Start Date",
            "End Date",
            "IP Address",
            "Email Address",
            "First Name",
            "Last Name",
            "Custom Data 1",
        )
    }
    scores = _classify(questions, fixed)
    email = column_of(header, "Email Address", "Custom Data 1")
    if email is not None and _any_filled(raw, email):
        scores["customer_id"] = email
    rows = np.arange(1 if two_rows else 0, len(raw.body))
    # SurveyMonkey writes dates as the US writes them: 01/04/2024 10:00:23 AM.
    first = raw.reading.day_first
    reading = Reading(
        day_first=False if first is None else first,
        date_format=raw.reading.date_format,
        decimal=raw.reading.decimal,
    )
    date = column_of(header, "End Date", "Start Date")
    return _responses(raw, "SurveyMonkey", rows, date, scores, reading)


def _any_filled(raw: RawTable, position: int) -> bool:
    values = raw.body[position]
    return bool(values.map(lambda v: v is not None and str(v).strip() not in ("", "nan")).any())


# -- Qualtrics --------------------------------------------------------------------


def _import_id(cell) -> bool:
    text = str(cell).strip()
    if not text.startswith("{"):
        return False
    try:
        return "ImportId" in json.loads(text)
    except ValueError:
        return False


def _qualtrics(raw: RawTable) -> RawTable:
    header = raw.header
    body = raw.body
    # Row 2: the question texts; row 3 (exports since 2017): {"ImportId": ...}.
    texts = body.iloc[0].tolist() if len(body) else []
    third = len(body) > 1 and any(_import_id(c) for c in body.iloc[1].tolist())
    start = 2 if third else 1
    keys = [str(h).strip() for h in header]
    nps_groups = {k[: -len("_NPS_GROUP")] for k in keys if k.endswith("_NPS_GROUP")}
    fixed = set(range(len(header)))
    questions = []
    for position, key in enumerate(keys):
        if re.match(r"^(Q|QID)?\d|^Q\w", key) and not key.endswith(("_NPS_GROUP", "_TEXT")):
            fixed.discard(position)
            questions.append((position, str(texts[position]) if position < len(texts) else ""))
    scores = {}
    for position, key in enumerate(keys):
        if key in nps_groups:
            scores["nps"] = position
    scores.update(
        {k: v for k, v in _classify(questions, {scores.get("nps")}).items() if k not in scores}
    )
    if "comment" not in scores:
        typed = [i for i, k in enumerate(keys) if k.endswith("_TEXT")]
        if typed:
            scores["comment"] = typed[0]
    email = column_of(header, "RecipientEmail", "ExternalReference", "ExternalDataReference")
    if email is not None and _any_filled(raw, email):
        scores["customer_id"] = email
    rows = np.arange(start, len(body))
    dropped = 0
    finished = column_of(header, "Finished")
    status = column_of(header, "Status")
    keep = np.ones(len(rows), dtype=bool)
    if finished is not None:
        values = cells(raw, finished, rows)
        keep &= np.array([str(v).strip().casefold() not in ("false", "0") for v in values])
    if status is not None:
        values = cells(raw, status, rows)
        # 1 Survey Preview, 2 Survey Test, 8 Spam (Qualtrics' codes or labels).
        refused = {"survey preview", "survey test", "spam", "1", "2", "8"}
        keep &= np.array([str(v).strip().casefold() not in refused for v in values])
    dropped = int((~keep).sum())
    rows = rows[keep]
    date = column_of(header, "RecordedDate", "EndDate", "StartDate")
    extra = f"; {plural(dropped, 'unfinished or preview response')} left out" if dropped else ""
    return _responses(raw, "Qualtrics", rows, date, scores, raw.reading, extra)


# -- Typeform ---------------------------------------------------------------------


def _typeform(raw: RawTable) -> RawTable:
    header = raw.header
    fixed = {
        column_of(header, name)
        for name in (
            "#",
            "Start Date (UTC)",
            "Submit Date (UTC)",
            "Stage Date (UTC)",
            "Network ID",
            "Tags",
        )
    }
    questions = [(i, str(h)) for i, h in enumerate(header) if h is not None]
    email = column_of(header, "customer_id", "email", "Email", "user_id")
    segment = column_of(header, "segment", "plan")
    skip = fixed | {email, segment}
    scores = _classify(questions, skip)
    if email is not None:
        scores["customer_id"] = email
    if segment is not None:
        scores["segment"] = segment
    rows = np.arange(len(raw.body))
    date = column_of(header, "Submit Date (UTC)", "Start Date (UTC)")
    return _responses(raw, "Typeform", rows, date, scores, raw.reading)


# -- HubSpot feedback -------------------------------------------------------------


def _hubspot_feedback(raw: RawTable) -> RawTable:
    header = raw.header
    kind = column_of(header, "Survey type")
    rating = column_of(header, "Rating", "Response value", "Score", "Value")
    date = column_of(
        header, "Submitted at", "Submission date", "Submission timestamp", "Create date"
    )
    if rating is None:
        raise refuse(raw, "HubSpot feedback export without a Rating column", "Responses")
    kinds = [str(v).strip().casefold() for v in cells(raw, kind)]
    values = cells(raw, rating)
    n = len(values)
    columns: dict[str, tuple[int | None, object]] = {"date": (date, cells(raw, date))}
    counts = {}
    for name, words in (
        ("nps", ("nps", "net promoter")),
        ("csat", ("csat", "customer satisfaction")),
        ("ces", ("ces", "customer effort")),
    ):
        mine = np.array([any(w in k for w in words) for k in kinds], dtype=bool)
        if mine.any():
            labels = {"nps": NPS_LABELS, "csat": CSAT_LABELS, "ces": CES_LABELS}[name]
            scored = score_labels(values, labels)
            columns[name] = (rating, np.where(mine, scored, None))
            counts[name] = int(mine.sum())
    if not counts:
        raise refuse(
            raw,
            "HubSpot feedback export whose Survey type names no NPS, CSAT or CES survey",
            "Responses",
        )
    other = n - sum(counts.values())
    for name, names in (
        ("customer_id", ("Contact email", "Email", "Contact ID")),
        ("comment", ("Response", "Feedback", "Comment")),
    ):
        position = column_of(header, *names)
        if position is not None:
            columns[name] = (position, cells(raw, position))
    rows = np.arange(n)
    keep = np.array([any(columns[s][1][i] is not None for s in counts) for i in range(n)])
    rows = rows[keep]
    columns = {k: (p, np.asarray(list(v), dtype=object)[keep]) for k, (p, v) in columns.items()}
    split = ", ".join(f"{c:,} {s.upper()}" for s, c in counts.items())
    left = f"; {plural(other, 'response')} of other survey types left out" if other else ""
    note = f"{raw.place.label}: HubSpot feedback export -> Responses, {plural(len(rows), 'response')} ({split}){left}"
    return converted(raw, "Responses", columns, rows=rows, note=note)


register(Profile("Delighted export", "Responses", ("Response ID", "Score", "Comment"), _delighted))
register(
    Profile(
        "SurveyMonkey export",
        "Responses",
        ("Respondent ID", "Collector ID", "Start Date", "End Date"),
        _surveymonkey,
        priority=1,
        shape=_surveymonkey_shape,
    )
)
register(
    Profile(
        "Qualtrics export",
        "Responses",
        ("StartDate", "EndDate", "ResponseId", "Finished"),
        _qualtrics,
        priority=1,
    )
)
register(Profile("Typeform export", "Responses", ("#", "Submit Date (UTC)"), _typeform, priority=1))
register(
    Profile(
        "HubSpot feedback export",
        "Responses",
        ("Survey type", "Rating", "Sentiment"),
        _hubspot_feedback,
    )
)
