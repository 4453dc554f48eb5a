{#
    The log de-duplication shared by the three int_<vendor>_appointment_versions_located models: emits two CTEs,
    `<name>_resent` and `<name>`, over the CTE named `rows`. `<name>` holds every row of `rows`, a row sent again
    by a later extract once (the same version, first seen wins: earliest extract_date, then file line;
    extracts.md §3.1-3.3).
    Only the rows whose `candidate_key` occurs more than once are ranked, by `version_key` (default: the candidate
    key). A window over every log row sorted all of their columns and spilled gigabytes at scale
    (docs/benchmarks.md "Session 6" and "Session 7"); an aggregate over the key, an anti join and a semi join do not.
    Every row sent again must share its candidate key, and the candidate key's columns must never be NULL (the
    contract requires them), since the joins match on them.
    `order_by` picks the copy that stays (default: first seen). int_comms_messages_latest and
    int_go_live_sync_events keep each message's / sync event's latest version with it ('extract_date desc, ...').
#}
{% macro first_seen_rows(name, rows, candidate_key, version_key=none, order_by='extract_date, source_line') %}
{%- set key = candidate_key | join(', ') -%}
{{ name }}_resent as (

    -- ({{ key }}) of more than one row (rare: none in the benchmark drops)
    select {{ key }} from {{ rows }} group by {{ key }} having count(*) > 1

),

{{ name }} as not materialized (

    select * from {{ rows }} anti join {{ name }}_resent using ({{ key }})
    union all
    select * from (
        select * from {{ rows }} semi join {{ name }}_resent using ({{ key }})
        qualify row_number() over (
            partition by {{ (version_key or candidate_key) | join(', ') }} order by {{ order_by }}
        ) = 1
    )

)
{% endmacro %}
