"""A small published snapshot, written the way orchestration/defs/publish.py writes it (marts in `main`).

Three locations in two regions, numbers chosen so every suppression case is worked out by hand in the tests:

    location  region  wave  go-live      live at as-of 2026-01-26
    LOC-001   East    1     2026-01-05   yes
    LOC-002   West    1     2026-01-12   yes
    LOC-003   East    2     (planned)    no

Weekly panel (scheduled / no-shows / outreach attempts / answered, weeks_since_go_live):
    week 2026-01-05: LOC-001 40/4/30/12 (e=0, live)   LOC-002 6/1/5/2 (e=-1)   LOC-003 3/0/0/0
    week 2026-01-12: LOC-001 50/5/20/10 (e=1, live)   LOC-002 30/6/10/4 (e=0, live)   LOC-003 20/0/0/0
"""

from __future__ import annotations

from pathlib import Path

import duckdb

AS_OF = "2026-01-26"

TABLES: dict[str, str] = {
    "dim_locations": """
        select * from (values
            ('LOC-001', 'North', 'East', 'opendental', 'od-1', 1, date '2026-01-05'),
            ('LOC-002', 'South', 'West', 'dentrix',    'dx-1', 1, date '2026-01-12'),
            ('LOC-003', 'Lake',  'East', 'opendental', 'od-1', 2, null::date)
        ) t(location_id, location_name, region, pms, source_id, wave, go_live_date)""",
    "rpt_location_no_show_baselines": f"""
        select *, date '{AS_OF}' as as_of_date from (values
            ('LOC-001', date '2026-01-05', 200, 0.10, 'reported', 180, 0.08, -0.02),
            ('LOC-002', date '2026-01-12', 5, 0.40, 'reported', 150, 0.30, -0.10),
            ('LOC-003', null::date, 11, 0.25, 'not_live', null, null, null)
        ) t(location_id, go_live_date, baseline_scheduled_appointments, baseline_no_show_rate, post_status,
            post_scheduled_appointments, post_no_show_rate, change_no_show_rate)""",
    "rpt_location_weekly_no_show_panel": """
        select *, no_shows / nullif(scheduled_appointments, 0) as no_show_rate from (values
            ('LOC-001', date '2026-01-05', date '2026-01-05', true,  0,    true, 40, 4, 30, 12),
            ('LOC-002', date '2026-01-05', date '2026-01-12', false, -1,   true, 6,  1, 5,  2),
            ('LOC-003', date '2026-01-05', null::date,        false, null, true, 3,  0, 0,  0),
            ('LOC-001', date '2026-01-12', date '2026-01-05', true,  1,    true, 50, 5, 20, 10),
            ('LOC-002', date '2026-01-12', date '2026-01-12', true,  0,    true, 30, 6, 10, 4),
            ('LOC-003', date '2026-01-12', null::date,        false, null, true, 20, 0, 0,  0)
        ) t(location_id, week_start, go_live_date, is_live, weeks_since_go_live, is_complete_week,
            scheduled_appointments, no_shows, outreach_attempts, outreach_answered)""",
    "roi_effects_overall": """
        select * from (values
            ('no_show_rate', 'estimated', null, -0.02, -0.03, -0.01),
            ('patient_response_rate', 'not estimable', 'no control location', null, null, null)
        ) t(outcome, status, reason, estimate, ci_low, ci_high)""",
    "roi_effects_by_wave": """
        select * from (values
            ('no_show_rate', 'wave 1', 'estimated', null, -0.015, -0.03, 0.0),
            ('no_show_rate', 'wave 2', 'estimated', null, -0.05, -0.09, -0.01)
        ) t(outcome, wave, status, reason, estimate, ci_low, ci_high)""",
    "roi_event_study": """
        select * from (values
            ('no_show_rate', -1, 'estimated', 0.005, -0.01, 0.02),
            ('no_show_rate', 0, 'estimated', -0.01, -0.03, 0.01),
            ('no_show_rate', 1, 'estimated', -0.02, -0.04, 0.00)
        ) t(outcome, event_time, status, estimate, ci_low, ci_high)""",
    "roi_pretrend": """
        select 'no_show_rate' as outcome, 'event_time_leads' as test, 'estimated' as status, null as reason,
               0.4 as statistic, 1 as df, 0.53 as p_value""",
    "roi_money": """
        select * from (values
            ('ALL', 'recovered_visits', 'visits', 'estimated', 8.0, 2.0, 14.0, 'effect x post scheduled'),
            ('ALL', 'value_recovered_visits', 'USD', 'estimated', 2000.0, 500.0, 3500.0, 'production_per_visit = 250 USD'),
            ('ALL', 'value_total', 'USD', 'estimated', 2000.0, 500.0, 3500.0, 'sum of values'),
            ('ALL', 'cost', 'USD', 'estimated', 5000.0, 5000.0, 5000.0, 'subscription_per_location_month = 399 USD'),
            ('ALL', 'net_value', 'USD', 'estimated', -3000.0, -4500.0, -1500.0, 'value_total - cost'),
            ('ALL', 'roi', 'ratio', 'estimated', -0.6, -0.9, -0.3, '(value_total - cost) / cost'),
            ('LOC-001', 'recovered_visits', 'visits', 'estimated', 5.0, 1.0, 9.0, ''),
            ('LOC-001', 'value_total', 'USD', 'estimated', 1250.0, 250.0, 2250.0, ''),
            ('LOC-001', 'cost', 'USD', 'estimated', 2500.0, 2500.0, 2500.0, ''),
            ('LOC-002', 'recovered_visits', 'visits', 'estimated', 3.0, 1.0, 5.0, ''),
            ('LOC-002', 'value_total', 'USD', 'estimated', 750.0, 250.0, 1250.0, ''),
            ('LOC-002', 'cost', 'USD', 'estimated', 2500.0, 2500.0, 2500.0, '')
        ) t(location_id, metric, unit, status, estimate, ci_low, ci_high, basis)""",
    # Per-wave money (hand-chosen, not derived from the rows above). Wave 1: 24 [12, 36] recovered visits x
    # 250 USD = 6,000 [3,000, 9,000]; cost 5,000; net 1,000 [-2,000, 4,000]; ROI 1,000 / 5,000 = 0.2 [-0.4, 0.8].
    # Wave 2 fell back to the overall effect, with 6 [2, 10] recovered visits (1..10: hidden on the board with
    # its value, net value and ROI; the cost 2,500 stays). Wave 3 is not estimable (no counted location).
    "roi_money_by_wave": """
        select * from (values
            ('wave 1', 'recovered_visits', 'visits', 'estimated', null, 24.0, 12.0, 36.0,
             '-wave 1 effect on no_show_rate x post scheduled appointments; sum over 2 locations of wave 1', 2),
            ('wave 1', 'value_total', 'USD', 'estimated', null, 6000.0, 3000.0, 9000.0,
             'value_recovered_visits + value_recall + value_front_desk; sum over 2 locations of wave 1', 2),
            ('wave 1', 'cost', 'USD', 'estimated', null, 5000.0, 5000.0, 5000.0,
             'subscription_per_location_month = 399 USD x live months; sum over 2 locations of wave 1', 2),
            ('wave 1', 'net_value', 'USD', 'estimated', null, 1000.0, -2000.0, 4000.0, 'value_total - cost', 2),
            ('wave 1', 'roi', 'ratio', 'estimated', null, 0.2, -0.4, 0.8, '(value_total - cost) / cost', 2),
            ('wave 2', 'recovered_visits', 'visits', 'estimated', null, 6.0, 2.0, 10.0,
             '-overall effect (wave 2 effect not estimable) on no_show_rate x post scheduled appointments; '
             || 'sum over 1 locations of wave 2', 1),
            ('wave 2', 'value_total', 'USD', 'estimated', null, 1500.0, 500.0, 2500.0, 'sum of values', 1),
            ('wave 2', 'cost', 'USD', 'estimated', null, 2500.0, 2500.0, 2500.0, 'cost', 1),
            ('wave 2', 'net_value', 'USD', 'estimated', null, -1000.0, -2000.0, 0.0, 'value_total - cost', 1),
            ('wave 2', 'roi', 'ratio', 'estimated', null, -0.4, -0.8, 0.0, '(value_total - cost) / cost', 1),
            ('wave 3', 'recovered_visits', 'visits', 'not estimable',
             'no location of wave 3 with an estimable no-show effect and post-period data', null, null, null,
             '-wave 3 effect on no_show_rate x post scheduled appointments; sum over 0 locations of wave 3', 0),
            ('wave 3', 'cost', 'USD', 'not estimable',
             'no location of wave 3 with an estimable no-show effect and post-period data', null, null, null,
             'cost', 0)
        ) t(wave, metric, unit, status, reason, estimate, ci_low, ci_high, basis, n_locations)""",
    "roi_assumptions": """
        select * from (values
            ('production_per_visit', 250.0, 'USD per completed visit', 'Assumption: ADA HPI order of magnitude'),
            ('subscription_per_location_month', 399.0, 'USD per location-month', 'Assumption: vendor price lists')
        ) t(name, value, unit, source)""",
    "rpt_go_live_decision": f"""
        select * from (values
            (1, date '2026-01-05', date '{AS_OF}', 2, ['staff_adoption'], 0, 'no_go')
        ) t(wave, first_go_live_date, as_of_date, n_locations, failed_criteria, systemic_days, decision)""",
    "rpt_go_live_scorecard": """
        select * from (values
            (1, 1, 'system_uptime', '>= 99% up', 0.995, true, '995 of 1000 monitored hours up'),
            (1, 3, 'staff_adoption', '100% of trained staff', 0.9, false, '9 of 10 trained staff using')
        ) t(wave, criterion_order, criterion, threshold, measured_value, passed, evidence)""",
    "rpt_rollback_monitor": """
        select * from (values
            ('LOC-001', 'North', 'East', 1, date '2026-01-20', 0.10, true, false, false, true, ['sync']),
            ('LOC-002', 'South', 'West', 1, date '2026-01-20', 0.00, false, true, false, true, ['incident']),
            ('LOC-001', 'North', 'East', 1, date '2026-01-21', 0.00, false, false, false, false, [])
        ) t(location_id, location_name, region, wave, monitor_date, unsynced_share, sync_trigger,
            incident_trigger, downtime_trigger, any_trigger, triggers)""",
    "rpt_rollback_systemic_days": """
        select * from (values
            (date '2026-01-20', 2, 2, 1.0, true, ['LOC-001', 'LOC-002']),
            (date '2026-01-21', 2, 0, 0.0, false, [])
        ) t(monitor_date, live_locations, triggered_locations, triggered_share, is_systemic,
            triggered_location_ids)""",
    "rpt_dq_location_scores": f"""
        select *, date '{AS_OF}' as as_of_date from (values
            ('LOC-001', 'North', 'East', 95.0, false, null, null),
            ('LOC-002', 'South', 'West', 60.0, true,
             '[critical] 3 of 50 text messages were sent to patients who had opted out of texts',
             'sms_after_opt_out: Stop the campaign and tell compliance today.'),
            ('LOC-003', 'Lake', 'East', 78.0, true, 'score 78.0 below 80',
             'quarantined_rows: Ask IT to fix the export.')
        ) t(location_id, location_name, region, score, is_flagged, flag_reasons, how_to_fix)""",
    "rpt_dq_location_score_history": """
        select * from (values
            (timestamp '2026-01-19 06:00', date '2026-01-19', 'LOC-001', 'East', 90.0, false),
            (timestamp '2026-01-26 06:00', date '2026-01-26', 'LOC-001', 'East', 95.0, false),
            (timestamp '2026-01-19 06:00', date '2026-01-19', 'LOC-002', 'West', 70.0, true),
            (timestamp '2026-01-26 06:00', date '2026-01-26', 'LOC-002', 'West', 60.0, true),
            (timestamp '2026-01-26 06:00', date '2026-01-26', 'LOC-003', 'East', 78.0, true)
        ) t(run_at, as_of_date, location_id, region, score, is_flagged)""",
    "fct_dq_check_results": """
        select * from (values
            ('r2', timestamp '2026-01-26 06:00', 'LOC-001', 'East', 'quarantined_rows', 'warning', 100, 2,
             '2 of 100 rows read were quarantined', 'Ask IT to fix the export.', ['pms/od-1/appointment.csv:7']),
            ('r2', timestamp '2026-01-26 06:00', 'LOC-002', 'West', 'sms_after_opt_out', 'critical', 50, 3,
             '3 of 50 text messages after opt-out', 'Stop the campaign.', ['message m-17']),
            ('r2', timestamp '2026-01-26 06:00', 'LOC-003', 'East', 'quarantined_rows', 'warning', 100, 2,
             '2 of 100 rows read were quarantined', 'Ask IT to fix the export.', ['pms/od-1/appointment.csv:7'])
        ) t(run_id, run_at, location_id, region, check_name, severity, rows_examined, rows_failing,
            finding_text, how_to_fix, failing_sample)""",
    "rpt_dq_file_reconciliation": """
        select * from (values
            ('pms/od-1/2026-01-26/appointment.csv', 'od-1', 'appointment', date '2026-01-26', 'loaded', 100, 98, 2),
            ('pms/dx-1/2026-01-20/v_appt.csv', 'dx-1', 'v_appt', date '2026-01-20', 'loaded', 80, 75, 5)
        ) t(source_file, source_id, table_name, extract_date, status, rows_read, rows_loaded, rows_quarantined)""",
    "rpt_readiness_scores": f"""
        select *, date '{AS_OF}' as as_of_date from (values
            ('LOC-001', 'North', 'East', 'opendental', true, 4, 4, 3, 5, 5, 4.15, 'wave_1', true, [], 'reliable', []),
            ('LOC-002', 'South', 'West', 'dentrix', true, 3, 3, 4, 3, 3, 3.20, 'wave_2', false,
             ['composite_below_4'], 'unreliable', ['scheduled_under_100']),
            ('LOC-003', 'Lake', 'East', 'opendental', false, 2, 2, 2, 5, 2, 2.60, 'wave_3', false,
             ['composite_below_4'], 'reliable', [])
        ) t(location_id, location_name, region, pms, is_live, it_score, staff_score, volume_score,
            tech_stack_score, champion_score, composite, recommendation, wave1_eligible, wave1_failed_criteria,
            baseline_status, baseline_reasons)""",
    "rpt_readiness_wave_plan": f"""
        select *, date '{AS_OF}' as as_of_date from (values
            ('LOC-001', 'already_live', null, 1, 4.15, 'live since 2026-01-05'),
            ('LOC-002', 'already_live', null, 2, 3.20, 'live since 2026-01-12'),
            ('LOC-003', 'wave_3', 3, 3, 2.60, 'composite 2.0-2.99')
        ) t(location_id, plan_group, planned_wave, plan_rank, composite, reason)""",
    "rpt_readiness_wave1_findings": """
        select * from (values
            ('eligibility', false, 'fewer than 2 eligible locations: LOC-001', ['LOC-001'], false)
        ) t(constraint_name, passed, detail, location_ids, wave1_valid)""",
}


def write_snapshot(path: Path, omit: set[str] | frozenset[str] = frozenset(), extra: dict[str, str] | None = None) -> Path:
    """Write the snapshot (all TABLES but `omit`, plus `extra` name -> SQL) and _publish_info to `path`."""
    con = duckdb.connect(str(path))
    try:
        for name, sql in {**TABLES, **(extra or {})}.items():
            if name not in omit:
                con.execute(f'create table main."{name}" as {sql}')
        con.execute("create table _publish_info as select timestamptz '2026-01-26 06:30:00+00' as published_at")
    finally:
        con.close()
    return path
