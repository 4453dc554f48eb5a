-- Time-study weeks (metrics.md §2 front_desk_comm_hours_per_week): one row per (location, study week) with the
-- communication hours of the week = sum over staff roles of hours_confirmations + hours_recall_calls +
-- hours_patient_inquiries + hours_other_communication (NULL hours count as 0). Current version of each
-- (location, week_start, staff_role) row (the manual file is re-read in full each run).
-- study_run_id numbers runs of consecutive weekly study weeks (each 7 days after the previous) per location:
-- "the latest time-study week(s)" = the weeks of the latest run (mean over them; int_metrics_location_values).
with time_study as (

    select * from {{ ref('stg_manual__time_study') }}
    qualify row_number() over (
        partition by location_id, week_start, staff_role order by extract_date desc nulls first, load_id desc, source_line desc
    ) = 1

),

weeks as (

    select
        location_id,
        week_start,
        sum(coalesce(hours_confirmations, 0) + coalesce(hours_recall_calls, 0) + coalesce(hours_patient_inquiries, 0)
            + coalesce(hours_other_communication, 0)) as comm_hours,
        count(*) as roles_reported
    from time_study
    where not is_deleted_version and week_start is not null
    group by location_id, week_start

),

final as (

    select
        *,
        -- gaps-and-islands: a new run starts when the previous study week is not exactly 7 days earlier
        sum(case when date_diff('day', previous_week_start, week_start) = 7 then 0 else 1 end)
            over (partition by location_id order by week_start rows unbounded preceding) as study_run_id
    from (
        select *, lag(week_start) over (partition by location_id order by week_start) as previous_week_start
        from weeks
    )

)

select * from final
