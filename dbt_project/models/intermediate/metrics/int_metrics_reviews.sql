-- Online reviews (metrics.md §2 reviews_per_month, average_star_rating): one row per review = (platform,
-- review_id), its current version (latest extract_date, then line; a deleted current version is gone).
-- created_date: the local date of created_at (a tstz converted to the location's timezone; a plain date as is).
with reviews as (

    select * from {{ ref('stg_reviews__reviews') }}
    qualify row_number() over (partition by platform, review_id order by extract_date desc, source_line desc nulls first) = 1

),

windows as (

    select * from {{ ref('int_metrics_location_windows') }}

),

final as (

    select
        reviews.platform,
        reviews.review_id,
        reviews.location_id,
        reviews.rating,
        coalesce(reviews.created_at_date, cast(timezone(windows.timezone, reviews.created_at_utc) as date))
            as created_date
    from reviews
    inner join windows
        on windows.location_id = reviews.location_id
    where not reviews.is_deleted_version and reviews.rating between 1 and 5

)

select * from final
