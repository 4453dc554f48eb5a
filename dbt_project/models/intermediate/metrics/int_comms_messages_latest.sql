{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_comms_messages() }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- The current version of each communication-platform message (extracts.md §4): one row per message_id, its
-- latest extract_date, then latest file line; a deleted current version is kept, flagged.
-- int_metrics_outreach_attempts reads it instead of ranking every message version (and pseudonymizing every
-- patient id) at each refresh.
-- Incremental by load (macros/outreach_attempts_changed.sql): a daily refresh re-ranks only the messages the new
-- extract rows touch, from all of their versions.
with messages as not materialized (

    select * from {{ ref('stg_comms__messages') }}
    {%- if is_incremental() %}
    where message_id in ({{ comms_messages_touched() }})
    {%- endif %}

),

-- only messages with more than one version are ranked (none in the benchmark drops): a window over every message
-- sorted all of them (the pattern of macros/first_seen_rows.sql, latest version instead of first seen)
versioned as (

    select message_id from messages group by message_id having count(*) > 1

),

ranked as not materialized (

    select * from messages anti join versioned using (message_id)
    union all
    select * from (
        select * from messages semi join versioned using (message_id)
        qualify row_number() over (partition by message_id order by extract_date desc, source_line desc nulls first) = 1
    )

),

final as (

    select
        message_id,
        location_id,
        patient_key,
        campaign,
        direction,
        delivery_status,
        in_reply_to,
        sent_at,
        is_deleted_version
    from ranked

)

select * from final
