{#-
  int_metrics_recall_due_instances, incremental by load (the pattern of macros/incremental_by_load.sql, per
  patient): a patient's due instances are a function of
    the patient's own recall rows (every version)          int_metrics_recall_records, stg_opendental__recall;
    the patient's int_metrics_patients row and recall visits, and the source's first recall extract, recall types
    and default interval                                   fingerprinted in int_metrics_recall_due_inputs.
  So a pending load can change only the patients it brought a recall row of (Open Dental recall, Eaglesoft
  patient_recalls, Dentrix recallpending or v_patient_recall), the patients whose inputs row changed since this
  model's watermark, and every patient of a source whose inputs row changed. The pre-hook also deletes every row
  of a reloaded source or of a full load (for patients gone from the reloaded files), so those sources count as
  changed whole: a patient with no recall row whose inputs hash did not change still has instances implied by its
  visits. A change of the model's logic needs `dbt build --full-refresh`.
-#}

{#- (source_id, patient_key) whose due instances a pending load may change -#}
{% macro recall_due_changed_patients() -%}
    select source_id, patient_key from {{ ref('int_metrics_recall_due_inputs') }}
    where _load_seq > {{ load_watermark() }} and patient_key <> ''
    {%- for table in ['stg_opendental__recall', 'stg_eaglesoft__patient_recalls', 'stg_dentrix__recallpending',
                      'stg_dentrix__v_patient_recall'] %}
    union
    select source_id, patient_key from {{ ref(table) }} where load_id in {{ pending_load_ids() }}
    {%- endfor %}
{%- endmacro %}

{#- source_id whose every due instance a pending load may change: its inputs row changed, or the pre-hook deleted
    all of its rows (a reloaded unit, a full load), among them those of patients whose recall rows and inputs did
    not change (instances implied by visits alone) -#}
{% macro recall_due_changed_sources() -%}
    select source_id from {{ ref('int_metrics_recall_due_inputs') }}
    where patient_key = '' and (
        _load_seq > {{ load_watermark() }}
        or {{ pending_full_load() }}
        or {{ pending_reloaded_unit('source_id') }}
    )
{%- endmacro %}

{#- The rows (of a relation with source_id and patient_key) of the sets above. -#}
{% macro recall_due_changed() -%}
    ((source_id, patient_key) in ({{ recall_due_changed_patients() }})
        or source_id in ({{ recall_due_changed_sources() }}))
{%- endmacro %}

{#- Pre-hook: delete the rows a pending load may change, and every row of a reloaded source or of a full load. -#}
{% macro delete_changed_recall_due_instances() -%}
    {{ delete_changed_rows(recall_due_changed()) }}
{%- endmacro %}

{#- int_metrics_recall_due_instances' body filter: the row's patient or source is among the changed ones (the
    materialized changed_patients / changed_sources CTEs of that model). -#}
{% macro only_changed_recall_patients() -%}
    ((source_id, patient_key) in (select source_id, patient_key from changed_patients)
        or source_id in (select source_id from changed_sources))
{%- endmacro %}
