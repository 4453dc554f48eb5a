-- One row per (data-quality run, check, location): every result ever recorded, so trends and "since when" can
-- be read. Failing row references are pseudonymous (patient_key, appointment key, file:line), never PHI.
with history as (

    select * from {{ ref('int_dq__check_results_history') }}

),

locations as (

    select * from {{ ref('dim_locations') }}

),

final as (

    select
        history.run_id,
        history.run_at,
        history.as_of_date,
        history.location_id,
        locations.location_name,
        locations.region,
        locations.regional_manager,
        history.check_name,
        history.category,
        history.severity,
        history.weight,
        history.method,
        history.table_name,
        history.rows_examined,
        history.rows_failing,
        case when history.rows_examined > 0
             then least(history.rows_failing::double / history.rows_examined, 1.0) end as failing_share,
        history.rows_failing > 0 as is_failing,
        history.failing_sample,
        history.description,
        history.unit,
        history.problem,
        history.how_to_fix,
        -- the sentence a regional manager reads, e.g. "3 of 120 text messages were sent to patients who ..."
        case when history.rows_failing > 0
             then history.rows_failing || ' of ' || history.rows_examined || ' ' || history.unit || ' '
                  || history.problem end as finding_text
    from history
    left join locations on locations.location_id = history.location_id

)

select * from final
