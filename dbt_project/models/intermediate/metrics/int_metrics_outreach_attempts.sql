{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_outreach_attempts() }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Outreach attempts and whether they were answered (metrics.md §2, extracts.md §4 "Response linkage"): one row
-- per attempt, from two feeds:
--   feed 'comms'    the communication platform: current version of each message (int_comms_messages_latest;
--                   a deleted current version is gone); outbound, campaign reminder / confirmation / recall,
--                   delivery_status not 'queued'. sent_at (tstz) converted to the location's local time.
--   feed 'pms_sms'  Open Dental smstomobile (outbound; current version per SmsToMobileNum): MsgType -> reminder /
--                   confirmation / recall (3; 5, 6; 2, 7), SmsStatus not queued (0/1); DateTimeSent is already
--                   local wall-clock. Inbound: smsfrommobile. Location: ClinicNum (extracts.md §2).
-- Answered:
--   'in_reply_to'   an inbound message's in_reply_to is the attempt's message_id (comms only; any time later)
--   'within_72h'    failing that, an inbound from the same patient_key at the same location received in
--                   (sent_at, sent_at + 72 h]: strictly after the attempt, 72 h exactly inclusive. That is "the
--                   first inbound after it arrives within 72 h". Any inbound counts, also one replying to another
--                   message; one inbound may answer several attempts.
-- Which feed a metric uses (before / after go-live) is decided downstream.
-- Incremental by load (macros/outreach_attempts_changed.sql): a daily refresh recomputes only the attempts whose
-- message or possible answers the new extract rows touch; their answers are looked up among the current inbound
-- messages that reply to one of them or share its patient and location.
-- depends_on: {{ ref('stg_comms__messages') }}
with windows as (

    select * from {{ ref('int_metrics_location_windows') }}

),

location_keys as (

    select * from {{ ref('int_pms_location_keys_listed') }}

),

messages as not materialized (

    select * from {{ ref('int_comms_messages_latest') }}

),

-- the current messages (a deleted current version is gone) of locations with a window; converted to local time
-- only once filtered to attempts below: the conversion of every message (18 M at 1,500 locations), materialized
-- and read three times, was most of a daily refresh of this model
messages_current as not materialized (

    select
        messages.message_id,
        messages.location_id,
        messages.patient_key,
        messages.campaign,
        messages.direction,
        messages.delivery_status,
        messages.in_reply_to,
        messages.sent_at,
        windows.timezone
    from messages
    inner join windows
        on windows.location_id = messages.location_id
    where not messages.is_deleted_version

),

{%- if is_incremental() %}

comms_touched as (

    {{ outreach_comms_touched_versions() }}

),

-- the attempts to recompute: touched or replied to by a touched message, or of a patient a touched message names
comms_changed as (

    select message_id from comms_touched
    union
    select in_reply_to from comms_touched where in_reply_to is not null
    union
    select messages_current.message_id from messages_current
    semi join comms_touched
        on comms_touched.location_id = messages_current.location_id
        and comms_touched.patient_key = messages_current.patient_key

),
{%- endif %}

comms_attempts as (

    select
        * exclude (timezone),
        timezone(timezone, sent_at) as sent_at_local
    from messages_current
    where direction = 'outbound' and campaign in ('reminder', 'confirmation', 'recall')
        and delivery_status <> 'queued'
        {%- if is_incremental() %}
        and message_id in (select message_id from comms_changed)
        {%- endif %}

),

-- the inbound messages that can answer an attempt: replying to it, or from its patient at its location
comms_inbound as (

    select * from messages_current
    where direction = 'inbound'
        {%- if is_incremental() %}
        and (
            in_reply_to in (select message_id from comms_attempts)
            or (location_id, patient_key) in (select location_id, patient_key from comms_attempts)
        )
        {%- endif %}

),

comms_answered as (

    select
        comms_attempts.message_id,
        bool_or(replies.message_id is not null) as answered_by_reply,
        bool_or(later.message_id is not null) as answered_within_72h
    from comms_attempts
    left join comms_inbound as replies
        on replies.in_reply_to = comms_attempts.message_id
    left join comms_inbound as later
        on later.location_id = comms_attempts.location_id
        and later.patient_key = comms_attempts.patient_key
        and later.sent_at > comms_attempts.sent_at
        and later.sent_at <= comms_attempts.sent_at + interval 72 hour
    group by comms_attempts.message_id

),

sms_out as (

    select * from {{ ref('stg_opendental__smstomobile') }}
    qualify row_number() over (partition by source_id, smstomobilenum order by extract_date desc, source_line desc nulls first) = 1

),

