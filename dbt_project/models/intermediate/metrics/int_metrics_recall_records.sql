{{ config(materialized='view') }}
-- PMS recall rows (metrics.md §2 "recall due", extracts.md §3.0): one row per version of a patient's recall row,
-- from EVERY version (history kept across extracts), with the due date it gives:
--   Open Dental   recall.DateDue, else DateDueCalc; versions with IsDisabled 1 give none; type RecallTypeNum
--   Eaglesoft     patient_recalls.next_recall_date per (patient_id, recall_id); type recall_id
--   Dentrix       recallpending.duedate per (patid, recallid); a source without recallpending rows:
--                 v_patient_recall.due_date per (patient_id, recall_type)
-- due_date may be NULL: the row still gives the patient's recall types and its source's first recall extract.
-- A view (issue 8): int_metrics_recall_due_instances reads the rows of the patients it recomputes,
-- int_metrics_recall_due_inputs each source's first recall extract; load_id names the rows a load brought.
with od_recalls as (

    select * from {{ ref('stg_opendental__recall') }} where not is_deleted_version and patient_key is not null

),

es_recalls as (

    select * from {{ ref('stg_eaglesoft__patient_recalls') }} where not is_deleted_version and patient_key is not null

),

dx_recallpending as not materialized (

    select * from {{ ref('stg_dentrix__recallpending') }} where not is_deleted_version and patient_key is not null

),

dx_patient_recall as (

    select * from {{ ref('stg_dentrix__v_patient_recall') }} where not is_deleted_version and patient_key is not null

),

unioned as (

    select 'opendental' as vendor, 'recall' as recall_table, source_id, patient_key, recalltypenum as recall_type,
        coalesce(datedue, dateduecalc) as due_date, extract_date, load_id
    from od_recalls
    where not coalesce(isdisabled, false)

    union all

    select 'eaglesoft', 'patient_recalls', source_id, patient_key, recall_id, next_recall_date, extract_date, load_id
    from es_recalls

    union all

    select 'dentrix', 'recallpending', source_id, patient_key, recallid, duedate, extract_date, load_id
    from dx_recallpending

    union all

    select 'dentrix', 'v_patient_recall', source_id, patient_key, recall_type, due_date, extract_date, load_id
    from dx_patient_recall
    where source_id not in (select distinct source_id from dx_recallpending)

),

final as (

    select * from unioned

)

select * from final
