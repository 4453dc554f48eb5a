{#- Fails on every row where any of the columns is NULL: the row itself plus `null_columns`, the names of its NULL
    columns. One scan of the model for all the columns (a `not_null` per column costs one query, one dbt node and
    one Dagster asset-check event each: issue 8). A test-level `where` config filters the rows as for `not_null`. -#}
{% test not_null_columns(model, columns) %}
{%- if columns is string or columns | length == 0 -%}
  {{ exceptions.raise_compiler_error("not_null_columns: `columns` must be a non-empty list of column names") }}
{%- endif %}
select
    *,
    list_filter(
        [{% for c in columns %}case when {{ c }} is null then '{{ c }}' end{{ ", " if not loop.last }}{% endfor %}],
        lambda name: name is not null
    ) as null_columns
from {{ model }}
where {% for c in columns %}{{ c }} is null{{ " or " if not loop.last }}{% endfor %}
{% endtest %}
