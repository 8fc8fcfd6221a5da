-- What are people talking about, and what is new? Each day's topics (discovered in a sample of
-- the day's posts, socialpulse/batch/daily_topics.py) by their top terms, with the topic of an
-- earlier day it continues, if any: a topic is emerging when nothing earlier matched it (new) or
-- its share of the sample grew sharply against its match's (growing); the batch decides which
-- (`emerging_reason`).
select
    t.day,
    t.topic_id,
    array_to_string(t.terms, ' ') as top_terms,
    t.terms,
    t.post_count,
    t.share,
    t.example_posts,
    t.sampled_posts,
    t.day_posts,
    t.is_emerging,
    t.emerging_reason,
    t.matched_day,
    t.matched_topic_id,
    t.term_overlap,
    array_to_string(m.terms, ' ') as matched_top_terms,
    m.share as matched_share,
    t.history_days
from {{ ref('stg_daily_topics') }} t
left join {{ ref('stg_daily_topics') }} m
    on m.day = t.matched_day and m.topic_id = t.matched_topic_id
