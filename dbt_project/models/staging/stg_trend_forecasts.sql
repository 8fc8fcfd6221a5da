select
    day,
    key,
    {{ key_kind('key') }} as key_kind,
    hour,
    lead as lead_hours,
    expected as forecast_posts,
    low as forecast_low,
    high as forecast_high,
    band_high,
    rising as is_rising
from {{ source('warehouse', 'trend_forecasts') }}
