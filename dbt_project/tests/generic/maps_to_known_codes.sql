{#- Model-level form of maps_to_known_code for several code columns of one table: fails on every row where any of
    `columns` maps to 'unknown' (macros/map_code.sql), returning the row plus `unknown_columns`, the names of those
    columns. One scan of the model instead of one per column: on a staging view each test recomputes the view
    (stg_comms__messages: five per-column tests took 38 s of a 300-location refresh; issue 8). -#}
{% test maps_to_known_codes(model, vendor, table_name, columns) %}
{%- if columns is string or columns | length == 0 -%}
  {{ exceptions.raise_compiler_error("maps_to_known_codes: `columns` must be a non-empty list of column names") }}
{%- endif %}
with mapped as (

    select
        *,
        [{% for c in columns %}case when {{ map_code(vendor, table_name, c, c, 'source_id') }} = 'unknown'
            then '{{ c }}' end{{ ", " if not loop.last }}{% endfor %}] as _unknown

    from {{ model }}

)

select * exclude (_unknown), list_filter(_unknown, lambda name: name is not null) as unknown_columns
from mapped
where len(list_filter(_unknown, lambda name: name is not null)) > 0
{% endtest %}
