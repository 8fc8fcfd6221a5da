select day, rank, key as music_id, posts, authors, engagement, baseline_posts, growth, score
from {{ source('warehouse', 'trending_music') }}
