-- Baseline and post values of the recall, outreach, review and time-study metrics (metrics.md §2): one row per
-- location. Windows from int_metrics_location_windows (B = baseline as-of date, D = as-of date, G = go-live).
--   recall_*            instances due in [B - 6 months, B) (post: [max(D - 6 months, G + 14), D)); converted when
--                       the first completed recall visit on/after due - 60 d is before the window end (B / D);
--                       days_due_to_scheduled mean and median over the converted ones
--   outreach / response baseline: the PMS's own SMS tables (feed pms_sms) when tracked, else NULL with status
--                       'not_tracked'; post: the platform (feed comms). Attempts sent (local date) in the 90-day
--                       window; 0 attempts -> rate NULL, status 'no_attempts'; else status 'reported'
--   reviews_per_month   reviews created in the 90-day window / 3; post: count x 30 / post window days (the same
--                       per-30-days rate over the clipped window)
--   average_star_rating baseline: every review created before B; post: reviews created in [G + 14, D) (the all-time
--                       window clipped like every post window)
--   front_desk_comm_hours_per_week  mean over the weeks of the latest run of consecutive study weeks that ended
--                       before the window end (week_start + 7 d <= B); post: weeks with week_start >= G + 14 and
--                       week_start + 7 d <= D
--   coverage flags      appointment history: first slot date <= B - 90 d; recall history: earliest due instance
--                       <= B - 6 months; time study: a study week ended before B
with windows as (

    select * from {{ ref('int_metrics_location_windows') }}

),

instances as (

    select * from {{ ref('int_metrics_recall_due_instances') }}

),

attempts as (

    select * from {{ ref('int_metrics_outreach_attempts') }}

),

tracking as (

    select * from {{ ref('int_metrics_outreach_tracking') }}

),

reviews as (

    select * from {{ ref('int_metrics_reviews') }}

),

study_weeks as (

    select * from {{ ref('int_metrics_time_study_weeks') }}

),

slots as (

    select location_id, min(slot_date) as first_slot_date
    from {{ ref('fct_appointment_slots') }}
    group by location_id

),

recall as (

    select
        windows.location_id,
        count(instances.due_instance_id) filter (where instances.due_date >= windows.baseline_recall_window_start
            and instances.due_date < windows.baseline_as_of_date) as baseline_recall_due_instances,
        count(instances.due_instance_id) filter (where instances.due_date >= windows.baseline_recall_window_start
            and instances.due_date < windows.baseline_as_of_date
            and instances.first_visit_date < windows.baseline_as_of_date) as baseline_recall_converted,
        avg(instances.days_due_to_scheduled) filter (where instances.due_date >= windows.baseline_recall_window_start
            and instances.due_date < windows.baseline_as_of_date
            and instances.first_visit_date < windows.baseline_as_of_date) as baseline_recall_days_due_to_scheduled_mean,
        median(instances.days_due_to_scheduled) filter (where instances.due_date >= windows.baseline_recall_window_start
            and instances.due_date < windows.baseline_as_of_date
            and instances.first_visit_date < windows.baseline_as_of_date) as baseline_recall_days_due_to_scheduled_median,
        count(instances.due_instance_id) filter (where instances.due_date >= windows.post_recall_window_start
            and instances.due_date < windows.as_of_date) as post_recall_due_instances,
        count(instances.due_instance_id) filter (where instances.due_date >= windows.post_recall_window_start
            and instances.due_date < windows.as_of_date
            and instances.first_visit_date < windows.as_of_date) as post_recall_converted,
        avg(instances.days_due_to_scheduled) filter (where instances.due_date >= windows.post_recall_window_start
            and instances.due_date < windows.as_of_date
            and instances.first_visit_date < windows.as_of_date) as post_recall_days_due_to_scheduled_mean,
        median(instances.days_due_to_scheduled) filter (where instances.due_date >= windows.post_recall_window_start
            and instances.due_date < windows.as_of_date
            and instances.first_visit_date < windows.as_of_date) as post_recall_days_due_to_scheduled_median,
        min(instances.due_date) as first_recall_due_date
    from windows
    left join instances
        on instances.location_id = windows.location_id
    group by windows.location_id

),

