select
    alert_id,
    key_kind,
    key_kind || ':' || key as key,
    window_start,
    window_end,
    metric,
    observed,
    expected,
    expected_low,
    expected_high,
    score,
    direction,
    sentiment_mean,
    sentiment_baseline,
    sentiment_shift,
    detected_at
from {{ source('warehouse', 'alerts') }}
