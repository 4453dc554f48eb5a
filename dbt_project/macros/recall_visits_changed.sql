{#-
  int_metrics_recall_visits, incremental by load (the pattern of macros/incremental_by_load.sql, per completed
  slot): a slot's row is a function of
    its appointment's slots          int_appointment_slots_derived, recomputed for the appointments
                                     int_appointment_changes_logged names (so the same log names this model's);
    Open Dental                      the current versions of the procedures whose current AptNum is the
                                     appointment, and the current version of their procedure codes;
    Eaglesoft                        the appointment's current version (a logged appointment) and every version
                                     of the patient's patient_recalls rows (last_recall_date);
    Dentrix                          every version of the patient's recallpending rows (priordate), and whether
                                     the source has any recallpending row (the 'approximated' rule).
  So a pending load can change only
    appointments  the logged ones, and for Open Dental every appointment that any version of a procedure the load
                  brought a row of names (a procedure moved to another appointment changes both), or that any
                  version of a procedure with a code the load brought a procedurecode row of names;
    patients      the (source_id, patient_key) of each Eaglesoft patient_recalls or Dentrix recallpending row the
                  load brought;
    sources       a Dentrix source whose first recallpending rows the load brought.
  A reloaded unit or a full load gives each of its rows the new load_id, so these sets then hold all of its slots;
  the pre-hook also deletes every row of a reloaded source or of a full load, for slots gone from the reloaded
  files. The source settings (recall_trigger_codes) come with their source's unit. A change of the model's logic
  needs `dbt build --full-refresh`.
-#}

{#- (source_id, appointment_id) whose recall visits a pending load may change -#}
{% macro recall_visits_changed_appointments() -%}
    {{ changed_appointment_keys('logged') }}
    union
    {{ opendental_touched_procedure_appointments() }}
    union
    select source_id, aptnum from {{ ref('stg_opendental__procedurelog') }}
    where (source_id, codenum) in (
        select source_id, codenum from {{ ref('stg_opendental__procedurecode') }}
        where load_id in {{ pending_load_ids() }}
    )
{%- endmacro %}

{#- (source_id, patient_key) whose recall visits a pending load may change -#}
{% macro recall_visits_changed_patients() -%}
    select source_id, patient_key from {{ ref('stg_eaglesoft__patient_recalls') }}
    where load_id in {{ pending_load_ids() }}
    union
    select source_id, patient_key from {{ ref('stg_dentrix__recallpending') }}
    where load_id in {{ pending_load_ids() }}
{%- endmacro %}

{#- source_id whose every recall visit a pending load may change -#}
{% macro recall_visits_changed_sources() -%}
    select source_id from {{ ref('stg_dentrix__recallpending') }} where load_id in {{ pending_load_ids() }}
    except
    select source_id from {{ ref('stg_dentrix__recallpending') }} where load_id not in {{ pending_load_ids() }}
{%- endmacro %}

{#- The slots (or rows) of the sets above: source_id, appointment_id and patient_key columns of the relation. -#}
{% macro recall_visit_changed() -%}
    ((source_id, appointment_id) in ({{ recall_visits_changed_appointments() }})
        or (source_id, patient_key) in ({{ recall_visits_changed_patients() }})
        or source_id in ({{ recall_visits_changed_sources() }}))
{%- endmacro %}

{#- Pre-hook: delete the rows a pending load may change, and every row of a reloaded source or of a full load. -#}
{% macro delete_changed_recall_visits() -%}
    {{ delete_changed_rows(recall_visit_changed()) }}
{%- endmacro %}