outreach as (

    select
        windows.location_id,
        count(attempts.attempt_id) filter (where attempts.feed = 'pms_sms'
            and attempts.sent_date >= windows.baseline_window_start
            and attempts.sent_date < windows.baseline_as_of_date) as baseline_pms_attempts,
        count(attempts.attempt_id) filter (where attempts.feed = 'pms_sms' and attempts.is_answered
            and attempts.sent_date >= windows.baseline_window_start
            and attempts.sent_date < windows.baseline_as_of_date) as baseline_pms_answered,
        count(attempts.attempt_id) filter (where attempts.feed = 'comms'
            and attempts.sent_date >= windows.post_window_start
            and attempts.sent_date < windows.as_of_date) as post_comms_attempts,
        count(attempts.attempt_id) filter (where attempts.feed = 'comms' and attempts.is_answered
            and attempts.sent_date >= windows.post_window_start
            and attempts.sent_date < windows.as_of_date) as post_comms_answered
    from windows
    left join attempts
        on attempts.location_id = windows.location_id
    group by windows.location_id

),

review_values as (

    select
        windows.location_id,
        count(reviews.review_id) filter (where reviews.created_date >= windows.baseline_window_start
            and reviews.created_date < windows.baseline_as_of_date) as baseline_reviews_in_window,
        avg(reviews.rating) filter (where reviews.created_date < windows.baseline_as_of_date)
            as baseline_average_star_rating,
        count(reviews.review_id) filter (where reviews.created_date < windows.baseline_as_of_date)
            as baseline_reviews_rated,
        count(reviews.review_id) filter (where reviews.created_date >= windows.post_window_start
            and reviews.created_date < windows.as_of_date) as post_reviews_in_window,
        avg(reviews.rating) filter (where reviews.created_date >= windows.post_stabilised_from
            and reviews.created_date < windows.as_of_date) as post_average_star_rating,
        count(reviews.review_id) filter (where reviews.created_date >= windows.post_stabilised_from
            and reviews.created_date < windows.as_of_date) as post_reviews_rated
    from windows
    left join reviews
        on reviews.location_id = windows.location_id
    group by windows.location_id

),

reviews_feed as (

    -- the review feed exists in the drop (any review file loaded, or rows present)
    select
        exists (select 1 from {{ ref('stg_meta__file_loads') }} where table_name = 'reviews' and status = 'loaded')
        or exists (select 1 from {{ ref('stg_reviews__reviews') }}) as reviews_tracked

),

study_baseline as (

    select location_id, latest_run_mean_hours as baseline_front_desk_comm_hours_per_week,
        latest_run_weeks as baseline_time_study_weeks, latest_week_start as baseline_time_study_week_start
    from (
        select
            study_weeks.location_id,
            study_weeks.study_run_id,
            avg(study_weeks.comm_hours) as latest_run_mean_hours,
            count(*) as latest_run_weeks,
            max(study_weeks.week_start) as latest_week_start
        from study_weeks
        inner join windows
            on windows.location_id = study_weeks.location_id
        where study_weeks.week_start + interval 7 day <= windows.baseline_as_of_date
        group by study_weeks.location_id, study_weeks.study_run_id
        qualify row_number() over (partition by study_weeks.location_id order by max(study_weeks.week_start) desc) = 1
    )

),

