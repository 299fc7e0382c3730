"""Formulas neutralised: a cell or column name a spreadsheet would run gets an apostrophe."""

import pandas as pd
import pytest

from iif_core.formulas import neutralise_formulas

STARTS = ["=1+1", "+x", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_formulas_are_neutralised():
    frame = pd.DataFrame(
        {"a": ["=1+1", "+x", "-2", "@SUM(A1)", "\tx", "\rx", "ok", None], "n": range(8)}
    )
    safe = neutralise_formulas(frame)
    assert list(safe["a"][:7]) == ["'=1+1", "'+x", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "ok"]
    assert list(safe["n"]) == list(range(8))


@pytest.mark.parametrize("dtype", [object, "string"])
def test_every_formula_start_gets_an_apostrophe_in_text_columns(dtype):
    frame = pd.DataFrame({"a": pd.Series([*STARTS, "ok", "a=b"], dtype=dtype)})
    assert neutralise_formulas(frame)["a"].tolist() == [*("'" + s for s in STARTS), "ok", "a=b"]


def test_column_names_get_one_too():
    frame = pd.DataFrame({name: [1] for name in [*STARTS, "ok"]})
    assert neutralise_formulas(frame).columns.tolist() == [*("'" + s for s in STARTS), "ok"]


def test_numbers_stay_numbers_and_other_values_are_untouched():
    day = pd.Timestamp("2025-09-30")
    frame = pd.DataFrame(
        {
            "n": [-3, 4],
            "x": [-2.5, None],
            "mixed": [-1, day],
            "missing": [None, pd.NA],
            "when": [day, day],
        }
    )
    safe = neutralise_formulas(frame)
    assert safe["n"].tolist() == [-3, 4] and safe["n"].dtype == frame["n"].dtype
    assert safe["x"].iloc[0] == -2.5 and pd.isna(safe["x"].iloc[1])
    assert safe["mixed"].tolist() == [-1, day]
    assert safe["missing"].iloc[0] is None and safe["missing"].iloc[1] is pd.NA
    assert safe["when"].tolist() == [day, day]


def test_the_frame_given_is_left_as_it_was():
    frame = pd.DataFrame({"=a": ["=1"]})
    neutralise_formulas(frame)
    assert frame.columns.tolist() == ["=a"] and frame["=a"].tolist() == ["=1"]


TEXTS = [*STARTS, "ok", "a=b", "", " =1", "'=1", "é=", "＝1", "=", "-", "\t", "\n=1", "💷+1", None]


@pytest.mark.parametrize("safe", [True, False, None])
def test_the_sql_macro_follows_the_same_rule(safe):
    """`spreadsheet_text` neutralises in SQL what `neutralise_formulas` does in pandas, and only
    while `spreadsheet_safe` is true."""
    import duckdb

    from iif_core.formulas import _neutralise, spreadsheet_text_macro

    with duckdb.connect() as con:
        con.execute(spreadsheet_text_macro())
        if safe is not None:
            con.execute("SET VARIABLE spreadsheet_safe = $safe", {"safe": safe})
        got = [con.execute("SELECT spreadsheet_text($t::VARCHAR)", {"t": t}).fetchone()[0]
               for t in TEXTS]  # fmt: skip
    assert got == [_neutralise(t) if safe else t for t in TEXTS]
