select author_id, author_name, platform, first_seen, last_seen, posts
from {{ source('warehouse', 'authors') }}
