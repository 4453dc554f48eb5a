-- Go/no-go scorecard (metrics.md §4): one row per (wave, criterion), over the wave's live locations, each from its
-- own go-live date G (00:00 local) to the as-of date D (00:00 local). Shares are compared in integers
-- (numerator * 100 >= threshold * denominator), so exactly 98% / 95% / 99% pass. No data (denominator 0) fails:
-- the criterion cannot be shown to hold.
--   system_uptime         seconds `up` or `degraded` / seconds covered by platform_status periods, clipped to [G, D)
--   pms_sync_success      appointment sync events `ok` / appointment sync events (PMS change time in [G, D))
--   staff_adoption        sum staff_using_system / sum staff_trained of each location's latest attestation for the
--                         wave; a location without attestation fails it
--   message_delivery      outbound `delivered` / outbound not `queued` (sent_at in [G, D))
--   critical_issues       critical incidents opened in [G, D) and not resolved before D
--   champion_confidence   every location's latest attestation champion_confidence >= 4 (missing fails)
-- From Wave 2 on (the "Wave 2 -> 3" gate, applied to every later gate too):
--   no_recurring_incident_category  no incident category (any severity) opened in [G, D) at >= 2 of the wave's locations
--   no_rollback           no rollback trigger (rpt_rollback_monitor) at any of the wave's locations
with locations as (

    select * from {{ ref('int_readiness_locations') }} where is_live and wave is not null

),

periods as (

    select * from {{ ref('int_go_live_platform_periods') }}

),

sync_events as (

    select * from {{ ref('int_go_live_sync_events') }}

),

-- the current version of each message (a message whose current version is a deletion is gone)
messages as (

    select * from {{ ref('int_comms_messages_latest') }} where not is_deleted_version

),

incidents as (

    select * from {{ ref('int_go_live_incidents') }}

),

attestations as (

    select * from {{ ref('int_go_live_attestations_latest') }}

),

monitor as (

    select * from {{ ref('rpt_rollback_monitor') }}

),

uptime as (

    select
        locations.wave,
        sum(epoch(least(periods.period_end, locations.as_of_at)) - epoch(greatest(periods.period_start, locations.go_live_at)))
            filter (where periods.status in ('up', 'degraded')) as up_seconds,
        sum(epoch(least(periods.period_end, locations.as_of_at)) - epoch(greatest(periods.period_start, locations.go_live_at)))
            as observed_seconds
    from locations
    inner join periods
        on periods.location_id = locations.location_id
        and periods.period_start < locations.as_of_at
        and periods.period_end > locations.go_live_at
    group by locations.wave

),

sync as (

    select
        locations.wave,
        count(*) filter (where sync_events.outcome = 'ok') as ok_events,
        count(*) as events
    from locations
    inner join sync_events
        on sync_events.location_id = locations.location_id
        and sync_events.changed_at >= locations.go_live_at
        and sync_events.changed_at < locations.as_of_at
    group by locations.wave

),

delivery as (

    select
        locations.wave,
        count(*) filter (where messages.delivery_status = 'delivered') as delivered,
        count(*) as attempted
    from locations
    inner join messages
        on messages.location_id = locations.location_id
        and messages.direction = 'outbound'
        and messages.delivery_status <> 'queued'
        and messages.sent_at >= locations.go_live_at
        and messages.sent_at < locations.as_of_at
    group by locations.wave

),

wave_incidents as (

    select locations.wave, locations.as_of_at, incidents.*
    from locations
    inner join incidents
        on incidents.location_id = locations.location_id
        and incidents.opened_at >= locations.go_live_at
        and incidents.opened_at < locations.as_of_at

),

critical as (

    select
        wave,
        -- unresolved as of D: no resolution, or resolved only at/after the as-of time
        count(*) filter (where severity = 'critical' and (resolved_at is null or resolved_at >= as_of_at))
            as unresolved_critical,
        count(*) filter (where severity = 'critical') as critical_opened
    from wave_incidents
    group by wave

),

category_spread as (

    select wave, category, count(distinct location_id) as n_locations
    from wave_incidents
    group by wave, category

),

recurring as (

    select
        wave,
        coalesce(max(n_locations), 0) as max_locations_per_category,
        list(category || ' (' || n_locations || ' locations)' order by category) filter (where n_locations >= 2)
            as recurring_categories
    from category_spread
    group by wave

),

adoption as (

    select
        locations.wave,
        count(*) as n_locations,
        count(attestations.location_id) as attested_locations,
        sum(attestations.staff_using_system) as staff_using,
        sum(attestations.staff_trained) as staff_trained,
        min(attestations.champion_confidence) as min_champion_confidence,
        count(*) filter (where attestations.champion_confidence >= 4) as confident_champions,
        min(locations.go_live_date) as first_go_live_date,
        max(locations.go_live_date) as last_go_live_date,
        max(locations.as_of_date) as as_of_date
    from locations
    left join attestations
        on attestations.location_id = locations.location_id
        and attestations.wave = locations.wave
    group by locations.wave

),

