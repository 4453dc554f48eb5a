-- Every data-quality result ever recorded (meta.dq_check_results, appended by connectors/quality on each run),
-- with the check's texts from meta.dq_check_catalog. Before the first run those tables do not exist yet: the
-- model is then empty (typed) instead of failing, so a plain `dbt build` of the project still succeeds.
{%- set results = source('data_quality', 'dq_check_results') %}
{%- set catalog = source('data_quality', 'dq_check_catalog') %}
{%- set have_tables = execute
    and adapter.get_relation(database=results.database, schema=results.schema, identifier=results.identifier) is not none
    and adapter.get_relation(database=catalog.database, schema=catalog.schema, identifier=catalog.identifier) is not none %}
{%- if have_tables %}
with results as (

    select * from {{ results }}

),

catalog as (

    select * from {{ catalog }}

),

final as (

    select
        results.run_id,
        results.run_at,
        results.as_of_date,
        results.check_name,
        results.category,
        results.severity,
        results.weight,
        results.method,
        results.table_name,
        results.location_id,
        results.rows_examined,
        results.rows_failing,
        results.failing_sample,
        catalog.description,
        catalog.unit,
        catalog.problem,
        catalog.how_to_fix
    from results
    left join catalog on catalog.check_name = results.check_name

)

select * from final
{%- else %}
select
    cast(null as varchar) as run_id, cast(null as timestamp) as run_at, cast(null as date) as as_of_date,
    cast(null as varchar) as check_name, cast(null as varchar) as category, cast(null as varchar) as severity,
    cast(null as double) as weight, cast(null as varchar) as method, cast(null as varchar) as table_name,
    cast(null as varchar) as location_id, cast(null as bigint) as rows_examined,
    cast(null as bigint) as rows_failing, cast(null as varchar[]) as failing_sample,
    cast(null as varchar) as description, cast(null as varchar) as unit, cast(null as varchar) as problem,
    cast(null as varchar) as how_to_fix
where false
{%- endif %}
