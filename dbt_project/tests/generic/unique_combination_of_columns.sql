{#- Fails on every combination of the columns held by more than one row (NULLs compare equal, as in
    GROUP BY: a deleted version has a NULL source_line and is told apart by its key columns). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
