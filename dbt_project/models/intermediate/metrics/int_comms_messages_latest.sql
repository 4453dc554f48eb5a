{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_comms_messages() }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- The current version of each communication-platform message (extracts.md §4): one row per message_id, its
-- latest extract_date, then latest file line; a deleted current version is kept, flagged.
-- int_metrics_outreach_attempts, int_dq__checks_compliance and rpt_go_live_scorecard read it instead of ranking
-- every message version (and pseudonymizing every patient id) at each refresh.
-- Incremental by load (macros/outreach_attempts_changed.sql): a daily refresh re-ranks only the messages the new
-- extract rows touch, from all of their versions.
with messages as not materialized (

    select * from {{ ref('stg_comms__messages') }}
    {%- if is_incremental() %}
    where message_id in ({{ comms_messages_touched() }})
    {%- endif %}

),

-- ranked: one row per message, its latest version; only messages with more than one version are ranked (none in
-- the benchmark drops), not every message (macros/first_seen_rows.sql)
{{ first_seen_rows('ranked', 'messages', ['message_id'], order_by='extract_date desc, source_line desc nulls first') }},

final as (

    select
        message_id,
        location_id,
        patient_key,
        campaign,
        channel,
        direction,
        delivery_status,
        in_reply_to,
        sent_at,
        is_deleted_version
    from ranked

)

select * from final
