{#-
  Incremental models that reprocess only the appointments touched by loads they have not seen yet.

  connectors.ingest appends one row per load to meta.loads (load_seq, load_id, kind, reloaded_units). Each
  incremental appointment-version model keeps, in meta.dbt_load_watermarks, the last load_seq it processed.
  On an incremental run it
    1. (pre-hook) deletes its rows of every changed appointment, of every unit a pending load replaced, or all
       rows if a pending load was a full reload;
    2. (body) recomputes those appointments from ALL their versions and appends them;
    3. (post-hook) records the newest load_seq as processed.
  For a *_located model an appointment is "changed" when a pending load brought one of its rows
  (changed_appointment_keys(vendor) knows each vendor's tables; int_appointment_changes_logged runs it once per
  refresh and the located models read that log); its rows carry _load_seq, the load they were computed at, and
  the *_sequenced model re-sequences the appointments whose located rows are newer than its own watermark.
  Deleting before appending (not dbt's delete+insert on the new rows' keys) also removes an appointment whose
  versions no longer produce any row. The meta tables are named directly (not source()): on-run-start creates
  them when the loader has not, and the models' lineage runs through staging anyway.
  The models downstream of the version models (the three *_events_derived, int_appointment_events_unioned,
  int_appointment_slots_derived) are incremental the same way: every value they hold is a function of one
  appointment's versions and events, so they delete and recompute the appointments int_appointment_changes_logged
  recorded for their pending loads (changed_appointment_keys('logged')). The as-of dependent outcome is added on
  read (int_appointment_slots is a view), so a moving as-of date rewrites nothing.
  A change of the code-map seeds or of these models' logic needs `dbt build --full-refresh`.
-#}

{% macro load_watermark() -%}
    coalesce((select max(load_seq) from meta.dbt_load_watermarks where model = '{{ this.identifier }}'), 0)
{%- endmacro %}

{% macro pending_load_ids() -%}
    (select load_id from meta.loads where load_seq > {{ load_watermark() }})
{%- endmacro %}

{% macro current_load_seq() -%}
    (select coalesce(max(load_seq), 0) from meta.loads)
{%- endmacro %}

{#- (source_id, appointment_id) of every appointment a pending load touched, per vendor ('current_state': the
    three vendors' current-state tables together, for int_dq__appointments). -#}
{% macro changed_appointment_keys(vendor) -%}
    {%- if vendor == 'opendental' -%}
    select source_id, aptnum as appointment_id from {{ ref('stg_opendental__appointment') }}
    where load_id in {{ pending_load_ids() }}
    union
    select source_id, aptnum from {{ ref('stg_opendental__histappointment') }}
    where load_id in {{ pending_load_ids() }}
    {%- elif vendor == 'dentrix' -%}
    select source_id, appointment_id from {{ ref('stg_dentrix__v_appt') }}
    where load_id in {{ pending_load_ids() }}
    union
    select source_id, parentapptid from {{ ref('stg_dentrix__appthist') }}
    where load_id in {{ pending_load_ids() }}
    {%- elif vendor == 'eaglesoft' -%}
    {#- Eaglesoft locates an appointment through its chair and its patient: a new chairs or patient row
        moves every appointment version held in that chair or by that patient. -#}
    {%- set moved -%}
        (source_id, cast(location_id as varchar)) in (
            select source_id, trim(chair_num) from {{ ref('stg_eaglesoft__chairs') }}
            where load_id in {{ pending_load_ids() }}
        )
        or (source_id, patient_key) in (
            select source_id, patient_key from {{ ref('stg_eaglesoft__patient') }}
            where load_id in {{ pending_load_ids() }}
        )
    {%- endset -%}
    select source_id, appointment_id from {{ ref('stg_eaglesoft__appointment') }}
    where load_id in {{ pending_load_ids() }} or {{ moved }}
    union
    select source_id, appt_id from {{ ref('stg_eaglesoft__appt_log') }}
    where load_id in {{ pending_load_ids() }} or {{ moved }}
    {%- elif vendor == 'current_state' -%}
    {#- int_dq__appointments, one model over the three vendors' current-state tables read from raw (raw's _load_id
        is staging's load_id): every Open Dental `appointment`, Eaglesoft `appointment` or Dentrix `v_appt` row a
        pending load brought, and every Eaglesoft appointment version held in a chair a pending load brought a row
        of (its location is the chair's latest practice_id; matched as that model joins them). No vendor in the
        key: the model's is_current_version window is over (source_id, appointment_id), and a source_id is one PMS
        database of one vendor (the loader refuses several pms values). -#}
    select _source_id as source_id, aptnum as appointment_id from {{ source('opendental', 'appointment') }}
    where _load_id in {{ pending_load_ids() }}
    union
    select _source_id, appointment_id from {{ source('eaglesoft', 'appointment') }}
    where _load_id in {{ pending_load_ids() }}
        or (_source_id, cast(location_id as varchar)) in (
            select source_id, chair_num from {{ ref('stg_eaglesoft__chairs') }}
            where load_id in {{ pending_load_ids() }}
        )
    union
    select _source_id, appointment_id from {{ source('dentrix', 'v_appt') }}
    where _load_id in {{ pending_load_ids() }}
    {%- elif vendor == 'logged' -%}
    {#- the located models and the models downstream of the version models (events, slots): the keys
        int_appointment_changes_logged recorded for the loads this model has not processed (that model runs
        changed_appointment_keys once per vendor per refresh, so the three located models do not re-scan the new
        staging rows at each of their reads, nor the five downstream models twice each) -#}
    select source_id, appointment_id from {{ ref('int_appointment_changes_logged') }}
    where load_seq > {{ load_watermark() }}
    {%- else -%}
    {{ exceptions.raise_compiler_error("changed_appointment_keys: unknown vendor " ~ vendor) }}
    {%- endif -%}
{%- endmacro %}

{#- int_dq__appointments' body filter: the row's appointment is among the changed ones of vendor (incremental runs
    only). -#}
{% macro only_changed_appointments(vendor, source_id_expr, appointment_id_expr) -%}
    {%- if is_incremental() -%}
    ({{ source_id_expr }}, {{ appointment_id_expr }}) in ({{ changed_appointment_keys(vendor) }})
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- *_sequenced body filter: located rows recomputed since this model's last run (incremental runs only). -#}
{% macro only_recomputed_since_watermark() -%}
    {%- if is_incremental() -%}
    _load_seq > {{ load_watermark() }}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- is_incremental(), and this model has recorded a watermark. A model that became incremental on a warehouse where
    it was a table has none: its pending loads then include the first, full one, so its pre-hook deletes every row,
    and its body must rebuild whole rather than read int_appointment_changes_logged, which is pruned to the loads
    the other readers have not processed. -#}
{% macro is_incremental_by_load() -%}
    {%- if not (is_incremental() and execute) -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set marks = run_query("select count(*) from meta.dbt_load_watermarks where model = '" ~ this.identifier ~ "'") -%}
    {{- return(marks.columns[0].values()[0] > 0) -}}
{%- endmacro %}

{#- A pending load was a full load (every row was read again). -#}
{% macro pending_full_load() -%}
    exists (select 1 from meta.loads where load_id in {{ pending_load_ids() }} and kind = 'full')
{%- endmacro %}

{#- A pending load reloaded the unit unit_expr evaluates to (a PMS source_id, or a feed: 'comms', ...). -#}
{% macro pending_reloaded_unit(unit_expr) -%}
    list_contains(
        (select flatten(list(reloaded_units)) from meta.loads where load_id in {{ pending_load_ids() }}),
        {{ unit_expr }}
    )
{%- endmacro %}

{#- The rows step 1 deletes: every row after a pending full load, every row of a unit a pending load reloaded, and
    the rows of the changed appointments. recomputed_in: the upstream model whose newer rows name the changed
    appointments (else changed_appointment_keys(vendor)). -#}
{% macro appointment_changed(vendor, recomputed_in=none, source_id_expr='source_id',
                             appointment_id_expr='appointment_id') -%}
    ({{ pending_full_load() }}
        or {{ pending_reloaded_unit(source_id_expr) }}
        or ({{ source_id_expr }}, {{ appointment_id_expr }}) in (
            {%- if recomputed_in %}
            select source_id, appointment_id from {{ ref(recomputed_in) }} where _load_seq > {{ load_watermark() }}
            {%- else %}
            {{ changed_appointment_keys(vendor) }}
            {%- endif %}
        ))
{%- endmacro %}

{#- Pre-hook of the metric models incremental by load, which find their own change sets: delete every row after a
    pending full load, every row of a unit a pending load reloaded (unit_expr: a source_id, or a feed such as
    'comms'; for rows gone from the reloaded files), and the rows the predicate `changed` selects. -#}
{% macro delete_changed_rows(changed, unit_expr='source_id') -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ pending_full_load() }}
        or {{ pending_reloaded_unit(unit_expr) }}
        or {{ changed }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: step 1 above. -#}
{% macro delete_changed_appointments(vendor, recomputed_in=none) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ appointment_changed(vendor, recomputed_in) }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Body filter of the located models and of the models downstream of the version models (events, slots): the
    appointments int_appointment_changes_logged recorded for this model's pending loads (incremental runs only).
    These are all the appointments the pre-hook delete_changed_appointments('logged') removed that still have a
    row: a full load or a reloaded unit gives every row it holds the new load_id (connectors/ingest.py), so the log
    names each of their appointments. A plain semi join: OR-ing in the pre-hook's full-load and reloaded-unit
    tests made the located models' reads twice as slow (docs/benchmarks.md "Session 8"). Without a watermark of
    its own the model rebuilds whole (is_incremental_by_load). -#}
{% macro only_logged_changed_appointments(source_id_expr='source_id', appointment_id_expr='appointment_id') -%}
    {%- if is_incremental_by_load() -%}
    ({{ source_id_expr }}, {{ appointment_id_expr }}) in ({{ changed_appointment_keys('logged') }})
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- int_appointment_changes_logged's pre-hook: forget the loads every model reading the log has processed, so the
    log stays a few loads long instead of one row per touched appointment per day forever. The readers are the
    models that depend on it (their depends_on comment), taken from the project graph. A reader without a
    watermark rebuilds whole (its pending loads include the first, full one) and needs none of the log. -#}
{% macro prune_appointment_changes() -%}
    {%- set readers = [] -%}
    {%- if execute -%}  {#- the graph is filled at run time, not while parsing -#}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- if model.unique_id in node.depends_on.nodes -%}
                {%- do readers.append(node.alias or node.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if is_incremental() and readers -%}
    delete from {{ this }} where load_seq <= (
        select min(load_seq) from meta.dbt_load_watermarks where model in ('{{ readers | join("', '") }}')
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: step 3 above (also after a full build, which processed every load). -#}
{% macro record_load_watermark() -%}
    delete from meta.dbt_load_watermarks where model = '{{ this.identifier }}';
    insert into meta.dbt_load_watermarks select '{{ this.identifier }}', {{ current_load_seq() }}
{%- endmacro %}

{#- on-run-start: the watermark table (meta is the loader's schema), and meta.loads as connectors/ingest.py
    creates it, for warehouses whose raw tables were written some other way (test fixtures): no loads, so an
    incremental run there changes nothing. -#}
{% macro create_load_watermarks() -%}
    create schema if not exists meta;
    create table if not exists meta.dbt_load_watermarks (model varchar, load_seq bigint);
    create table if not exists meta.loads (load_seq bigint, load_id varchar, drop_dir varchar, kind varchar,
        reloaded_units varchar[], appended_units varchar[], skipped_units integer, loaded_at timestamp)
{%- endmacro %}
