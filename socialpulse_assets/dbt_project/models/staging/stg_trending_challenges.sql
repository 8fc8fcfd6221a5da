select day, rank, key as challenge, posts, authors, engagement, baseline_posts, growth, score
from {{ source('warehouse', 'trending_challenges') }}
