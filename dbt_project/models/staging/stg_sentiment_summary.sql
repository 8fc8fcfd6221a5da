select
    key,
    {{ key_kind('key') }} as key_kind,
    window_start,
    posts,
    negative_posts,
    neutral_posts,
    positive_posts,
    mean_score,
    negative_share,
    neutral_share,
    positive_share
from {{ source('warehouse', 'sentiment_summary') }}
