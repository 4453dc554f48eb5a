-- Comms `opt_outs.csv`: one row per raw version of an opt-out (location, patient, channel, opted_out_at).
with source as (

    select * from {{ source('comms', 'opt_outs') }}

),

locations as (

    select * from {{ ref('stg_registry__locations') }}

),

-- The one join allowed in staging: pms_patient_id is a key of the location's PMS source (extracts.md §4),
-- so pseudonymizing it needs that source_id; without it the key would not match the PMS patient's key.
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
        location_id,
        pms_source_id,
        {{ pseudonymize('pms_source_id', 'pms_patient_id') }} as patient_key,
        channel,
        opted_out_at,
        opted_in_at,
        {{ stg_lineage_columns() }}
    from joined_pms_source

),

final as (

    select * from pseudonymized

)

select * from final
