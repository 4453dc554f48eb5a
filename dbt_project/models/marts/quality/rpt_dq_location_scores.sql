-- The latest data-quality run per location: score, flag, the reasons in plain words and what to do.
-- Read by the regional manager's view and by readiness (metrics.md §2: a flagged location's baseline is not
-- reliable). Columns:
--   is_flagged    any critical failure or score < 80
--   flag_reasons  why it is flagged: each failing critical check, then (score < 80) the score and the warnings
--                 that cost the most points; NULL when not flagged
--   findings      every failing check (warnings too), most important first
--   how_to_fix    the first step for each check in flag_reasons (else in findings)
with history as (

    select * from {{ ref('rpt_dq_location_score_history') }}

),

results as (

    select * from {{ ref('fct_dq_check_results') }}

),

latest_run as (

    select run_id from history order by run_at desc, run_id desc limit 1

),

latest_scores as (

    select history.* from history inner join latest_run using (run_id)

),

latest_failures as (

    select
        results.*,
        -- points this check costs the score (its share of the weighted failing share)
        100 * results.weight * results.failing_share
            / sum(results.weight) filter (where results.rows_examined > 0) over (partition by results.location_id)
            as points_lost
    from results
    inner join latest_run using (run_id)

),

texts as (

    select
        location_id,
        string_agg('[critical] ' || finding_text, '; ' order by weight desc, failing_share desc, check_name)
            filter (where is_failing and severity = 'critical') as critical_text,
        string_agg(finding_text, '; ' order by points_lost desc, check_name)
            filter (where is_failing and severity = 'warning') as warning_text,
        string_agg(finding_text, '; ' order by severity, points_lost desc, check_name)
            filter (where is_failing) as findings,
        string_agg(check_name || ': ' || how_to_fix, ' | ' order by weight desc, check_name)
            filter (where is_failing and severity = 'critical') as critical_fix,
        string_agg(check_name || ': ' || how_to_fix, ' | ' order by points_lost desc, check_name)
            filter (where is_failing and severity = 'warning') as warning_fix,
        list(check_name order by severity, points_lost desc, check_name) filter (where is_failing) as failing_checks
    from latest_failures
    group by location_id

),

final as (

    select
        latest_scores.location_id,
        latest_scores.location_name,
        latest_scores.region,
        latest_scores.regional_manager,
        latest_scores.run_id,
        latest_scores.run_at,
        latest_scores.as_of_date,
        latest_scores.score,
        latest_scores.is_flagged,
        latest_scores.checks_run,
        latest_scores.checks_failing,
        latest_scores.critical_checks_failing,
        coalesce(texts.failing_checks, []::varchar[]) as failing_checks,
        case
            when not latest_scores.is_flagged then null
            else concat_ws('; ',
                texts.critical_text,
                case when latest_scores.score < 80
                     then 'data-quality score ' || latest_scores.score || ' is below 80: ' || texts.warning_text end)
        end as flag_reasons,
        texts.findings,
        case
            when texts.critical_fix is not null and latest_scores.score >= 80 then texts.critical_fix
            else concat_ws(' | ', texts.critical_fix, texts.warning_fix)
        end as how_to_fix
    from latest_scores
    left join texts on texts.location_id = latest_scores.location_id

)

select * from final
