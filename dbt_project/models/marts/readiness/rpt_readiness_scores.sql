-- Readiness per location (metrics.md §3): the five factors with their origin, the composite, the recommended
-- wave and the Wave 1 criteria, each pass/fail. Grain: one row per current registry location.
--   recommendation: composite >= 4.00 wave_1 | 3.00-3.99 wave_2 | 2.00-2.99 wave_3 | < 2.00 or not scored defer
--   Wave 1 required (all): composite >= 4.0, a named champion, no planned major change, regional manager engaged,
--   baseline reliable. Preferred (at least 2 of 3): most common PMS, volume percentile 40-70 (inclusive), staff
--   adaptability >= 4. wave1_eligible = every required criterion and at least 2 preferred.
with factors as (

    select * from {{ ref('int_readiness_factors') }}

),

locations as (

    select * from {{ ref('int_readiness_locations') }}

),

baseline as (

    select * from {{ ref('int_readiness_baseline_completeness') }}

),

criteria as (

    select
        locations.location_id,
        locations.location_name,
        locations.region,
        locations.regional_manager,
        locations.pms,
        locations.pms_version,
        locations.wave as registry_wave,
        locations.go_live_date,
        locations.is_live,
        locations.planned_major_change,
        locations.as_of_date,
        factors.assessed_on,
        factors.it_score,
        factors.it_origin,
        factors.staff_score,
        factors.staff_origin,
        factors.volume_score,
        factors.volume_origin,
        factors.tech_stack_score,
        factors.tech_stack_origin,
        factors.champion_score,
        factors.champion_origin,
        factors.missing_factors,
        factors.composite_points,
        factors.composite,
        factors.completed_visits_90d,
        factors.completed_visits_per_month,
        factors.volume_percentile,
        factors.most_common_pms,
        factors.is_most_common_pms,
        baseline.baseline_status,
        baseline.baseline_reasons,
        baseline.pending_checks as baseline_pending_checks,
        baseline.scheduled_appointments_baseline,
        -- required
        coalesce(factors.composite >= 4.0, false) as req_composite_at_least_4,
        factors.has_named_champion as req_named_champion,
        locations.planned_major_change is null as req_no_planned_major_change,
        factors.regional_manager_engaged as req_regional_manager_engaged,
        coalesce(baseline.baseline_reliable, false) as req_baseline_reliable,
        -- preferred
        coalesce(factors.is_most_common_pms, false) as pref_most_common_pms,
        coalesce(factors.volume_percentile_40_70, false) as pref_volume_percentile_40_70,
        coalesce(factors.staff_score >= 4, false) as pref_staff_adaptability_at_least_4
    from locations
    left join factors
        on factors.location_id = locations.location_id
    left join baseline
        on baseline.location_id = locations.location_id

),

final as (

    select
        *,
        case
            when composite >= 4.0 then 'wave_1'
            when composite >= 3.0 then 'wave_2'
            when composite >= 2.0 then 'wave_3'
            else 'defer'
        end as recommendation,
        case
            when composite >= 4.0 then 1
            when composite >= 3.0 then 2
            when composite >= 2.0 then 3
        end as recommended_wave,
        req_composite_at_least_4 and req_named_champion and req_no_planned_major_change
            and req_regional_manager_engaged and req_baseline_reliable as wave1_required_all_pass,
        pref_most_common_pms::int + pref_volume_percentile_40_70::int + pref_staff_adaptability_at_least_4::int
            as wave1_preferred_met,
        req_composite_at_least_4 and req_named_champion and req_no_planned_major_change
            and req_regional_manager_engaged and req_baseline_reliable
            and (pref_most_common_pms::int + pref_volume_percentile_40_70::int
                + pref_staff_adaptability_at_least_4::int) >= 2 as wave1_eligible,
        list_filter([
            case when not req_composite_at_least_4 then 'composite >= 4.0' end,
            case when not req_named_champion then 'named champion' end,
            case when not req_no_planned_major_change then 'no planned major change' end,
            case when not req_regional_manager_engaged then 'regional manager engaged' end,
            case when not req_baseline_reliable then 'baseline reliable' end,
            case when (pref_most_common_pms::int + pref_volume_percentile_40_70::int
                + pref_staff_adaptability_at_least_4::int) < 2 then 'at least 2 of 3 preferred criteria' end
        ], lambda c: c is not null) as wave1_failed_criteria
    from criteria

)

select * from final
