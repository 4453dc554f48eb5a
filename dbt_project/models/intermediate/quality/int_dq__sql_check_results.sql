-- All set-based (SQL) data-quality checks, one row per (check, location) for every registry location, also when
-- the check examined nothing there (rows_examined 0). The Python runner (connectors/quality) adds the Great
-- Expectations checks, severities and weights, and appends everything to meta.dq_check_results.
with locations as (

    select location_id from {{ ref('stg_registry__locations') }} where is_current_version

),

checks as (

    -- the SQL checks of this folder; their severity, weight and texts live in connectors/quality/catalog.py
    select * from (values
        ('file_errors'), ('quarantined_rows'), ('unparseable_values'), ('duplicate_key_other_tables'),
        ('stale_extract'), ('orphan_patient_reference'), ('likely_duplicate_patient'), ('truncated_day'),
        ('sms_after_opt_out'), ('message_after_opt_out_other_channel'), ('unresolved_slots')
    ) as c (check_name)

),

results as (

    select * from {{ ref('int_dq__checks_files') }}
    union all by name
    select * from {{ ref('int_dq__checks_keys') }}
    union all by name
    select * from {{ ref('int_dq__checks_consistency') }}
    union all by name
    select * from {{ ref('int_dq__checks_compliance') }}
    union all by name
    select * from {{ ref('int_dq__checks_slots') }}

),

final as (

    select
        checks.check_name,
        locations.location_id,
        coalesce(results.rows_examined, 0) as rows_examined,
        coalesce(results.rows_failing, 0) as rows_failing,
        coalesce(results.failing_sample, []::varchar[]) as failing_sample
    from locations
    cross join checks
    left join results
        on results.check_name = checks.check_name
        and results.location_id = locations.location_id

)

select * from final
