-- Baseline completeness per location (metrics.md §2 "Baseline completeness"), the parts computable now:
--   appointment history covers the full 90-day window   first slot_date <= baseline as-of date - 90 days
--   scheduled_appointments >= 100                        in the baseline window
--   a time-study week exists                            a manual/time_study.csv week_start before the as-of date
--   not flagged by data quality (§5)                    int_readiness_dq_flags (pending while the mart is absent)
-- Pending (need metrics of another issue; listed, not blocking): recall history covers 6 months; at least 7 days
-- before go-live passed since the baseline window ended.
-- Status: 'unreliable' when the data is there but fails (scheduled < 100 or DQ flagged); else 'incomplete' when
-- data is missing (history shorter than the window, no time study); else 'reliable'.
with locations as (

    select * from {{ ref('int_readiness_locations') }}

),

volume as (

    select * from {{ ref('int_readiness_visit_volume') }}

),

dq as (

    select * from {{ ref('int_readiness_dq_flags') }}

),

time_study_weeks as (

    select location_id, week_start from {{ ref('stg_manual__time_study') }} where not is_deleted_version

),

checked as (

    select
        locations.location_id,
        locations.baseline_as_of_date,
        cast(locations.baseline_as_of_date - interval 90 day as date) as baseline_window_start,
        volume.first_slot_date,
        coalesce(volume.scheduled_appointments_baseline, 0) as scheduled_appointments_baseline,
        coalesce(volume.first_slot_date <= locations.baseline_as_of_date - interval 90 day, false)
            as history_covers_window,
        coalesce(volume.scheduled_appointments_baseline, 0) >= 100 as enough_scheduled_appointments,
        exists (
            select 1 from time_study_weeks
            where time_study_weeks.location_id = locations.location_id
            and time_study_weeks.week_start < locations.baseline_as_of_date
        ) as time_study_exists,
        dq.is_flagged as dq_flagged,
        dq.flag_reasons as dq_flag_reasons
    from locations
    left join volume
        on volume.location_id = locations.location_id
    left join dq
        on dq.location_id = locations.location_id

),

reasoned as (

    select
        *,
        list_filter([
            case when not enough_scheduled_appointments
                then 'scheduled_appointments ' || scheduled_appointments_baseline || ' < 100 in the baseline window' end,
            case when dq_flagged
                then 'flagged by data quality' || coalesce(': ' || dq_flag_reasons, '') end
        ], lambda r: r is not null) as unreliable_reasons,
        list_filter([
            case when not history_covers_window
                then 'appointment history does not cover the 90-day window from ' || baseline_window_start
                    || coalesce(' (first slot ' || first_slot_date || ')', ' (no appointments)') end,
            case when not time_study_exists then 'no time-study week before ' || baseline_as_of_date end
        ], lambda r: r is not null) as incomplete_reasons,
        list_filter([
            'recall history covers 6 months (needs the recall metrics)',
            'at least 7 days before go-live passed since the baseline window ended (needs the baseline metrics)',
            case when dq_flagged is null then 'data-quality flag (quality mart not available)' end
        ], lambda r: r is not null) as pending_checks
    from checked

),

final as (

    select
        *,
        case
            when len(unreliable_reasons) > 0 then 'unreliable'
            when len(incomplete_reasons) > 0 then 'incomplete'
            else 'reliable'
        end as baseline_status,
        len(unreliable_reasons) = 0 and len(incomplete_reasons) = 0 as baseline_reliable,
        list_concat(unreliable_reasons, incomplete_reasons) as baseline_reasons
    from reasoned

)

select * from final
