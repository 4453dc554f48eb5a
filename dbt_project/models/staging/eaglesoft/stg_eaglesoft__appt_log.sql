-- eaglesoft `appt_log`: one row per raw version (every extract appended); rename + pseudonymize only (slots vertical).
-- Versions are sequenced into the canonical appointment history in int_eaglesoft_appointment_versions_sequenced.
with source as (

    select * from {{ source('eaglesoft', 'appt_log') }}

),

renamed_and_pseudonymized as (

    select
        appt_id,
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        appt_log_action,
        log_time,
        original_start_time,
        user_id,
        location_id,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from renamed_and_pseudonymized

)

select * from final
