"""Posts on three clearly different subjects, for the topic discovery tests."""

FOOTBALL = [
    "What a goal in the football match last night, the striker was brilliant",
    "The football team won the league after a late goal",
    "Our goalkeeper saved a penalty, football at its best",
    "Football fans sang all through the match at the stadium",
    "The coach changed the football team's formation at half time",
    "Transfer news: the club signed a new football striker",
    "Penalty shootout drama in the football cup final",
    "The referee gave a red card in the football derby",
]
COOKING = [
    "Baking sourdough bread at home with a crispy crust",
    "My pasta recipe: garlic, olive oil, tomatoes and fresh basil",
    "Slow cooked beef stew with carrots, a perfect winter recipe",
    "Tried a new chocolate cake recipe, baking all afternoon",
    "Roasted vegetables with rosemary, an easy dinner recipe",
    "Homemade pizza dough, let it rise before baking",
    "Chicken curry recipe with coconut milk and spices",
    "Fresh bread from the oven, the kitchen smells amazing",
]
MARKETS = [
    "Stock markets fell today as investors sold bank shares",
    "Interest rates rise again, bond yields and stocks drop",
    "The central bank kept interest rates unchanged this quarter",
    "Tech shares rallied on the stock exchange after strong earnings",
    "Investors worry about inflation, the stock market slides",
    "Oil prices push energy stocks higher on the exchange",
    "Quarterly earnings beat forecasts and the shares jumped",
    "Bond markets react to the inflation report, yields climb",
]
