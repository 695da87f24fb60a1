"""Realistic generated exports, written as each tool writes them (header
spellings, value formats, quirks), with the values they hold, so that tests
can compute the expected figures independently."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime, timedelta

NPS_Q = "How likely is it that you would recommend Acme to a friend or colleague?"
CSAT_Q = "Overall, how satisfied or dissatisfied are you with our support?"
WHY_Q = "Why did you give that score?"
CSAT_WORDS = {
    5: "Very satisfied",
    4: "Somewhat satisfied",
    3: "Neither satisfied nor dissatisfied",
    2: "Somewhat dissatisfied",
    1: "Very dissatisfied",
}


def _csv(rows, delimiter=",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def answers(n: int, seed: int):
    """(when, nps, csat, email) of n responses in January-March 2024."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 8)
    out = []
    for i in range(n):
        when = start + timedelta(hours=rng.randrange(0, 24 * 90), minutes=rng.randrange(60))
        out.append(
            (when, rng.choice(range(11)), rng.choice(range(1, 6)), f"user{i % 40}@example.com")
        )
    return out


def surveymonkey(data) -> str:
    """SurveyMonkey's "All responses, condensed" CSV: two header rows, US
    dates with AM/PM, CSAT as answer labels."""
    fixed = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ]
    rows = [
        fixed + [NPS_Q, CSAT_Q, WHY_Q],
        [""] * 9 + ["Response", "Response", "Open-Ended Response"],
    ]
    for i, (when, nps, csat, email) in enumerate(data):
        stamp = when.strftime("%m/%d/%Y %I:%M:%S %p")
        rows.append(
            [
                str(11400000000 + i),
                "404000000",
                stamp,
                stamp,
                "203.0.113.9",
                email,
                "",
                "",
                "",
                str(nps),
                CSAT_WORDS[csat],
                "fine" if i % 3 else "",
            ]
        )
    return _csv(rows)


def qualtrics(data) -> str:
    """Qualtrics' CSV with choice text: three header rows, an NPS group
    column, one preview and one unfinished response to leave out."""
    keys = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
        "Q1",
        "Q1_NPS_GROUP",
        "Q2",
        "Q3",
    ]
    texts = [
        "Start Date",
        "End Date",
        "Response Type",
        "IP Address",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Recipient Last Name",
        "Recipient First Name",
        "Recipient Email",
        "External Data Reference",
        "Location Latitude",
        "Location Longitude",
        "Distribution Channel",
        "User Language",
        NPS_Q,
        f"{NPS_Q} - Group",
        CSAT_Q,
        WHY_Q,
    ]
    ids = [json.dumps({"ImportId": k if not k.startswith("Q") else f"QID{k[1]}"}) for k in keys]
    rows = [keys, texts, ids]
    qualtrics_csat = {
        5: "Extremely satisfied",
        4: "Somewhat satisfied",
        3: "Neither satisfied nor dissatisfied",
        2: "Somewhat dissatisfied",
        1: "Extremely dissatisfied",
    }
    for i, (when, nps, csat, email) in enumerate(data):
        stamp = when.strftime("%Y-%m-%d %H:%M:%S")
        group = "Promoter" if nps >= 9 else "Passive" if nps >= 7 else "Detractor"
        rows.append(
            [
                stamp,
                stamp,
                "IP Address",
                "",
                "100",
                "63",
                "True",
                stamp,
                f"R_{i:08d}",
                "",
                "",
                email,
                "",
                "",
                "",
                "email",
                "EN",
                str(nps),
                group,
                qualtrics_csat[csat],
                "ok",
            ]
        )
    rows.append(
        ["2024-01-05 10:00:00"] * 2
        + ["Survey Preview", "", "100", "5", "True", "2024-01-05 10:00:00", "R_preview"]
        + [""] * 8
        + ["0", "Detractor", "", ""]
    )
    rows.append(
        ["2024-01-06 10:00:00"] * 2
        + ["IP Address", "", "40", "5", "False", "2024-01-06 10:00:00", "R_partial"]
        + [""] * 8
        + ["1", "Detractor", "", ""]
    )
    return _csv(rows)


