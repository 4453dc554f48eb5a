-- Appointment changes and whether each reached the platform with an `ok` sync within 24 hours (metrics.md §4
-- rollback trigger). A change = (location, pms_record_id, action, PMS change time); its events are the first
-- attempt and any retries. synced_within_24h: an `ok` event received at most 24 h after the change.
-- A change whose 24 h have not all passed by the as-of time and has no ok yet is `pending`: not counted as
-- unsynced (the next run decides), so the latest day cannot fire on changes that still have time to sync.
with events as (

    select * from {{ ref('int_go_live_sync_events') }}

),

locations as (

    select location_id, as_of_at from {{ ref('int_readiness_locations') }}

),

changes as (

    select
        location_id,
        pms_record_id,
        action,
        changed_at,
        min(changed_at_local) as changed_at_local,
        count(*) as n_events,
        count(*) filter (where outcome = 'ok') as n_ok_events,
        min(received_at) filter (where outcome = 'ok') as first_ok_received_at
    from events
    where changed_at is not null
    group by location_id, pms_record_id, action, changed_at

),

final as (

    select
        changes.*,
        cast(changes.changed_at_local as date) as change_date,
        coalesce(changes.first_ok_received_at <= changes.changed_at + interval 24 hour, false) as synced_within_24h,
        changes.changed_at + interval 24 hour <= locations.as_of_at as window_closed,
        not coalesce(changes.first_ok_received_at <= changes.changed_at + interval 24 hour, false)
            and changes.changed_at + interval 24 hour <= locations.as_of_at as is_unsynced,
        not coalesce(changes.first_ok_received_at <= changes.changed_at + interval 24 hour, false)
            and changes.changed_at + interval 24 hour > locations.as_of_at as is_pending
    from changes
    inner join locations
        on locations.location_id = changes.location_id

)

select * from final
