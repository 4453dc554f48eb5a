-- Dentrix `v_patient`: one row per raw version. PHI (names, birthdate, phone, email) is turned into flags
-- and a keyed identity hash here and never selected: no later layer can reach it.
with source as (

    select * from {{ source('dentrix', 'v_patient') }}

),

flagged as (

    select
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        status,
        privacy_flags,
        {{ phone_status('mobile_phone') }} as mobile_phone_status,
        -- textable (extracts.md §3.3): valid mobile_phone and privacy_flags bit 2 (no text or email) clear
        coalesce({{ is_valid_phone('mobile_phone') }}, false)
            and (coalesce(privacy_flags, 0) & 2) = 0 as has_textable_mobile,
        {{ is_valid_email('email') }} as has_valid_email,
        {{ identity_hash('first_name', 'last_name', 'birth_date') }} as identity_hash,
        {{ stg_lineage_columns() }}
    from source

),

final as (

    select * from flagged

)

select * from final
