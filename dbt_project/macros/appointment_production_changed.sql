{#-
  int_metrics_appointment_production, incremental by load (the pattern of macros/incremental_by_load.sql, per
  appointment): an appointment's production is a function of
    Open Dental  the current versions of the procedures whose current AptNum is the appointment;
    Eaglesoft    the appointment's current version;          Dentrix  the appointment's current v_appt version.
  So a pending load can change only the appointments it brought a row of (Eaglesoft, Dentrix), and for Open Dental
  the appointments that any version of a procedure it brought a row of names: a procedure moved to another
  appointment changes both. A reloaded unit or a full load gives each of its rows the new load_id, so the set then
  holds all of its appointments; the pre-hook also deletes every row of a reloaded source or of a full load. The
  code maps come with their source's unit. A change of the model's logic needs `dbt build --full-refresh`.
-#}

{#- (source_id, appointment_id) that any version of an Open Dental procedure a pending load brought a row of names
    (a procedure moved to another appointment changes both; also read by macros/recall_visits_changed.sql) -#}
{% macro opendental_touched_procedure_appointments() -%}
    select source_id, aptnum as appointment_id from {{ ref('stg_opendental__procedurelog') }}
    where (source_id, procnum) in (
        select source_id, procnum from {{ ref('stg_opendental__procedurelog') }}
        where load_id in {{ pending_load_ids() }}
    )
{%- endmacro %}

{#- Body filter of stg_opendental__procedurelog: every procedure that has a version on one of the appointments
    (source_id, appointment_id) of the relation `appointments` names, the ones there now among them (so the current
    version of each procedure now on those appointments can be ranked; also read by int_metrics_recall_visits) -#}
{% macro opendental_procedures_ever_on(appointments) -%}
    (source_id, procnum) in (
        select source_id, procnum from {{ ref('stg_opendental__procedurelog') }}
        where (source_id, aptnum) in (select source_id, appointment_id from {{ appointments }})
    )
{%- endmacro %}

{#- (source_id, appointment_id) whose production a pending load may change -#}
{% macro production_changed_appointments() -%}
    {{ opendental_touched_procedure_appointments() }}
    union
    select source_id, appointment_id from {{ ref('stg_eaglesoft__appointment') }}
    where load_id in {{ pending_load_ids() }}
    union
    select source_id, appointment_id from {{ ref('stg_dentrix__v_appt') }}
    where load_id in {{ pending_load_ids() }}
{%- endmacro %}

{#- Pre-hook: delete the rows a pending load may change, and every row of a reloaded source or of a full load. -#}
{% macro delete_changed_production() -%}
    {{ delete_changed_rows('(source_id, appointment_id) in (' ~ production_changed_appointments() ~ ')') }}
{%- endmacro %}
