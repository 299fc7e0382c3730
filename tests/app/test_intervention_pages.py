"""Interventions on Trends (decisions.md D63): marked through the page's form, drawn on the trend
and SPC charts as numbered lines, listed escaped with a remove button, and seen or marked only
as the session's scope allows."""

import json
from datetime import date

import pandas as pd
import pyarrow as pa
import pytest
from test_access_pages import app_as
from test_pages import BRACKENFORD_TOWN, no_exception, open_app, plain

from iif_core import report
from iif_core.access import Grant
from iif_core.store import Store
from ui import charts, interventions

SUBMIT = "FormSubmitter:intervention_form-Mark it"
HOSTILE = "Recall <b>letters</b> sent ![x](http://example.com/x.png)"
ADMIN, PCN_MANAGER = "boss@nhs.net", "pm@nhs.net"
OTHER_PCN = "U22888"  # Hartmouth Central PCN, not Brackenford Town's


def chart_rows(at) -> list[list[dict]]:
    """For each chart on the page, in order, the rows of its intervention layers (those with a
    `note` column), read from the datasets Streamlit sends to the browser."""
    found = []
    for chart in at.get("vega_lite_chart"):
        rows = []
        spec = json.loads(chart.proto.spec)
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all()
            if "note" in table.column_names:
                rows += table.to_pandas().to_dict("records")
        for layer in spec.get("layer", []):  # and inline data, should a chart carry its own
            rows += [r for r in layer.get("data", {}).get("values", []) if "note" in r]
        found.append(rows)
    return found


def mark(at, when: date, note: str, indicator: str | None = None):
    at.date_input(key=interventions.DATE_KEY).set_value(when)
    at.text_input(key=interventions.NOTE_KEY).input(note)
    if indicator is not None:
        keyed = [s for s in at.selectbox if (s.key or "").startswith(interventions.INDICATOR_KEY)]
        keyed[0].set_value(indicator)
    return at.button(key=SUBMIT).click().run()


