{#
    The location tail shared by the three int_<vendor>_appointment_versions_located models: emits two CTEs,
    `appointment_locations` and `inherited`, over the CTE named `versions` (columns source_id, appointment_id,
    version_at, row_location_id, inherits_location). A version that carries no location of its own
    (inherits_location: a synthetic deleted version, a log row holding only the key) takes the location of its
    appointment's latest located version; every other version keeps its own (NULL = unmapped).
#}
{% macro inherit_appointment_location(versions) %}
appointment_locations as (

    -- the appointment's latest located version (a hash aggregate: cheaper than a sorting window at scale)
    select source_id, appointment_id, max_by(row_location_id, version_at) as location_id
    from {{ versions }}
    where not inherits_location and row_location_id is not null
    group by source_id, appointment_id

),

inherited as (

    select
        {{ versions }}.*,
        case
            when not {{ versions }}.inherits_location then {{ versions }}.row_location_id
            else appointment_locations.location_id
        end as location_id
    from {{ versions }}
    left join appointment_locations
        on appointment_locations.source_id = {{ versions }}.source_id
        and appointment_locations.appointment_id = {{ versions }}.appointment_id

)
{% endmacro %}
