{#-
  int_metrics_outreach_attempts, incremental by load (the pattern of macros/incremental_by_load.sql, per attempt):
  an attempt's row is a function of its own current message and of the current inbound messages that can answer
  it: those replying to it (in_reply_to, comms only) and those from the same patient at the same location. So a
  pending load can change only
    comms     the attempts whose id is a message the load brought a row of, or the in_reply_to of any version of
              such a message, and the attempts of any (location_id, patient_key) such a version carries;
    pms_sms   (Open Dental smstomobile / smsfrommobile) the attempts the load brought a row of, and the attempts
              of any (source_id, patient_key) of any version of an inbound row it brought. A source's SMS rows
              locate only to that source's locations, so the source stands in for the location.
  Every version counts, not just the current one: a new version that moves an inbound message to another patient
  un-answers the old patient's attempts. A reloaded unit or a full load gives each of its rows the new load_id,
  so the sets above then hold all of its attempts. The pre-hook also deletes every row of a reloaded unit
  ('comms', or an Open Dental source) or of a full load, for messages that are gone from the reloaded files.
  Timezones, locations and the Open Dental location keys come from locations.csv, whose change is a full load; the
  code maps come with their source's unit. A change of this model's logic needs `dbt build --full-refresh`.
-#}

{#- message_id of each comms message a pending load brought a row of -#}
{% macro comms_messages_touched() -%}
    select message_id from {{ ref('stg_comms__messages') }} where load_id in {{ pending_load_ids() }}
{%- endmacro %}

{#- every version (message_id, in_reply_to, location_id, patient_key) of each comms message a pending load brought
    a row of -#}
{% macro outreach_comms_touched_versions() -%}
    select message_id, in_reply_to, location_id, patient_key from {{ ref('stg_comms__messages') }}
    where message_id in ({{ comms_messages_touched() }})
{%- endmacro %}

{#- int_comms_messages_latest's pre-hook: delete the messages a pending load brought a row of, and every row after
    a full load or a reload of the comms unit (for messages gone from the reloaded files). -#}
{% macro delete_changed_comms_messages() -%}
    {{ delete_changed_rows('message_id in (' ~ comms_messages_touched() ~ ')', "'comms'") }}
{%- endmacro %}

{#- (source_id, patient_key) of every version of each Open Dental inbound SMS a pending load brought a row of -#}
{% macro outreach_sms_touched_patients() -%}
    select source_id, patient_key from {{ ref('stg_opendental__smsfrommobile') }}
    where (source_id, smsfrommobilenum) in (
        select source_id, smsfrommobilenum from {{ ref('stg_opendental__smsfrommobile') }}
        where load_id in {{ pending_load_ids() }}
    )
{%- endmacro %}

{#- attempt ids (source_id|smstomobilenum) of the Open Dental outbound SMS a pending load brought a row of -#}
{% macro outreach_sms_touched_attempts() -%}
    select source_id || '|' || smstomobilenum from {{ ref('stg_opendental__smstomobile') }}
    where load_id in {{ pending_load_ids() }}
{%- endmacro %}

{#- Pre-hook: delete the rows a pending load may change (above), and every row of a reloaded unit or full load. -#}
{% macro delete_changed_outreach_attempts() -%}
    {%- if is_incremental() -%}
    {#- the touched versions are read three times below: scan the staging view for them once #}
    with comms_touched as materialized ({{ outreach_comms_touched_versions() }})
    delete from {{ this }}
    where {{ pending_full_load() }}
        or (feed = 'comms' and (
            {{ pending_reloaded_unit("'comms'") }}
            or attempt_id in (
                select message_id from comms_touched
                union
                select in_reply_to from comms_touched where in_reply_to is not null
            )
            or (location_id, patient_key) in (select location_id, patient_key from comms_touched)
        ))
        or (feed = 'pms_sms' and (
            {{ pending_reloaded_unit("split_part(attempt_id, '|', 1)") }}
            or attempt_id in ({{ outreach_sms_touched_attempts() }})
            or (split_part(attempt_id, '|', 1), patient_key) in ({{ outreach_sms_touched_patients() }})
        ))
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
