-- Whether a location's PMS tracks its own outreach before go-live (metrics.md §2 "Outreach attempts"): one row
-- per location. Only Open Dental has such tables (extracts.md §3.1 smstomobile / smsfrommobile, optional).
--   pms_outreach_tracked  the location's source is Open Dental and BOTH smstomobile and smsfrommobile were loaded
--                         for it (meta.file_loads status 'loaded', or rows present: hand-made warehouses have no
--                         load accounting). Reading: outbound without the inbound table cannot show answers, so it
--                         is "not tracked", never a rate of 0.
with windows as (

    select * from {{ ref('int_metrics_location_windows') }}

),

file_loads as (

    select * from {{ ref('stg_meta__file_loads') }} where status = 'loaded'

),

tables_present as (

    select distinct source_id, table_name from file_loads where table_name in ('smstomobile', 'smsfrommobile')
    union
    select distinct source_id, 'smstomobile' from {{ ref('stg_opendental__smstomobile') }}
    union
    select distinct source_id, 'smsfrommobile' from {{ ref('stg_opendental__smsfrommobile') }}

),

sources_tracked as (

    select source_id
    from tables_present
    group by source_id
    having count(distinct table_name) = 2

),

final as (

    select
        windows.location_id,
        windows.vendor,
        windows.source_id,
        windows.vendor = 'opendental' and sources_tracked.source_id is not null as pms_outreach_tracked
    from windows
    left join sources_tracked
        on sources_tracked.source_id = windows.source_id

)

select * from final