study_post as (

    select location_id, latest_run_mean_hours as post_front_desk_comm_hours_per_week,
        latest_run_weeks as post_time_study_weeks
    from (
        select
            study_weeks.location_id,
            study_weeks.study_run_id,
            avg(study_weeks.comm_hours) as latest_run_mean_hours,
            count(*) as latest_run_weeks
        from study_weeks
        inner join windows
            on windows.location_id = study_weeks.location_id
        where windows.is_live
            and study_weeks.week_start >= windows.post_stabilised_from
            and study_weeks.week_start + interval 7 day <= windows.as_of_date
        group by study_weeks.location_id, study_weeks.study_run_id
        qualify row_number() over (partition by study_weeks.location_id order by max(study_weeks.week_start) desc) = 1
    )

),

final as (

    select
        windows.location_id,
        -- recall
        recall.baseline_recall_due_instances,
        recall.baseline_recall_converted,
        recall.baseline_recall_converted / nullif(recall.baseline_recall_due_instances, 0)
            as baseline_recall_conversion_rate,
        recall.baseline_recall_days_due_to_scheduled_mean,
        recall.baseline_recall_days_due_to_scheduled_median,
        recall.post_recall_due_instances,
        recall.post_recall_converted,
        recall.post_recall_converted / nullif(recall.post_recall_due_instances, 0) as post_recall_conversion_rate,
        recall.post_recall_days_due_to_scheduled_mean,
        recall.post_recall_days_due_to_scheduled_median,
        recall.first_recall_due_date,
        -- outreach (baseline: the PMS's own tables; NULL, never 0, when not tracked)
        tracking.pms_outreach_tracked,
        case when tracking.pms_outreach_tracked then outreach.baseline_pms_attempts end as baseline_outreach_attempts,
        case when tracking.pms_outreach_tracked then outreach.baseline_pms_answered end as baseline_outreach_answered,
        case when tracking.pms_outreach_tracked
            then outreach.baseline_pms_answered / nullif(outreach.baseline_pms_attempts, 0)
        end as baseline_patient_response_rate,
        case
            when not tracking.pms_outreach_tracked then 'not_tracked'
            when outreach.baseline_pms_attempts = 0 then 'no_attempts'
            else 'reported'
        end as baseline_patient_response_status,
        outreach.post_comms_attempts as post_outreach_attempts,
        outreach.post_comms_answered as post_outreach_answered,
        outreach.post_comms_answered / nullif(outreach.post_comms_attempts, 0) as post_patient_response_rate,
        case when outreach.post_comms_attempts = 0 then 'no_attempts' else 'reported' end
            as post_patient_response_status,
        -- reviews
        reviews_feed.reviews_tracked,
        case when reviews_feed.reviews_tracked then review_values.baseline_reviews_in_window / 3.0 end
            as baseline_reviews_per_month,
        review_values.baseline_average_star_rating,
        review_values.baseline_reviews_rated,
        case when reviews_feed.reviews_tracked and windows.post_window_days > 0
            then review_values.post_reviews_in_window * 30.0 / windows.post_window_days
        end as post_reviews_per_month,
        review_values.post_average_star_rating,
        review_values.post_reviews_rated,
        -- time study
        study_baseline.baseline_front_desk_comm_hours_per_week,
        study_baseline.baseline_time_study_weeks,
        study_baseline.baseline_time_study_week_start,
        study_post.post_front_desk_comm_hours_per_week,
        study_post.post_time_study_weeks,
        -- coverage
        slots.first_slot_date,
        coalesce(slots.first_slot_date <= windows.baseline_window_start, false) as appointment_history_covers_window,
        coalesce(recall.first_recall_due_date <= windows.baseline_recall_window_start, false)
            as recall_history_covers_window,
        study_baseline.baseline_time_study_weeks is not null as time_study_exists
    from windows
    inner join recall on recall.location_id = windows.location_id
    inner join outreach on outreach.location_id = windows.location_id
    inner join tracking on tracking.location_id = windows.location_id
    inner join review_values on review_values.location_id = windows.location_id
    cross join reviews_feed
    left join study_baseline on study_baseline.location_id = windows.location_id
    left join study_post on study_post.location_id = windows.location_id
    left join slots on slots.location_id = windows.location_id

)

select * from final
