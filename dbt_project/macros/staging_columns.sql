{#- The lineage columns every staging model carries, renamed from the raw metadata columns. -#}
{% macro stg_lineage_columns(relation_alias=none) -%}
    {%- set p = (relation_alias ~ '.') if relation_alias else '' -%}
    {{ p }}_source_id as source_id,
    {{ p }}_extract_date as extract_date,
    {{ p }}_file as source_file,
    {{ p }}_line as source_line,
    coalesce({{ p }}_is_deleted, false) as is_deleted_version,
    {{ p }}_load_id as load_id
{%- endmacro %}
