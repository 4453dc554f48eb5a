{#- Layer schemas are named exactly as configured (staging, intermediate, marts, seeds) rather than
    dbt's default "<target schema>_<custom>", so the publish step and dashboards can address `marts.*`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
