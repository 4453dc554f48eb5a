-- The five readiness factors per location with their origin (metrics.md §3), and the composite.
--   origin: 'override' (seed readiness_overrides, latest overridden_on per location and factor) > 'survey'
--   (latest manual/readiness.csv assessment) > 'derived' (Volume always; TechStack when the survey leaves it blank)
--   > 'missing' (no value: the composite is then NULL).
--   composite_points = 25 IT + 20 Staff + 20 Volume + 20 TechStack + 15 Champion (integers, out of 500), so
--   composite = composite_points / 100 is exact to two decimals and its bands are compared without float error.
with locations as (

    select * from {{ ref('int_readiness_locations') }}

),

survey as (

    select * from {{ ref('int_readiness_survey_latest') }}

),

volume as (

    select * from {{ ref('int_readiness_visit_volume') }}

),

tech as (

    select * from {{ ref('int_readiness_tech_stack') }}

),

overrides_ranked as (

    select
        *,
        row_number() over (partition by location_id, factor order by overridden_on desc nulls last, reason) as override_rank
    from {{ ref('readiness_overrides') }}

),

overrides as (

    select
        location_id,
        max(score) filter (where factor = 'it_infrastructure') as it_override,
        max(score) filter (where factor = 'staff_adaptability') as staff_override,
        max(score) filter (where factor = 'volume') as volume_override,
        max(score) filter (where factor = 'tech_stack') as tech_override,
        max(score) filter (where factor = 'champion') as champion_override
    from overrides_ranked
    where override_rank = 1
    group by location_id

),

joined as (

    select
        locations.location_id,
        survey.assessed_on,
        coalesce(overrides.it_override, survey.it_infrastructure) as it_score,
        case when overrides.it_override is not null then 'override'
             when survey.it_infrastructure is not null then 'survey' else 'missing' end as it_origin,
        coalesce(overrides.staff_override, survey.staff_adaptability) as staff_score,
        case when overrides.staff_override is not null then 'override'
             when survey.staff_adaptability is not null then 'survey' else 'missing' end as staff_origin,
        coalesce(overrides.volume_override, volume.volume_score) as volume_score,
        case when overrides.volume_override is not null then 'override'
             when volume.volume_score is not null then 'derived' else 'missing' end as volume_origin,
        coalesce(overrides.tech_override, survey.tech_stack, tech.tech_stack_derived) as tech_stack_score,
        case when overrides.tech_override is not null then 'override'
             when survey.tech_stack is not null then 'survey'
             when tech.tech_stack_derived is not null then 'derived' else 'missing' end as tech_stack_origin,
        coalesce(overrides.champion_override, survey.champion) as champion_score,
        case when overrides.champion_override is not null then 'override'
             when survey.champion is not null then 'survey' else 'missing' end as champion_origin,
        tech.tech_stack_derived,
        tech.most_common_pms,
        tech.is_most_common_pms,
        volume.completed_visits_90d,
        volume.completed_visits_per_month,
        volume.volume_percentile,
        volume.volume_percentile_40_70,
        coalesce(survey.has_named_champion, false) as has_named_champion,
        coalesce(survey.regional_manager_engaged, false) as regional_manager_engaged,
        survey.location_id is not null as has_survey
    from locations
    left join survey
        on survey.location_id = locations.location_id
    left join volume
        on volume.location_id = locations.location_id
    left join tech
        on tech.location_id = locations.location_id
    left join overrides
        on overrides.location_id = locations.location_id

),

final as (

    select
        *,
        25 * it_score + 20 * staff_score + 20 * volume_score + 20 * tech_stack_score + 15 * champion_score
            as composite_points,
        cast((25 * it_score + 20 * staff_score + 20 * volume_score + 20 * tech_stack_score + 15 * champion_score)
            / 100.0 as decimal(4, 2)) as composite,
        list_filter([
            case when it_score is null then 'it_infrastructure' end,
            case when staff_score is null then 'staff_adaptability' end,
            case when volume_score is null then 'volume' end,
            case when tech_stack_score is null then 'tech_stack' end,
            case when champion_score is null then 'champion' end
        ], lambda f: f is not null) as missing_factors
    from joined

)

select * from final
