select
    day,
    topic_id,
    terms,
    post_count,
    share,
    example_posts,
    sampled_posts,
    day_posts,
    emerging as is_emerging,
    emerging_reason,
    matched_day,
    matched_topic_id,
    term_overlap,
    history_days
from {{ source('warehouse', 'daily_topics') }}
