select music_id, music_title, music_author, first_seen, last_seen, posts
from {{ source('warehouse', 'music') }}
