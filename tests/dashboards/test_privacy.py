"""The small-number rule of board views and the patient-identifier column guard (metrics.md section 7)."""

from __future__ import annotations

import pandas as pd

from dashboards import data, privacy


def test_counts_1_to_10_hidden_zero_and_11_shown() -> None:
    df = pd.DataFrame({"n": [0, 1, 10, 11, 10.4, -3.0]})
    out = privacy.suppress(df, counts=["n"])
    # 0 identifies nobody; 10.4 rounds to 10 (hidden); -3 is a count of 3 (hidden).
    assert out["n"].isna().tolist() == [False, True, True, False, True, True]
    assert out.attrs["hidden"]["n"] == [False, True, True, False, True, True]


def test_rates_need_denominator_11_and_missing_denominator_hides() -> None:
    df = pd.DataFrame({"rate": [0.5, 0.2, 0.3, None], "den": [10, 11, None, 5], "den2": [50, 50, 50, 50]})
    out = privacy.suppress(df, rates={"rate": "den"})
    assert out["rate"].isna().tolist() == [True, False, True, True]
    # The last rate was empty to begin with: it is not "hidden", so it shows empty, not "<11".
    assert out.attrs["hidden"]["rate"] == [True, False, True, False]
    both = privacy.suppress(df.assign(den=[11, 11, 11, 11], den2=[11, 10, 11, 11]), rates={"rate": ["den", "den2"]})
    assert both["rate"].isna().tolist() == [False, True, False, True]


def test_rate_uses_the_real_denominator_even_when_that_count_is_hidden() -> None:
    # den 11 is shown; den 5 is hidden as a count and its rate too (5 < 11).
    df = pd.DataFrame({"rate": [0.1, 0.2], "den": [11, 5]})
    out = privacy.suppress(df, counts=["den"], rates={"rate": "den"})
    assert out["rate"].isna().tolist() == [False, True]


def test_display_marks_hidden_cells_and_formats_numbers() -> None:
    df = pd.DataFrame({"n": [5, 120, None], "rate": [0.5, 0.125, None], "usd": [1234.4, 10.0, 2.0]})
    out = privacy.display(privacy.suppress(df, counts=["n"], rates={"rate": "n"}),
                          percent=["rate"], integer=["n"], money=["usd"])
    assert out["n"].tolist() == ["<11", "120", ""]
    assert out["rate"].tolist() == ["<11", "12.5%", ""]
    assert out["usd"].tolist() == ["$1,234", "$10", "$2"]


def test_money_hides_small_counts_and_the_dollars_derived_from_them() -> None:
    money = pd.DataFrame({
        "metric": ["recovered_visits", "value_recovered_visits", "value_total", "cost", "roi", "front_desk_hours_saved"],
        "estimate": [8.0, 2000.0, 2000.0, 5000.0, -0.6, 3.0],
        "ci_low": [2.0, 500.0, 500.0, 5000.0, -0.9, 1.0],
        "ci_high": [14.0, 3500.0, 3500.0, 5000.0, -0.3, 5.0],
    })
    out = data.suppress_money(money).set_index("metric")
    # 8 recovered visits x 250 USD = 2,000 USD: the dollar figure would give the count back, so both go.
    for metric in ("recovered_visits", "value_recovered_visits", "value_total", "roi"):
        assert out.loc[metric, ["estimate", "ci_low", "ci_high"]].isna().all(), metric
    assert out.loc["cost", "estimate"] == 5000.0
    # Staff hours are not a count of patients or visits.
    assert out.loc["front_desk_hours_saved", "estimate"] == 3.0
    big = money.assign(estimate=[694.0, 1.0, 1.0, 1.0, 1.0, 1.0], ci_low=[244.0] * 6, ci_high=[1153.0] * 6)
    assert data.suppress_money(big)["estimate"].notna().all()


def test_phi_column_names_are_recognised_and_flags_are_not() -> None:
    for name in ("patient_name", "LName", "first_name", "birthdate", "pat_birth_date", "dob", "wireless_phone",
                 "email", "email_address", "hm_phone", "mobile", "address"):
        assert privacy.is_phi_column(name), name
    for name in ("location_name", "champion_name", "has_textable_mobile", "has_valid_email", "patient_key",
                 "regional_manager", "invalid_email_count", "source_id"):
        assert not privacy.is_phi_column(name), name


def test_board_violations_finds_what_the_rule_forbids() -> None:
    df = pd.DataFrame({"n": [3, 40], "rate": [0.3, 0.1]})
    assert privacy.board_violations(df, counts=["n"], rates={"rate": "n"}) == ["n[0]=3", "rate[0] over n=3"]
    assert privacy.board_violations(privacy.suppress(df, counts=["n"], rates={"rate": "n"}), counts=["n"]) == []
