-- Activity per stream key and UTC hour against its hour-of-week baseline.
-- Keys follow the stream's rule (socialpulse/contracts.py, as vars: see macros/contracts.sql);
-- challenges are lower-cased already, and the shortest ones are no key.
-- The band is the baseline centre ± band_width spreads, the spread floored at the Poisson noise
-- of the expected count (sqrt), so a key with a steady history still gets a sensible band.
with post_keys as (
    select
        pc.post_id,
        p.created_at,
        p.engagement,
        p.sentiment_score,
        {{ key_prefix('hashtag') }} || pc.challenge as key
    from {{ ref('stg_post_challenges') }} pc
    join {{ ref('stg_posts') }} p on p.post_id = pc.post_id
    where {{ counts_as_hashtag_key('pc.challenge') }}
    union all
    select post_id, created_at, engagement, sentiment_score, {{ key_prefix('music') }} || music_id
    from {{ ref('stg_posts') }}
    where music_id is not null
    union all
    select
        post_id,
        created_at,
        engagement,
        sentiment_score,
        {{ key_prefix('keyword') }} || lower(keyword)
    from (
        select post_id, created_at, engagement, sentiment_score, unnest(keywords) as keyword
        from {{ ref('stg_posts') }}
    ) as words
),

hourly as (
    select
        key,
        {{ utc_hour('created_at') }} as hour,
        count(distinct post_id) as posts,
        sum(engagement) as engagement,
        avg(sentiment_score) as mean_sentiment
    from post_keys
    group by 1, 2
),

banded as (
    select
        h.key,
        {{ key_kind('h.key') }} as key_kind,
        h.hour,
        {{ hour_of_week('h.hour') }} as hour_of_week,
        h.posts,
        h.engagement,
        h.mean_sentiment,
        -- A key the baselines never saw (a new challenge) is expected at zero.
        coalesce(b.expected_posts_per_hour, 0.0) as expected_posts,
        b.key is not null as has_baseline,
        greatest(
            coalesce(b.posts_spread_per_hour, 0.0),
            sqrt(greatest(coalesce(b.expected_posts_per_hour, 0.0), 1.0))
        ) as band_spread
    from hourly h
    left join {{ ref('stg_keyword_baselines') }} b
        on b.key = h.key and b.hour_of_week = {{ hour_of_week('h.hour') }}
)

select
    key,
    key_kind,
    hour,
    hour_of_week,
    posts,
    engagement,
    mean_sentiment,
    expected_posts,
    greatest(expected_posts - {{ var('band_width') }} * band_spread, 0) as expected_low,
    expected_posts + {{ var('band_width') }} * band_spread as expected_high,
    posts > expected_posts + {{ var('band_width') }} * band_spread
        or posts < expected_posts - {{ var('band_width') }} * band_spread as is_anomaly,
    has_baseline
from banded
