-- Open Dental `patient`: one row per raw version. PHI (names, birthdate, phone, email) is turned into flags
-- and a keyed identity hash here and never selected: no later layer can reach it.
with source as (

    select * from {{ source('opendental', 'patient') }}

),

flagged as (

    select
        {{ pseudonymize('_source_id', 'patnum') }} as patient_key,
        patstatus,
        clinicnum,
        txtmsgok,
        datetstamp,
        {{ phone_status('wirelessphone') }} as mobile_phone_status,
        -- textable (extracts.md §3.1): valid WirelessPhone and TxtMsgOk <> 2 (No); NULL/0 Unknown do not block
        coalesce({{ is_valid_phone('wirelessphone') }}, false) and coalesce(txtmsgok, 0) <> 2 as has_textable_mobile,
        {{ is_valid_email('email') }} as has_valid_email,
        {{ identity_hash('fname', 'lname', 'birthdate') }} as identity_hash,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from flagged

)

select * from final