rollbacks as (

    select
        monitor.wave,
        count(*) filter (where monitor.any_trigger) as trigger_days,
        count(distinct monitor.location_id) filter (where monitor.any_trigger) as triggered_locations
    from monitor
    where monitor.wave is not null
    group by monitor.wave

),

waves as (

    select
        adoption.*,
        coalesce(uptime.up_seconds, 0) as up_seconds,
        coalesce(uptime.observed_seconds, 0) as observed_seconds,
        coalesce(sync.ok_events, 0) as ok_events,
        coalesce(sync.events, 0) as sync_events,
        coalesce(delivery.delivered, 0) as delivered,
        coalesce(delivery.attempted, 0) as attempted,
        coalesce(critical.unresolved_critical, 0) as unresolved_critical,
        coalesce(critical.critical_opened, 0) as critical_opened,
        coalesce(recurring.max_locations_per_category, 0) as max_locations_per_category,
        coalesce(recurring.recurring_categories, []) as recurring_categories,
        coalesce(rollbacks.trigger_days, 0) as trigger_days,
        coalesce(rollbacks.triggered_locations, 0) as rollback_locations
    from adoption
    left join uptime on uptime.wave = adoption.wave
    left join sync on sync.wave = adoption.wave
    left join delivery on delivery.wave = adoption.wave
    left join critical on critical.wave = adoption.wave
    left join recurring on recurring.wave = adoption.wave
    left join rollbacks on rollbacks.wave = adoption.wave

),

criteria as (

    select wave, 1 as criterion_order, 'system_uptime' as criterion, 'all' as gate,
        '>= 99% of the period up (degraded counts as up)' as threshold,
        case when observed_seconds > 0 then up_seconds / observed_seconds end as measured_value,
        up_seconds / 3600.0 as numerator, observed_seconds / 3600.0 as denominator,
        observed_seconds > 0 and up_seconds * 100 >= 99 * observed_seconds as passed,
        round(up_seconds / 3600.0, 2) || ' of ' || round(observed_seconds / 3600.0, 2) || ' monitored hours up' as evidence
    from waves
    union all
    select wave, 2, 'pms_sync_success', 'all', '>= 98% of appointment sync events ok',
        case when sync_events > 0 then ok_events / sync_events end, ok_events, sync_events,
        sync_events > 0 and ok_events * 100 >= 98 * sync_events,
        ok_events || ' of ' || sync_events || ' appointment sync events ok'
    from waves
    union all
    select wave, 3, 'staff_adoption', 'all', '100% of trained staff using the system',
        case when staff_trained > 0 then staff_using / staff_trained end, staff_using, staff_trained,
        attested_locations = n_locations and staff_trained > 0 and staff_using = staff_trained,
        coalesce(staff_using, 0) || ' of ' || coalesce(staff_trained, 0) || ' trained staff using; ' || attested_locations
            || ' of ' || n_locations || ' locations attested'
    from waves
    union all
    select wave, 4, 'message_delivery', 'all', '>= 95% of outbound messages delivered (not queued)',
        case when attempted > 0 then delivered / attempted end, delivered, attempted,
        attempted > 0 and delivered * 100 >= 95 * attempted,
        delivered || ' of ' || attempted || ' outbound messages delivered'
    from waves
    union all
    select wave, 5, 'critical_issues', 'all', '0 unresolved critical incidents',
        unresolved_critical, unresolved_critical, critical_opened,
        unresolved_critical = 0,
        unresolved_critical || ' unresolved of ' || critical_opened || ' critical incidents since go-live'
    from waves
    union all
    select wave, 6, 'champion_confidence', 'all', 'every champion >= 4',
        min_champion_confidence, confident_champions, n_locations,
        attested_locations = n_locations and confident_champions = n_locations,
        confident_champions || ' of ' || n_locations || ' champions at >= 4 (lowest: '
            || coalesce(cast(min_champion_confidence as varchar), 'none') || ')'
    from waves
    union all
    select wave, 7, 'no_recurring_incident_category', 'wave 2 -> 3 and later', 'no incident category at >= 2 locations',
        max_locations_per_category, max_locations_per_category, n_locations,
        max_locations_per_category < 2,
        case when len(recurring_categories) = 0 then 'no category at 2 or more locations'
            else 'recurring: ' || array_to_string(recurring_categories, ', ') end
    from waves
    where wave >= 2
    union all
    select wave, 8, 'no_rollback', 'wave 2 -> 3 and later', 'no rollback trigger in the wave',
        trigger_days, rollback_locations, n_locations,
        trigger_days = 0,
        trigger_days || ' location-days with a rollback trigger at ' || rollback_locations || ' locations'
    from waves
    where wave >= 2

),

final as (

    select
        criteria.wave,
        criteria.criterion_order,
        criteria.criterion,
        criteria.gate,
        criteria.threshold,
        round(criteria.measured_value, 4) as measured_value,
        criteria.numerator,
        criteria.denominator,
        coalesce(criteria.passed, false) as passed,
        criteria.evidence,
        waves.n_locations,
        waves.first_go_live_date,
        waves.last_go_live_date,
        waves.as_of_date
    from criteria
    inner join waves
        on waves.wave = criteria.wave

)

select * from final
