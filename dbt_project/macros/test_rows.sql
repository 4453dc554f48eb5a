{#-
  Which rows a data test checks (issue 8: a daily refresh tests what it changed, not two years of history).
  A test whose config has meta.test_rows checks only
    latest_load     the rows the newest load brought (vendor staging views, dbt_project.yml): every staging test's
                    key includes source_file, and a file's rows arrive in one load, so a duplicate or a bad row
                    can only be among the newest load's rows; after a full load that is every row;
    latest_refresh  the rows the latest dbt refresh computed (the models incremental by load,
                    macros/incremental_by_load.sql): a refresh recomputes each changed appointment whole and every
                    key these tests check includes the appointment; after a full build that is every row;
  ANDed with the test's own `where`. Override of dbt's default__get_where_subquery (the `where` config), which
  dispatch finds in the root project first.
  A change of the code maps (seeds, source code overrides) is not a new load: refresh with `full_refresh: true` in
  the run config of ingest_drop and dbt_build (a full load and a full build) to re-test every row against them.
-#}
{% macro default__get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- if config.get('where') -%}
        {%- do predicates.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set test_rows = (config.get('meta') or {}).get('test_rows') -%}
    {%- if test_rows == 'latest_load' -%}
        {#- a warehouse with no load recorded (raw rows written some other way: test fixtures) tests every row -#}
        {%- do predicates.append('(load_id = (select max_by(load_id, load_seq) from meta.loads)'
                                 ~ ' or not exists (select 1 from meta.loads))') -%}
    {%- elif test_rows == 'latest_refresh' -%}
        {#- the same expression the models write into _load_seq (incremental_by_load.sql) -#}
        {%- do predicates.append('_load_seq = ' ~ current_load_seq()) -%}
    {%- elif test_rows -%}
        {{ exceptions.raise_compiler_error("meta.test_rows: unknown value " ~ test_rows) }}
    {%- endif -%}
    {%- if predicates -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ predicates | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
