{#-
  Contact-data macros (extracts.md §1 "Contacts"). Phones, emails, names and birthdates are PHI: staging
  models turn them into these flags/hashes and never select the raw values, so no later layer can.
-#}

{#- Digits of a phone with a leading "1" of an 11-digit number dropped (NULL stays NULL). The digits are
    extracted once (a case over four copies of the extraction was most of a patient row's flag cost). -#}
{% macro phone_digits(phone_expr) -%}
    regexp_replace(regexp_replace({{ phone_expr }}, '[^0-9]', '', 'g'), '^1([0-9]{10})$', '\1')
{%- endmacro %}

{#- True when the phone normalises to a valid NANP number: 10 digits, the first 2-9; NULL when no phone. -#}
{% macro is_valid_phone(phone_expr) -%}
    case
        when nullif(trim({{ phone_expr }}), '') is null then null
        else regexp_full_match({{ phone_digits(phone_expr) }}, '[2-9][0-9]{9}')
    end
{%- endmacro %}

{#- 'valid' | 'invalid' | 'missing': invalid phones are a data-quality finding, so they are told apart from absent ones. -#}
{% macro phone_status(phone_expr) -%}
    case
        when nullif(trim({{ phone_expr }}), '') is null then 'missing'
        when regexp_full_match({{ phone_digits(phone_expr) }}, '[2-9][0-9]{9}') then 'valid'
        else 'invalid'
    end
{%- endmacro %}

{#- Email valid = one "@", a "." after it, no spaces (same shape as the registry's regional_manager check). -#}
{% macro is_valid_email(email_expr) -%}
    coalesce(regexp_full_match(trim({{ email_expr }}), '[^@\s]+@[^@\s]*\.[^@\s]*'), false)
{%- endmacro %}

{#- Name normalised for matching: lower case, letters only (drops spaces, hyphens, apostrophes, accents' marks). -#}
{% macro normalize_name(name_expr) -%}
    nullif(regexp_replace(lower(strip_accents(trim({{ name_expr }}))), '[^a-z]', '', 'g'), '')
{%- endmacro %}

{#-
  Keyed hash of (normalised last name, first name, birthdate) for likely-duplicate detection across sources.
  Keyed with the pseudonym key because names + birthdates are a small, guessable space. NULL unless all three
  are present. source_id is deliberately NOT an input: the point is to match the same person across databases.
-#}
{% macro identity_hash(first_name_expr, last_name_expr, birthdate_expr) -%}
    {#- `||` is NULL when any part is: NULL unless all three are present, each name normalised once -#}
    sha256(
        {{ pseudonym_key_literal() }} || '|identity|'
        || {{ normalize_name(last_name_expr) }} || '|'
        || {{ normalize_name(first_name_expr) }} || '|'
        || strftime(cast({{ birthdate_expr }} as date), '%Y-%m-%d')
    )
{%- endmacro %}
