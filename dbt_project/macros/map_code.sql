{#-
  map_code(vendor, table, column, value_expr, source_id_expr) -> canonical value (varchar)

  Looks a vendor code up in stg_pms_config__code_map (seed vendor_code_map + the source's mapping.yml
  overrides, override wins; Dentrix: listed v_appt_status_codes ids -> scheduled):
    exact code  ->  else the column's '*' (any other value) row  ->  else 'unknown'.   NULL value -> NULL.
  `table` and `column` are the contract's names, lower case ('appointment', 'aptstatus').
  `source_id_expr` is the PMS source of the row (comms/reviews rows: 'comms' / 'reviews').
  The map's columns are renamed cm_* inside the subquery so that unqualified outer column names
  (source_id, code, ...) in the arguments bind to the calling model, not to the map.
  Usage:  {{ map_code('opendental', 'appointment', 'aptstatus', 'aptstatus', 'source_id') }} as status
-#}
{% macro map_code(vendor, table, column, value_expr, source_id_expr) -%}
    {%- set cm -%}
        (select source_id as cm_source_id, vendor as cm_vendor, table_name as cm_table,
                column_name as cm_column, code as cm_code, canonical as cm_canonical
         from {{ ref('stg_pms_config__code_map') }})
    {%- endset -%}
    case
        when ({{ value_expr }}) is null then null
        else coalesce(
            (select max(cm_canonical) from {{ cm }} as cm
             where cm_source_id = ({{ source_id_expr }}) and cm_vendor = '{{ vendor }}'
               and cm_table = '{{ table }}' and cm_column = '{{ column }}'
               and cm_code = trim(cast(({{ value_expr }}) as varchar))),
            (select max(cm_canonical) from {{ cm }} as cm
             where cm_source_id = ({{ source_id_expr }}) and cm_vendor = '{{ vendor }}'
               and cm_table = '{{ table }}' and cm_column = '{{ column }}'
               and cm_code = '*'),
            'unknown'
        )
    end
{%- endmacro %}
