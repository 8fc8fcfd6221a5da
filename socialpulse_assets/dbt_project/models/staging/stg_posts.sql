select
    id as post_id,
    platform,
    created_at,
    author_id,
    nullif(music_id, '') as music_id,
    language,
    text,
    keywords,
    coalesce(plays, 0) as plays,
    coalesce(likes, 0) as likes,
    coalesce(shares, 0) as shares,
    coalesce(comments, 0) as comments,
    coalesce(likes, 0) + coalesce(shares, 0) + coalesce(comments, 0) as engagement,
    sentiment_label,
    sentiment_score,
    ingested_at
from {{ source('warehouse', 'posts') }}
