-- Alerts with what happened next. Volume alerts: the key's activity in the clock hour after the
-- alert's window, against that hour's band ('sustained' stayed outside it, 'subsided' came back,
-- 'unknown' without data or baseline). Sentiment alerts: the next 15-minute window's mean score
-- against the alert's baseline ('recovered' within 0.1, else 'persisting').
with next_hour as (
    select
        a.alert_id,
        k.posts,
        k.expected_low,
        k.expected_high
    from {{ ref('stg_alerts') }} a
    left join {{ ref('mart_keyword_activity_hourly') }} k
        on k.key = a.full_key
        and k.hour = {{ utc_hour('a.window_end') }} + interval '1 hour'
),

next_window as (
    select a.alert_id, s.mean_score
    from {{ ref('stg_alerts') }} a
    left join {{ ref('stg_sentiment_summary') }} s
        on s.key = a.full_key
        and s.window_start = a.window_end
)

select
    a.*,
    n.posts as next_hour_posts,
    case
        when a.direction = 'sentiment_drop' then
            case
                when w.mean_score is null or a.sentiment_baseline is null then 'unknown'
                when w.mean_score >= a.sentiment_baseline - 0.1 then 'recovered'
                else 'persisting'
            end
        when n.posts is null or n.expected_high is null then 'unknown'
        when a.direction = 'spike' and n.posts > n.expected_high then 'sustained'
        when a.direction = 'drop' and n.posts < n.expected_low then 'sustained'
        else 'subsided'
    end as outcome
from {{ ref('stg_alerts') }} a
left join next_hour n on n.alert_id = a.alert_id
left join next_window w on w.alert_id = a.alert_id
