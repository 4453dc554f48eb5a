-- Per-location metric windows (metrics.md §2 "Baseline as-of date"): one row per location of dim_locations.
--   as_of_date            the run's as-of date D (latest extract date unless configured; int_as_of_date_resolved)
--   is_live               go-live date set and <= D (a planned go-live after D: not yet live)
--   baseline_as_of_date   B = go-live date G when live (windows end the day before go-live), else D
--   baseline windows      trailing 90 days [B - 90 d, B); trailing 6 months [B - 6 months, B); all time (< B)
--   post                  live only, as of D; every window clipped to start no earlier than G + 14 days:
--                         90 d [max(D - 90 d, G + 14), D); 6 months [max(D - 6 months, G + 14), D); all time
--                         [G + 14, D). post_status: 'too_early' when the clipped 90-day window is shorter than
--                         28 days (D - (G + 14) < 28: every clipped window is then that short), 'not_live', else
--                         'reported' (same rule as rpt_location_no_show_baselines).
with locations as (

    select * from {{ ref('dim_locations') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

windows as (

    select
        locations.location_id,
        locations.pms as vendor,
        locations.source_id,
        locations.timezone,
        locations.go_live_date,
        as_of.as_of_date,
        coalesce(locations.go_live_date <= as_of.as_of_date, false) as is_live,
        case
            when locations.go_live_date <= as_of.as_of_date then locations.go_live_date
            else as_of.as_of_date
        end as baseline_as_of_date
    from locations
    cross join as_of

),

bounded as (

    select
        *,
        cast(baseline_as_of_date - interval 90 day as date) as baseline_window_start,
        cast(baseline_as_of_date - interval 6 month as date) as baseline_recall_window_start,
        case when is_live then cast(go_live_date + interval 14 day as date) end as post_stabilised_from,
        case when is_live then greatest(
            cast(as_of_date - interval 90 day as date), cast(go_live_date + interval 14 day as date)
        ) end as post_window_start,
        case when is_live then greatest(
            cast(as_of_date - interval 6 month as date), cast(go_live_date + interval 14 day as date)
        ) end as post_recall_window_start
    from windows

),

final as (

    select
        *,
        date_diff('day', post_window_start, as_of_date) as post_window_days,
        case
            when not is_live then 'not_live'
            when date_diff('day', post_window_start, as_of_date) < 28 then 'too_early'
            else 'reported'
        end as post_status
    from bounded

)

select * from final
