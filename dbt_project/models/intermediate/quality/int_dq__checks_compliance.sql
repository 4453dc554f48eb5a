-- Opt-out compliance (extracts.md §8), one row per (check, location):
--   sms_after_opt_out               critical  outbound SMS sent after the patient's SMS opt-out at that location
--                                             and before any opted_in_at (must be zero)
--   message_after_opt_out_other_channel  warning  the same for email and voice
-- Current message version per message_id (latest extract, int_comms_messages_latest); a message whose current
-- version is a deletion (absent from a full extract) is gone, as in the outreach metrics. Every version of an
-- opt-out row counts as an opt-out window, with its latest-known opted_in_at. Queued messages were never sent and
-- are not examined.
with messages as (

    select * from {{ ref('int_comms_messages_latest') }}

),

opt_outs as (

    select * from {{ ref('stg_comms__opt_outs') }}

),

current_messages as (

    select * from messages where not is_deleted_version

),

outbound as (

    select message_id, location_id, patient_key, channel, sent_at
    from current_messages
    where direction = 'outbound' and coalesce(delivery_status, '') <> 'queued'

),

opt_out_windows as (

    select location_id, patient_key, channel, opted_out_at, max(opted_in_at) as opted_in_at
    from opt_outs
    where not is_deleted_version and patient_key is not null
    group by all

),

violations as (

    select distinct outbound.message_id
    from outbound
    inner join opt_out_windows
        on opt_out_windows.location_id = outbound.location_id
        and opt_out_windows.patient_key = outbound.patient_key
        and opt_out_windows.channel = outbound.channel
        and outbound.sent_at > opt_out_windows.opted_out_at
        and (opt_out_windows.opted_in_at is null or outbound.sent_at < opt_out_windows.opted_in_at)

),

judged as (

    select
        case when outbound.channel = 'sms' then 'sms_after_opt_out'
             else 'message_after_opt_out_other_channel' end as check_name,
        outbound.location_id,
        outbound.message_id,
        outbound.patient_key,
        violations.message_id is not null as is_violation
    from outbound
    left join violations on violations.message_id = outbound.message_id
    where outbound.channel in ('sms', 'email', 'voice')

),

final as (

    select
        check_name,
        location_id,
        count(*) as rows_examined,
        count(*) filter (where is_violation) as rows_failing,
        list('message ' || message_id || ' to patient_key ' || patient_key order by message_id)
            filter (where is_violation)[1:5] as failing_sample
    from judged
    group by all

)

select check_name, location_id, rows_examined, rows_failing, failing_sample from final
