{#- dbt-core's default safe_cast compiles to a plain cast on DuckDB, which errors on a bad value;
    try_cast returns NULL instead (the "safe" behaviour the cross-db macro promises). -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
