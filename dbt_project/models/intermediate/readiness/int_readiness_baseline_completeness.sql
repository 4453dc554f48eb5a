-- Baseline completeness per location for readiness, taken from the one place it is computed:
-- rpt_location_baselines (metrics.md §2 "Baseline completeness"; rules in docs/metrics.md). Readiness only needs
-- the status, whether it is reliable, and the reasons as a regional manager reads them.
with baselines as (

    select
        location_id,
        baseline_completeness,
        baseline_completeness_reasons,
        baseline_scheduled_appointments,
        dq_flag_reasons
    from {{ ref('rpt_location_baselines') }}

),

final as (

    select
        location_id,
        baseline_completeness as baseline_status,
        baseline_completeness = 'reliable' as baseline_reliable,
        baseline_completeness_reasons as baseline_reasons,
        -- 'dq_pending': the data-quality run has not scored the location yet; listed, and not reliable.
        list_filter(baseline_completeness_reasons, lambda r: r = 'dq_pending') as pending_checks,
        baseline_scheduled_appointments as scheduled_appointments_baseline,
        dq_flag_reasons
    from baselines

)

select * from final
