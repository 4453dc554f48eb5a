-- eaglesoft `appointment`: one row per raw version (every extract appended); rename + pseudonymize only (slots vertical).
-- Versions are sequenced into the canonical appointment history in int_eaglesoft_appointment_versions_sequenced.
with source as (

    select * from {{ source('eaglesoft', 'appointment') }}

),

renamed_and_pseudonymized as (

    select
        appointment_id,
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        start_time,
        end_time,
        location_id,
        classification,
        date_appointed,
        arrival_status,
        recall_id,
        confirmation_status,
        dollars_scheduled,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from renamed_and_pseudonymized

)

select * from final
