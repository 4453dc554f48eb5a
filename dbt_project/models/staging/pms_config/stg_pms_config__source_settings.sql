-- Per-source settings from mapping.yml (defaults already filled in by connectors): one row per PMS source.
with source as (

    select * from {{ source('pms_config', 'source_settings') }}

),

final as (

    select
        source_id,
        vendor,
        recall_trigger_codes,
        recall_interval_default,
        location_for_blank_key,
        recall_frequency_unit
    from source

)

select * from final
