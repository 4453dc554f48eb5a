-- Appointment and appointment-history rows whose location cannot be resolved (extracts.md §2): quarantined with
-- reason `unmapped_location`. One row per file line; a later issue unions this into the quarantine view.
-- Rows that inherit their location (synthetic deleted versions, Open Dental action-4 rows holding only AptNum)
-- are listed only when the appointment has no located version at all and the row has a file line.
{%- set vendors = [
    ('opendental', 'int_opendental_appointment_versions_located'),
    ('eaglesoft', 'int_eaglesoft_appointment_versions_located'),
    ('dentrix', 'int_dentrix_appointment_versions_located'),
] %}
with
{%- for vendor, model in vendors %}
{{ vendor }}_rows as (

    select '{{ vendor }}' as vendor, source_id, table_name, appointment_id, extract_date, source_file, source_line
    from {{ ref(model) }}
    where location_id is null and source_line is not null

),
{% endfor %}
unioned as (

    {%- for vendor, model in vendors %}
    select * from {{ vendor }}_rows
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        vendor,
        source_id,
        table_name,
        appointment_id,
        extract_date,
        source_file as file,
        source_line as line,
        'unmapped_location' as reason
    from unioned

)

select * from final
