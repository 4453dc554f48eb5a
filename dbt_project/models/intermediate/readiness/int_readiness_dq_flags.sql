-- Data-quality flag per location (metrics.md §5) for baseline completeness, read from the quality mart when it
-- exists. The quality marts are built after the data-quality runner (connectors/quality), so this model looks the
-- table up at run time instead of ref()-ing it: until it exists every location's DQ status is 'pending' (not a
-- failure). Table: var('readiness_dq_flags_schema', 'marts').var('readiness_dq_flags_table'); expected columns
-- location_id and is_flagged (boolean), optionally flag_reasons (list or text).
{%- set dq_schema = var('readiness_dq_flags_schema', 'marts') %}
{%- set dq_table = var('readiness_dq_flags_table', 'rpt_dq_location_flags') %}
{%- set dq_relation = adapter.get_relation(database=target.database, schema=dq_schema, identifier=dq_table) if execute else none %}
{%- set dq_columns = (adapter.get_columns_in_relation(dq_relation) | map(attribute='name') | map('lower') | list) if dq_relation else [] %}
{%- set usable = 'location_id' in dq_columns and 'is_flagged' in dq_columns %}
with locations as (

    select location_id from {{ ref('int_readiness_locations') }}

),

{% if usable %}
flags as (

    select
        location_id,
        bool_or(is_flagged) as is_flagged,
        {%- if 'flag_reasons' in dq_columns %}
        string_agg(distinct cast(flag_reasons as varchar), '; ') as flag_reasons
        {%- else %}
        cast(null as varchar) as flag_reasons
        {%- endif %}
    from {{ dq_relation }}
    group by location_id

),
{% else %}
flags as (

    select cast(null as varchar) as location_id, cast(null as boolean) as is_flagged, cast(null as varchar) as flag_reasons
    where false

),
{% endif %}

final as (

    select
        locations.location_id,
        flags.is_flagged,
        flags.flag_reasons,
        {{ "true" if usable else "false" }} as dq_source_available
    from locations
    left join flags
        on flags.location_id = locations.location_id

)

select * from final
