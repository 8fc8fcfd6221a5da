select
    key,
    {{ key_kind('key') }} as key_kind,
    hour_of_week,
    posts_centre * 60 as expected_posts_per_hour,
    posts_spread * 60 as posts_spread_per_hour,
    engagement_centre * 60 as expected_engagement_per_hour,
    sentiment_centre,
    sentiment_spread,
    weeks,
    computed_at
from {{ source('warehouse', 'keyword_baselines') }}
