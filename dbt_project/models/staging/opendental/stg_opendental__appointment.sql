-- opendental `appointment`: one row per raw version (every extract appended); rename + pseudonymize only (slots vertical).
-- Versions are sequenced into the canonical appointment history in int_opendental_appointment_versions_sequenced.
with source as (

    select * from {{ source('opendental', 'appointment') }}

),

renamed_and_pseudonymized as (

    select
        aptnum,
        -- Open Dental foreign key 0 = none (extracts.md §3.1): no patient, not patient "0"
        {{ pseudonymize('_source_id', "nullif(patnum, '0')") }} as patient_key,
        aptstatus,
        aptdatetime,
        pattern,
        clinicnum,
        datetstamp,
        secdatetentry,
        confirmed,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from renamed_and_pseudonymized

)

select * from final
