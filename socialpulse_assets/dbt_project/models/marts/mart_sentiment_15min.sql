-- Sentiment per key in 15-minute windows, with the shift against the key's own day.
select
    s.key,
    s.key_kind,
    s.window_start,
    s.posts,
    s.negative_posts,
    s.neutral_posts,
    s.positive_posts,
    s.mean_score,
    s.negative_share,
    s.neutral_share,
    s.positive_share,
    s.mean_score - avg(s.mean_score) over (
        partition by s.key, cast({{ utc_timestamp('s.window_start') }} as date)
    ) as shift_from_daily_mean
from {{ ref('stg_sentiment_summary') }} s
