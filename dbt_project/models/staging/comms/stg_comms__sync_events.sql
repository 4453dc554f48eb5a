-- Comms `sync_events.csv`: one row per raw version of a sync event.
-- pms_record_id is a patient id when entity = 'patient': it then becomes patient_key (and pms_record_id NULL),
-- so no raw patient id leaves staging; appointment ids stay as they are.
with source as (

    select * from {{ source('comms', 'sync_events') }}

),

locations as (

    select * from {{ ref('stg_registry__locations') }}

),

-- The one join allowed in staging: patient record ids are keys of the location's PMS source (extracts.md §4).
joined_pms_source as (

    select
        source.*,
        locations.source_id as pms_source_id
    from source
    left join locations
        on locations.location_id = source.location_id
        and locations.is_current_version

),

pseudonymized as (

    select
        event_id,
        location_id,
        pms_source_id,
        entity,
        case when entity = 'patient' then null else pms_record_id end as pms_record_id,
        case when entity = 'patient' then {{ pseudonymize('pms_source_id', 'pms_record_id') }} end as patient_key,
        action,
        pms_changed_at_local,
        pms_changed_at_utc,
        platform_received_at,
        outcome,
        error_code,
        {{ stg_lineage_columns() }}
    from joined_pms_source

),

final as (

    select * from pseudonymized

)

select * from final
