"""The split of a PCN's £ between its practices on the Payment page (D62), on the demo."""

from decimal import Decimal
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from iif_core import report
from iif_core.store import Store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180  # a guard for one run on a busy machine (AppTest returns when the run ends)


def _open() -> AppTest:
    """The Payment page at PCN level, where the split is drawn under the projection."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/payment.py").run()
    at.segmented_control(key="level").set_value("pcn").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _split_table(at: AppTest) -> pd.DataFrame:
    found = [t.value for t in at.dataframe if "payment_share" in t.value.columns]
    assert len(found) == 1
    return found[0]


def _pence(value) -> int:
    return int(Decimal(repr(float(value))).scaleb(2).quantize(Decimal(1)))


def _network_pence(demo_db: Path, pcn: str, period) -> int:
    """The PCN's £ earned as scored and stored, to the nearest penny: the Payment page's total."""
    store = Store(demo_db)
    scored = store.scored(store.years()[-1], "pcn", pcn)
    rows = scored[(scored["level"] == "pcn") & (scored["org_code"] == pcn)]
    rows = rows[pd.to_datetime(rows["period_end"]) == pd.Timestamp(period)]
    exact = sum(Decimal(float(v)) for v in rows["payment_achieved"].fillna(0))
    return int((exact * 100).quantize(Decimal(1)))


def _written(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption, *at.info]).replace("\\", "")


def test_the_demo_pcns_split_adds_up_to_its_money(demo_db):
    at = _open()
    pcn, period = at.selectbox(key="org_pcn").value, at.selectbox(key="period_end").value
    network = _network_pence(demo_db, pcn, period)
    assert network > 0
    for method in report.SPLIT_METHODS:
        at.radio(key="split_method").set_value(method).run()
        assert not at.exception, [e.value for e in at.exception]
        table = _split_table(at)
        practices, total = table.iloc[:-1], table.iloc[-1]
        assert total["practice_name"] == "Network total"
        shares = [_pence(v) for v in practices["payment_share"]]
        assert sum(shares) == _pence(total["payment_share"]) == network
        assert min(shares) >= 0
        projected = [_pence(v) for v in practices["projected_share"]]
        assert sum(projected) == _pence(total["projected_share"])
    assert "shared between" in _written(at)
    assert "How the split is worked out" in [e.label for e in at.expander]


def test_a_mix_moves_with_its_slider_between_the_pure_splits(demo_db):
    at = _open()
    by_size = _split_table(at)["payment_share"].tolist()
    at.radio(key="split_method").set_value("contribution").run()
    by_contribution = _split_table(at)["payment_share"].tolist()
    assert by_size != by_contribution  # the demo PCN's practices contribute unevenly
    at.radio(key="split_method").set_value("mix").run()
    for percent, pure in ((100, by_size), (0, by_contribution)):
        at.slider(key="split_list_size_percent").set_value(percent).run()
        assert not at.exception, [e.value for e in at.exception]
        assert _split_table(at)["payment_share"].tolist() == pure
    at.slider(key="split_list_size_percent").set_value(50).run()
    assert "50% of each indicator's £ is split by list size and 50% by contribution." in (
        _written(at)
    )
