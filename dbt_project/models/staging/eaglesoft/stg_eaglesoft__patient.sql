-- Eaglesoft `patient`: one row per raw version. PHI (names, birthdate, phone, email) is turned into flags
-- and a keyed identity hash here and never selected: no later layer can reach it.
with source as (

    select * from {{ source('eaglesoft', 'patient') }}

),

flagged as (

    select
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        status,
        patient_status,
        -- Two-column code (extracts.md §3.2), so it cannot live in the one-column seed vendor_code_map:
        -- status 'A' and patient_status 'Y' -> active; 'Y' with another status -> inactive; else non_patient.
        case
            when trim(patient_status) = 'Y' and trim(status) = 'A' then 'active'
            when trim(patient_status) = 'Y' then 'inactive'
            else 'non_patient'
        end as patient_status_canonical,
        practice_id,
        receives_sms,
        recall_frequency,
        {{ phone_status('cell_phone') }} as mobile_phone_status,
        -- textable (extracts.md §3.2): valid cell_phone and receives_sms <> 'N' (NULL does not block)
        coalesce({{ is_valid_phone('cell_phone') }}, false) and coalesce(receives_sms, true) as has_textable_mobile,
        {{ is_valid_email('email_address') }} as has_valid_email,
        {{ identity_hash('first_name', 'last_name', 'birth_date') }} as identity_hash,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from flagged

)

select * from final
