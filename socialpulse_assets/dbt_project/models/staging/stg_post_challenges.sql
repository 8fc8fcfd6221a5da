select post_id, challenge, created_at
from {{ source('warehouse', 'post_challenges') }}
