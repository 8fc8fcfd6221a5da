-- Trending challenges and sounds per day in one table, with a name to show.
select
    t.day,
    'challenge' as kind,
    t.rank,
    t.challenge as key,
    '#' || t.challenge as display_name,
    t.posts,
    t.authors,
    t.engagement,
    t.baseline_posts,
    t.growth,
    t.score
from {{ ref('stg_trending_challenges') }} t
union all
select
    t.day,
    'music' as kind,
    t.rank,
    t.music_id as key,
    coalesce(m.music_title || ' — ' || coalesce(m.music_author, '?'), t.music_id) as display_name,
    t.posts,
    t.authors,
    t.engagement,
    t.baseline_posts,
    t.growth,
    t.score
from {{ ref('stg_trending_music') }} t
left join {{ ref('stg_music') }} m on m.music_id = t.music_id
