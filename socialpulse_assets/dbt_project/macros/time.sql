{# The UTC clock hour of a timestamptz, as a timestamp without zone, in either warehouse. #}
{% macro utc_hour(column) %}{{ return(adapter.dispatch('utc_hour')(column)) }}{% endmacro %}
{% macro default__utc_hour(column) %}date_trunc('hour', {{ column }} at time zone 'UTC'){% endmacro %}
{% macro duckdb__utc_hour(column) %}date_trunc('hour', timezone('UTC', {{ column }})){% endmacro %}

{% macro utc_timestamp(column) %}{{ return(adapter.dispatch('utc_timestamp')(column)) }}{% endmacro %}
{% macro default__utc_timestamp(column) %}({{ column }} at time zone 'UTC'){% endmacro %}
{% macro duckdb__utc_timestamp(column) %}timezone('UTC', {{ column }}){% endmacro %}

{# Monday 00:00 UTC is 0, Sunday 23:00 is 167: the stream's and keyword_baselines' convention. #}
{% macro hour_of_week(utc_hour) %}
cast((extract(isodow from {{ utc_hour }}) - 1) * 24 + extract(hour from {{ utc_hour }}) as integer)
{% endmacro %}