def listed(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**") and ":gray[On " in m.value]


def test_marking_on_trends_draws_it_on_both_charts_and_lists_it_escaped(demo_db):
    at = open_app("trends", "pcn")
    no_exception(at)
    version = Store(demo_db).version()
    assert chart_rows(at) == [[], []]  # the trend and the SPC chart, nothing marked yet
    assert "No interventions are marked on this trend yet" in plain(
        " ".join(c.value for c in at.caption)
    )
    at.text_input(key="who").input("JS")  # locally, the name typed in, as uploads keep it
    mark(at, date(2026, 10, 15), HOSTILE)
    no_exception(at)
    assert [s.value for s in at.success] and not at.error
    trend, spc = chart_rows(at)
    assert [r["note"] for r in trend] == [HOSTILE] and [r["note"] for r in spc] == [HOSTILE]
    drawn = trend[0]
    assert drawn["day"] == "15 Oct 2026" and drawn["who"] == "JS" and drawn["number"] == 1
    assert (
        pd.Timestamp(drawn["month"])
        == report.intervention_marks(Store(demo_db).interventions(), {})["month"].iloc[0]
    )
    assert drawn["on"] == "Brackenford Town PCN (U54335)" and drawn["indicator"] == "HI-03"
    # in the list the note is text: every Markdown and HTML character escaped
    (line,) = listed(at)
    assert "<b>" not in line and "](" not in line and r"\<b\>" in line
    assert "Purple lines: the interventions marked" in plain(" ".join(c.value for c in at.caption))
    stored = Store(demo_db).interventions()
    assert stored[["org_code", "indicator_code", "note", "added_by"]].values.tolist() == [
        [BRACKENFORD_TOWN, "HI-03", HOSTILE, "JS"]
    ]
    assert Store(demo_db).version() == version  # not a figure: no cache of figures is stale

    # another indicator's trend does not show it; one marked on every indicator shows there too
    at.segmented_control(key="indicator").set_value("CAN-04").run()
    assert chart_rows(at)[0] == []
    mark(at, date(2026, 7, 1), "Extra clinic", interventions.EVERY_INDICATOR)
    assert [r["note"] for r in chart_rows(at)[0]] == ["Extra clinic"]
    at.segmented_control(key="indicator").set_value("HI-03").run()
    assert [r["note"] for r in chart_rows(at)[0]] == ["Extra clinic", HOSTILE]  # by date

    # a member practice's trend shows its PCN's: the PCN's work reaches its practices
    at.segmented_control(key="level").set_value("practice").run()
    assert [r["note"] for r in chart_rows(at)[0]] == ["Extra clinic", HOSTILE]

    # removing takes it off the charts; the store keeps it, marked removed
    at.segmented_control(key="level").set_value("pcn").run()
    (hostile_id,) = stored["intervention_id"].tolist()
    at.button(key=f"remove_intervention_{hostile_id}").click().run()
    no_exception(at)
    assert [r["note"] for r in chart_rows(at)[0]] == ["Extra clinic"]
    kept = Store(demo_db).interventions(with_removed=True).set_index("intervention_id")
    assert kept.loc[hostile_id, "removed_by"] == "JS"


def test_a_wrong_note_is_refused_in_words_and_the_page_goes_on(demo_db):
    at = open_app("trends", "pcn")
    mark(at, date(2026, 10, 15), "   ")
    no_exception(at)
    assert any("Write what was done" in plain(e.value) for e in at.error)
    assert Store(demo_db).interventions(with_removed=True).empty
    assert chart_rows(at) == [[], []]


@pytest.fixture
def hosted(demo_db, monkeypatch):
    store = Store(demo_db)
    for grant in (Grant(ADMIN, "admin", None, True),
                  Grant(PCN_MANAGER, "pcn", BRACKENFORD_TOWN, True)):  # fmt: skip
        store.add_grant(grant, who="test")
    store.add_intervention(BRACKENFORD_TOWN, date(2026, 9, 10), "Ours", who=ADMIN)
    store.add_intervention(OTHER_PCN, date(2026, 9, 10), "Theirs", who=ADMIN)
    store.close()
    monkeypatch.setenv("IIF_MODE", "hosted")
    return demo_db


def test_hosted_a_pcn_manager_sees_their_pcns_and_cannot_mark_or_remove(hosted):
    at = app_as(PCN_MANAGER)
    at.switch_page("pages/trends.py").run()
    no_exception(at)
    assert [r["note"] for r in chart_rows(at)[0]] == ["Ours"]
    assert not [b for b in at.button if (b.key or "").startswith("remove_intervention_")]
    assert not [t for t in at.text_input if t.key == interventions.NOTE_KEY]
    assert "marked by someone who can upload figures" in " ".join(c.value for c in at.caption)


def test_hosted_an_admin_marks_as_themselves(hosted):
    at = app_as(ADMIN)
    at.switch_page("pages/trends.py").run()
    at.selectbox(key="org_pcn").set_value(BRACKENFORD_TOWN).run()
    assert [r["note"] for r in chart_rows(at)[0]] == ["Ours"]
    assert not [t for t in at.text_input if t.key == "who"]  # the email is who
    mark(at, date(2026, 10, 1), "Text reminders")
    assert [r["who"] for r in chart_rows(at)[0]] == [ADMIN, ADMIN]
    trail = Store(hosted).audit(action="intervention")
    assert trail["who"].iloc[0] == ADMIN and trail["org_code"].iloc[0] == BRACKENFORD_TOWN


# --- the charts ----------------------------------------------------------------------------------


def test_the_spc_chart_draws_only_the_interventions_within_its_months():
    from test_ui import spc_table

    table = spc_table()
    months = pd.to_datetime(table["period_end"])
    inside, outside = months.min() + pd.Timedelta(days=40), months.max() + pd.Timedelta(days=120)
    frame = pd.DataFrame({
        "intervention_id": [1, 2], "org_code": ["U1", "U1"], "indicator_code": [None, None],
        "intervention_date": [inside.date(), outside.date()], "note": ["in", "out"],
        "added_by": ["A", None],
    })  # fmt: skip
    marks = report.intervention_marks(frame, {})
    spec = charts.spc_chart(table, 15.0, interventions=marks).to_dict()
    notes = [row["note"] for rows in spec["datasets"].values() for row in rows if "note" in row]
    assert notes == ["in"]  # one dataset for the line and its label
    plain_spec = charts.spc_chart(table, 15.0).to_dict()
    assert len(spec["layer"]) == len(plain_spec["layer"]) + 3  # line, label halo, label
