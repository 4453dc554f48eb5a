{#-
  The pseudonym key as a SQL string literal, read from the environment at compile time
  (DSO_PSEUDONYM_KEY; 'dev-only-pseudonym-key' is a documented development default only).
  Note: the key therefore appears in compiled SQL (target/) and in the staging view definitions inside the
  warehouse file; both are pipeline-private. The published marts file holds tables only, never these views.
-#}
{% macro pseudonym_key_literal() -%}
    '{{ env_var("DSO_PSEUDONYM_KEY", "dev-only-pseudonym-key") | replace("'", "''") }}'
{%- endmacro %}

{#-
  pseudonymize(source_id_expr, patient_id_expr)

  Keyed hash of a patient id: lower-case hex sha256 of  key || '|' || source_id || '|' || patient_id.
  - Keyed, with the key from the environment, so the small space of PMS patient numbers cannot be
    brute-forced back from the hash without the secret.
  - source_id is an input because PMS keys are unique per source only (PatNum 42 in two databases are two people).
  - NULL patient id -> NULL key (never the hash of an empty string, which would merge unknown patients).
-#}
{% macro pseudonymize(source_id_expr, patient_id_expr) -%}
    case when ({{ patient_id_expr }}) is null then null
         else sha256(
             {{ pseudonym_key_literal() }}
             || '|' || cast({{ source_id_expr }} as varchar)
             || '|' || cast({{ patient_id_expr }} as varchar)
         )
    end
{%- endmacro %}
