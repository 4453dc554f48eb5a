-- Latest go-live attestation per (location, wave) (manual/go_live_attestations.csv): the latest attested_on.
with attestations as (

    select * from {{ ref('stg_manual__go_live_attestations') }}

),

final as (

    select
        location_id,
        wave,
        attested_on,
        staff_trained,
        staff_using_system,
        champion_confidence
    from attestations
    where not is_deleted_version
    qualify row_number() over (
        partition by location_id, wave order by attested_on desc, load_id desc nulls last, source_line desc nulls last
    ) = 1

)

select * from final
