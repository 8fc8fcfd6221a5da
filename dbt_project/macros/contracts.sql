{#
  The rules dbt shares with the stream, polars, Spark and the dashboard (socialpulse/contracts.py).
  Their values arrive as vars: socialpulse_assets/dbt.py passes contracts.dbt_vars() on every run,
  and dbt_project.yml declares the same values as defaults (a unit test keeps them equal).
#}

{# The quoted `kind:` prefix of a stream key, e.g. key_prefix('hashtag') is 'hashtag:'. #}
{% macro key_prefix(kind) %}'{{ var(kind ~ "_kind") }}{{ var("key_separator") }}'{% endmacro %}

{# The kind of a `kind:value` key (hashtag, music or keyword). #}
{% macro key_kind(key) %}split_part({{ key }}, '{{ var("key_separator") }}', 1){% endmacro %}

{# Whether a lower-cased hashtag is long enough to be a key. #}
{% macro counts_as_hashtag_key(lowered_tag) %}length({{ lowered_tag }}) >= {{ var("min_hashtag_length") }}{% endmacro %}
