-- dentrix `appthist`: one row per raw version (every extract appended); rename + pseudonymize only (slots vertical).
-- Versions are sequenced into the canonical appointment history in int_dentrix_appointment_versions_sequenced.
with source as (

    select * from {{ source('dentrix', 'appthist') }}

),

renamed_and_pseudonymized as (

    select
        parentapptid,
        deletedflag,
        createflag,
        createddate,
        modifieddate,
        modifiedtime,
        apptdate,
        timehr,
        timemin,
        status,
        {{ pseudonymize('_source_id', 'patid') }} as patient_key,
        broken,
        opid,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from renamed_and_pseudonymized

)

select * from final
