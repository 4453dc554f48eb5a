-- Volume check (truncated extract), one row per location:
--   truncated_day  warning  a day whose appointment count is below 50% of the mean of the same weekday in the
--                           4 weeks before (metrics.md §5), among days in the 90 days before the as-of date.
-- Count per day = distinct (appointment, scheduled start) pairs on the book in any version: the slots by
-- scheduled date (extracts.md §8) approximated from the appointment tables, so this check does not depend on
-- the slot models. Days with no appointment at all are not examined (holidays and closed days would all be
-- "truncated"), nor days whose 4-week mean is below 5 (too small to call a drop), nor days whose 4 previous
-- weeks are not all inside the location's history, nor days on or after the source's latest extract (stale).
with appointments as not materialized (

    select * from {{ ref('int_dq__appointments') }}

),

as_of as (

    select * from {{ ref('int_dq__as_of') }}

),

on_the_book as not materialized (

    select location_id, appointment_id, start_local, cast(start_local as date) as day
    from appointments
    where location_id is not null
      and start_local is not null
      and not is_deleted_version
      and status_canonical in ('scheduled', 'completed', 'broken')

),

-- counted only on the days a compared day (90 days back) or its 4 previous weeks fall on: the distinct count over
-- every day of history was most of this model's time (29 M groups at 1,500 locations)
daily as (

    select on_the_book.location_id, on_the_book.day, count(distinct (appointment_id, start_local)) as n
    from on_the_book
    cross join as_of
    where on_the_book.day >= as_of.as_of_date - (90 + 28)
    group by on_the_book.location_id, on_the_book.day

),

history_start as (

    select location_id, min(day) as first_day from on_the_book group by location_id

),

-- days after the location's latest extract are not truncated but stale (stale_extract reports them)
latest_extract as (

    select location_id, max(extract_date) as latest_extract_date
    from appointments
    where location_id is not null
    group by location_id

),

compared as (

    select
        today.location_id,
        today.day,
        today.n,
        -- a same-weekday day with no appointment counts as 0 in the mean
        (coalesce(w1.n, 0) + coalesce(w2.n, 0) + coalesce(w3.n, 0) + coalesce(w4.n, 0)) / 4.0 as trailing_mean
    from daily as today
    cross join as_of
    inner join history_start on history_start.location_id = today.location_id
    inner join latest_extract on latest_extract.location_id = today.location_id
    left join daily as w1 on w1.location_id = today.location_id and w1.day = today.day - 7
    left join daily as w2 on w2.location_id = today.location_id and w2.day = today.day - 14
    left join daily as w3 on w3.location_id = today.location_id and w3.day = today.day - 21
    left join daily as w4 on w4.location_id = today.location_id and w4.day = today.day - 28
    where today.day >= as_of.as_of_date - 90
      and today.day < least(as_of.as_of_date, latest_extract.latest_extract_date)
      and today.day - 28 >= history_start.first_day

),

final as (

    select
        'truncated_day' as check_name,
        location_id,
        count(*) filter (where trailing_mean >= 5) as rows_examined,
        count(*) filter (where trailing_mean >= 5 and n < 0.5 * trailing_mean) as rows_failing,
        list(strftime(day, '%Y-%m-%d') || ': ' || n || ' appointments vs 4-week same-weekday mean '
             || round(trailing_mean, 1) order by day)
            filter (where trailing_mean >= 5 and n < 0.5 * trailing_mean)[1:5] as failing_sample
    from compared
    group by location_id

)

select check_name, location_id, rows_examined, rows_failing, failing_sample from final
