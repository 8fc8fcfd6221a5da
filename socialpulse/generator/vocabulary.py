"""Words the generator composes posts from: several languages, emoji, three moods."""

PHRASES = {
    "positive": {
        "en": ["love this so much", "best thing today", "this made my day", "so good, amazing"],
        "es": ["me encanta esto", "qué maravilla", "lo mejor del día"],
        "pt": ["amei demais", "que coisa linda", "melhor coisa do dia"],
        "fr": ["j'adore vraiment", "trop bien", "génial, merci"],
        "de": ["ich liebe das", "einfach super", "richtig gut gemacht"],
    },
    "neutral": {
        "en": ["trying this today", "new video up", "watch till the end", "part two soon"],
        "es": ["nuevo video", "probando esto hoy", "parte dos pronto"],
        "pt": ["vídeo novo", "testando isso hoje"],
        "fr": ["nouvelle vidéo", "on essaie ça aujourd'hui"],
        "de": ["neues video", "heute probiert"],
    },
    "negative": {
        "en": ["this is awful", "worst experience ever", "so disappointed", "never buying again"],
        "es": ["qué horrible", "muy decepcionado", "lo peor"],
        "pt": ["que horrível", "muito decepcionado"],
        "fr": ["c'est nul", "vraiment déçu"],
        "de": ["echt schlecht", "total enttäuscht"],
    },
}
EMOJI = {
    "positive": ["😍", "🔥", "😂", "❤️", "✨"],
    "neutral": ["👀", "🎵", "📹", ""],
    "negative": ["😡", "👎", "😤", "💔"],
}
LANGUAGES = ("en", "en", "en", "es", "pt", "fr", "de")
HASHTAG_STEMS = [
    "fyp",
    "dance",
    "comedy",
    "food",
    "travel",
    "fashion",
    "music",
    "pets",
    "fitness",
    "diy",
    "beauty",
    "gaming",
    "art",
    "love",
    "summer",
    "challenge",
    "duet",
    "trend",
    "viral",
    "style",
    "makeup",
    "cooking",
    "recipe",
    "workout",
    "sports",
    "football",
    "anime",
    "books",
    "tech",
    "cars",
    "nature",
    "photography",
]
SONG_WORDS = ("night", "summer", "heart", "dance", "fire", "blue", "dream", "road", "love", "gold")
