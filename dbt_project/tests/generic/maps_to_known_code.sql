{#- Fails on every code in the column that the code map sends to 'unknown' (an unknown code is a finding: warn). -#}
{% test maps_to_known_code(model, column_name, vendor, table_name, code_column=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and {{ map_code(vendor, table_name, code_column or column_name, column_name, 'source_id') }} = 'unknown'
{% endtest %}
