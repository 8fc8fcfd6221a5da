select challenge, first_seen, last_seen, posts
from {{ source('warehouse', 'challenges') }}
