-- dentrix `v_appt`: one row per raw version (every extract appended); rename + pseudonymize only (slots vertical).
-- Versions are sequenced into the canonical appointment history in int_dentrix_appointment_versions_sequenced.
with source as (

    select * from {{ source('dentrix', 'v_appt') }}

),

renamed_and_pseudonymized as (

    select
        appointment_id,
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        appointment_date,
        start_hour,
        start_minute,
        status_id,
        operatory_id,
        broken,
        modified_time_stamp,
        length,
        amount,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from renamed_and_pseudonymized

)

select * from final