sms_in as (

    select * from {{ ref('stg_opendental__smsfrommobile') }}
    qualify row_number() over (partition by source_id, smsfrommobilenum order by extract_date desc, source_line desc nulls first) = 1

),

sms_out_located as (

    select
        sms_out.source_id,
        sms_out.smstomobilenum,
        sms_out.patient_key,
        {{ map_code('opendental', 'smstomobile', 'msgtype', 'sms_out.msgtype', 'sms_out.source_id') }} as campaign,
        {{ map_code('opendental', 'smstomobile', 'smsstatus', 'sms_out.smsstatus', 'sms_out.source_id') }} as delivery_status,
        sms_out.datetimesent as sent_at_local,
        coalesce(whole_database.location_id, by_key.location_id,
            case when coalesce(trim(sms_out.clinicnum), '0') in ('', '0') then blank_key.location_id end) as location_id
    from sms_out
    left join location_keys as whole_database
        on whole_database.source_id = sms_out.source_id and whole_database.location_key = '*'
    left join location_keys as by_key
        on by_key.source_id = sms_out.source_id and by_key.location_key = trim(sms_out.clinicnum)
    left join location_keys as blank_key
        on blank_key.source_id = sms_out.source_id and blank_key.location_key = ''
    where not sms_out.is_deleted_version and sms_out.datetimesent is not null

),

sms_in_located as (

    select
        sms_in.source_id,
        sms_in.patient_key,
        sms_in.datetimereceived as received_at_local,
        coalesce(whole_database.location_id, by_key.location_id,
            case when coalesce(trim(sms_in.clinicnum), '0') in ('', '0') then blank_key.location_id end) as location_id
    from sms_in
    left join location_keys as whole_database
        on whole_database.source_id = sms_in.source_id and whole_database.location_key = '*'
    left join location_keys as by_key
        on by_key.source_id = sms_in.source_id and by_key.location_key = trim(sms_in.clinicnum)
    left join location_keys as blank_key
        on blank_key.source_id = sms_in.source_id and blank_key.location_key = ''
    where not sms_in.is_deleted_version and sms_in.datetimereceived is not null

),

{%- if is_incremental() %}

-- the attempts to recompute: touched, or of a patient of the same source a touched inbound version names
sms_changed as (

    {{ outreach_sms_touched_attempts() }}
    union
    select sms_out.source_id || '|' || sms_out.smstomobilenum from sms_out
    semi join ({{ outreach_sms_touched_patients() }}) as touched
        on touched.source_id = sms_out.source_id and touched.patient_key = sms_out.patient_key

),
{%- endif %}

sms_attempts as (

    select * from sms_out_located
    where location_id is not null and campaign in ('reminder', 'confirmation', 'recall') and delivery_status <> 'queued'
        {%- if is_incremental() %}
        and source_id || '|' || smstomobilenum in (select * from sms_changed)
        {%- endif %}

),

sms_answered as (

    select
        sms_attempts.source_id,
        sms_attempts.smstomobilenum,
        bool_or(later.patient_key is not null) as answered_within_72h
    from sms_attempts
    left join sms_in_located as later
        on later.location_id = sms_attempts.location_id
        and later.patient_key = sms_attempts.patient_key
        and later.received_at_local > sms_attempts.sent_at_local
        and later.received_at_local <= sms_attempts.sent_at_local + interval 72 hour
    group by all

),

unioned as (

    select
        'comms' as feed,
        comms_attempts.message_id as attempt_id,
        comms_attempts.location_id,
        comms_attempts.patient_key,
        comms_attempts.campaign,
        comms_attempts.sent_at_local,
        case
            when comms_answered.answered_by_reply then 'in_reply_to'
            when comms_answered.answered_within_72h then 'within_72h'
        end as answered_via
    from comms_attempts
    inner join comms_answered
        on comms_answered.message_id = comms_attempts.message_id

    union all

    select
        'pms_sms',
        sms_attempts.source_id || '|' || sms_attempts.smstomobilenum,
        sms_attempts.location_id,
        sms_attempts.patient_key,
        sms_attempts.campaign,
        sms_attempts.sent_at_local,
        case when sms_answered.answered_within_72h then 'within_72h' end
    from sms_attempts
    inner join sms_answered
        on sms_answered.source_id = sms_attempts.source_id
        and sms_answered.smstomobilenum = sms_attempts.smstomobilenum

),

final as (

    select
        feed,
        attempt_id,
        location_id,
        patient_key,
        campaign,
        sent_at_local,
        cast(sent_at_local as date) as sent_date,
        answered_via is not null as is_answered,
        answered_via
    from unioned

)

select * from final
