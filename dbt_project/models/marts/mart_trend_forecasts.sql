-- Which keys are about to rise? Each busy key's forecast for the 24 hours after `day`, hour by
-- hour with its 90% interval, against the key's usual band for that hour of the day. The hour is
-- rising when its forecast is above the band (socialpulse/batch/trend_forecast.py), the key when
-- any of its hours is; the evidence is beside it: how far above, from when, for how many hours,
-- and where the forecast peaks.
select
    day,
    key,
    key_kind,
    {{ utc_hour('hour') }} as hour,
    lead_hours,
    forecast_posts,
    forecast_low,
    forecast_high,
    band_high,
    is_rising,
    forecast_posts - band_high as posts_over_band,
    bool_or(is_rising) over per_key as key_is_rising,
    cast(sum(case when is_rising then 1 else 0 end) over per_key as integer) as key_rising_hours,
    min(case when is_rising then {{ utc_hour('hour') }} end) over per_key as key_first_rising_hour,
    first_value({{ utc_hour('hour') }}) over (
        partition by day, key order by forecast_posts desc, hour
    ) as key_peak_hour,
    max(forecast_posts) over per_key as key_peak_posts,
    sum(forecast_posts) over per_key as key_forecast_posts_24h
from {{ ref('stg_trend_forecasts') }}
window per_key as (partition by day, key)
