"""Shared fixture of the ROI tests: a small in-memory warehouse with the panel marts."""

from __future__ import annotations

import duckdb


def warehouse() -> duckdb.DuckDBPyConnection:
    """40 locations x 30 weeks from 2024-01-01: 10 live 2024-03-04 (wave 1), 10 live 2024-05-06 (wave 2),
    20 never. no_show_rate 0.10 + location and week effects, minus 0.03 once live; 100 appointments a week."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""
        create table marts.rpt_location_weekly_no_show_panel as
        with l as (select i, 'L' || lpad(i::varchar, 3, '0') as location_id,
                          case when i < 10 then date '2024-03-04' when i < 20 then date '2024-05-06' end as go_live_date,
                          case when i < 10 then 1 when i < 20 then 2 end as wave
                   from range(40) t(i)),
             w as (select j, date '2024-01-01' + 7 * j::integer as week_start from range(30) t(j))
        select location_id, week_start, go_live_date, j < 29 as is_complete_week, 100 as scheduled_appointments,
               0.10 + 0.001 * (i % 7) + 0.002 * (j % 5) + 0.004 * ((i * 13 + j * 7) % 5 - 2)
                 - case when go_live_date is not null and week_start >= go_live_date then 0.03 else 0 end
                 as no_show_rate,
               0.05 as same_day_cancellation_rate
        from l cross join w
    """)
    # The wave comes from the location dimension (the panel has none).
    con.execute("""create table marts.dim_locations as select 'L' || lpad(i::varchar, 3, '0') as location_id,
                   case when i < 10 then 1 when i < 20 then 2 end as wave from range(40) t(i)""")
    con.execute("""create table marts.rpt_location_roi_inputs as
        select 'L000' as location_id, 30000.0 as baseline_production, 200 as baseline_completed_visits,
               10.0 as front_desk_hours_saved""")
    return con