def delighted(data) -> str:
    rows = [["Response ID", "Email", "Name", "Score", "Comment", "Response timestamp", "Tags"]]
    for i, (when, nps, _, email) in enumerate(data):
        rows.append(
            [
                str(9000 + i),
                email,
                "",
                str(nps),
                "great" if nps > 8 else "",
                when.strftime("%Y-%m-%d %H:%M:%S -0800"),
                "",
            ]
        )
    return _csv(rows)


def typeform(data) -> str:
    rows = [
        ["#", NPS_Q, WHY_Q, "customer_id", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
    ]
    for i, (when, nps, _, email) in enumerate(data):
        stamp = when.strftime("%Y-%m-%d %H:%M:%S")
        rows.append([f"tok{i:06x}", str(nps), "", email, stamp, stamp, "abc123"])
    return _csv(rows)


def hubspot_feedback(data) -> str:
    rows = [
        [
            "Submitted at",
            "Survey name",
            "Survey type",
            "Rating",
            "Sentiment",
            "Response",
            "Contact email",
        ]
    ]
    for i, (when, nps, csat, email) in enumerate(data):
        if i % 2:
            rows.append(
                [
                    when.strftime("%Y-%m-%d %H:%M"),
                    "NPS Q1",
                    "NPS",
                    str(nps),
                    "Promoter" if nps >= 9 else "Passive" if nps >= 7 else "Detractor",
                    "",
                    email,
                ]
            )
        else:
            rows.append(
                [
                    when.strftime("%Y-%m-%d %H:%M"),
                    "Support CSAT",
                    "Customer Satisfaction",
                    str(csat),
                    "",
                    "",
                    email,
                ]
            )
    return _csv(rows)


def campaigns(n: int, seed: int):
    """(send time, delivered, unique opens, unique clicks) of n campaigns."""
    rng = random.Random(seed)
    out = []
    for _i in range(n):
        when = datetime(2024, 1, 2, 10) + timedelta(
            days=rng.randrange(0, 60), minutes=rng.randrange(0, 600)
        )
        delivered = rng.randrange(800, 5000)
        opens = rng.randrange(100, delivered // 2)
        clicks = rng.randrange(5, opens // 3)
        out.append((when, delivered, opens, clicks))
    return out


def mailchimp(data) -> str:
    header = [
        "Title",
        "Subject",
        "List",
        "Send Date",
        "Send Weekday",
        "Total Recipients",
        "Successful Deliveries",
        "Soft Bounces",
        "Hard Bounces",
        "Total Bounces",
        "Times Forwarded",
        "Forwarded Opens",
        "Unique Opens",
        "Open Rate",
        "Total Opens",
        "Unique Clicks",
        "Click Rate",
        "Total Clicks",
        "Unsubscribes",
        "Abuse Complaints",
        "Times Liked on Facebook",
        "Folder Id",
        "Unique Id",
    ]
    rows = [header]
    for i, (when, delivered, opens, clicks) in enumerate(data):
        rows.append(
            [
                f"Newsletter {i}",
                "News",
                "Customers",
                when.strftime("%b %d, %Y %I:%M %p").replace("AM", "am").replace("PM", "pm"),
                when.strftime("%A"),
                str(delivered + 12),
                str(delivered),
                "7",
                "5",
                "12",
                "0",
                "0",
                str(opens),
                f"{100 * opens / delivered:.2f}%",
                str(opens * 2),
                str(clicks),
                f"{100 * clicks / delivered:.2f}%",
                str(clicks + 3),
                "2",
                "0",
                "0",
                "",
                f"abc{i}",
            ]
        )
    return _csv(rows)


def ga4(days: int, seed: int):
    rng = random.Random(seed)
    return [
        (
            datetime(2024, 1, 1) + timedelta(days=d),
            rng.randrange(100, 300),
            rng.randrange(150, 600),
            rng.uniform(60, 400),
        )
        for d in range(days)
    ]


def ga4_csv(data) -> str:
    lines = [
        "# ----------------------------------------",
        "# Engagement overview",
        "# Account: Acme",
        "# Property: Acme web",
        "# ----------------------------------------",
        "#",
        "# Start date: 20240101",
        f"# End date: {data[-1][0]:%Y%m%d}",
        "Date,Active users,Sessions,Average session duration",
    ]
    for day, users, sessions, seconds in data:
        lines.append(f"{day:%Y%m%d},{users},{sessions},{seconds:.6f}")
    lines += [
        "",
        "# ----------------------------------------",
        "# Second table",
        "Country,Active users",
        "France,12",
    ]
    return "\n".join(lines) + "\n"


def orders(seed: int):
    """Orders: (name, email, status, created, currency, line items [(qty, price)], refunded, cancelled)."""
    rng = random.Random(seed)
    out = []
    statuses = ["paid"] * 8 + ["partially_refunded", "refunded", "voided", "pending"]
    for i in range(60):
        status = rng.choice(statuses)
        items = [
            (rng.randrange(1, 3), round(rng.uniform(5, 80), 2)) for _ in range(rng.randrange(1, 4))
        ]
        total = round(sum(q * p for q, p in items) + 4.99, 2)
        refunded = {"partially_refunded": round(total / 3, 2), "refunded": total}.get(status, 0)
        email = "" if i % 17 == 5 else f"buyer{i % 15}@example.com"
        created = datetime(2024, 1, 1) + timedelta(hours=rng.randrange(0, 24 * 120))
        out.append((f"#{1001 + i}", email, status, created, "USD", items, refunded, total))
    return out


def shopify(data) -> str:
    header = [
        "Name",
        "Email",
        "Financial Status",
        "Paid at",
        "Fulfillment Status",
        "Fulfilled at",
        "Accepts Marketing",
        "Currency",
        "Subtotal",
        "Shipping",
        "Taxes",
        "Total",
        "Discount Code",
        "Discount Amount",
        "Shipping Method",
        "Created at",
        "Lineitem quantity",
        "Lineitem name",
        "Lineitem price",
        "Lineitem compare at price",
        "Lineitem sku",
        "Lineitem requires shipping",
        "Lineitem taxable",
        "Lineitem fulfillment status",
        "Billing Name",
        "Cancelled at",
        "Payment Method",
        "Refunded Amount",
        "Vendor",
        "Id",
        "Tags",
        "Risk Level",
        "Source",
        "Phone",
    ]
    rows = [header]
    for name, email, status, created, currency, items, refunded, total in data:
        stamp = created.strftime("%Y-%m-%d %H:%M:%S -0500")
        for k, (qty, price) in enumerate(items):
            if k == 0:
                rows.append(
                    [
                        name,
                        email,
                        status,
                        stamp,
                        "fulfilled",
                        stamp,
                        "no",
                        currency,
                        f"{total - 4.99:.2f}",
                        "4.99",
                        "0.00",
                        f"{total:.2f}",
                        "",
                        "0.00",
                        "Standard",
                        stamp,
                        str(qty),
                        "Widget",
                        f"{price:.2f}",
                        "",
                        "W-1",
                        "true",
                        "true",
                        "fulfilled",
                        "Ann Buyer",
                        "",
                        "Shopify Payments",
                        f"{refunded:.2f}",
                        "Acme",
                        "5550001",
                        "",
                        "Low",
                        "web",
                        "",
                    ]
                )
            else:
                rows.append(
                    [name, email]
                    + [""] * 14
                    + [str(qty), "Gadget", f"{price:.2f}", "", "G-1", "true", "true", "fulfilled"]
                    + [""] * 10
                )
    return _csv(rows)
