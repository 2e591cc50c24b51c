/// Sentences of typical length (4 to 15 words, 8 to 20 tokens, 14.3 on average, with [CLS] and [SEP]) that
/// `edgeinfer bench model minilm` embeds with every engine: news, questions, descriptions and
/// instructions of the kind sentence-embedding models serve.
enum BenchSentences {
  static let all: [String] = [
    "A man is eating food.",
    "A man is riding a white horse on an enclosed ground.",
    "A monkey is playing drums.",
    "Two men pushed carts through the woods.",
    "The weather is lovely today and we are going to the beach.",
    "It is so sunny outside that I forgot my umbrella at home.",
    "He drove to the stadium to watch the final game of the season.",
    "A woman is slicing a tomato on a wooden cutting board.",
    "The new movie is awesome, but the ending was a little too long.",
    "Where is the nearest train station from the city center?",
    "Machine learning is a field of study that gives computers the ability to learn.",
    "The committee approved the budget after a long and heated debate.",
    "Children are playing football in the park near the old church.",
    "She has been working at the hospital for more than ten years.",
    "Can you recommend a good restaurant for a family dinner tonight?",
    "The company reported a sharp increase in quarterly profits.",
    "Heavy rain caused flooding in several districts of the capital.",
    "Please send me the report before the meeting on Monday morning.",
    "The museum will be closed for renovation until the end of March.",
    "He plays the piano every evening after dinner.",
    "Scientists discovered a new species of frog in the rainforest.",
    "Our flight was delayed by three hours because of a technical problem.",
    "The cat is sleeping on the windowsill in the warm afternoon sun.",
    "How do I reset my password if I no longer have access to my email?",
    "The government announced new measures to reduce air pollution in cities.",
    "A group of tourists is taking photos in front of the cathedral.",
    "Learning a new language takes patience, practice and a lot of listening.",
    "The store offers free delivery on orders over fifty dollars.",
    "Electric cars are becoming more affordable as battery prices fall.",
    "The teacher explained the theorem with a simple drawing on the board.",
    "My grandmother bakes bread every Sunday morning.",
    "The hikers reached the summit just before the storm arrived.",
    "Inflation slowed for the third month in a row, according to official data.",
    "The software update fixes several security issues and improves battery life.",
    "A dog is running across the beach chasing a red ball.",
    "What are the side effects of taking this medication with food?",
    "The band will perform their new album live at the festival this summer.",
    "Traffic on the highway was backed up for miles after the accident.",
    "The library has thousands of old maps that visitors can study.",
    "She finished the marathon in under four hours despite the heat.",
    "Small businesses struggled to find workers during the busy holiday season.",
    "The chef added a pinch of salt and a squeeze of lemon to the sauce.",
    "Researchers trained the model on millions of sentences from the web.",
    "The river flows through three countries before reaching the sea.",
    "He forgot his keys and had to wait outside for an hour.",
    "Customers can return items within thirty days of purchase.",
    "The city plans to build a new bridge across the river by next year.",
    "A young boy is learning to ride a bicycle with his father.",
    "The conference brought together experts from more than forty countries.",
    "Our team fixed the bug that caused the application to crash on startup.",
    "The garden is full of roses, tulips and sunflowers in the spring.",
    "Several flights were cancelled due to the snowstorm on the east coast.",
    "The novel tells the story of a family living through the war.",
    "Two women are sitting at a table and drinking coffee.",
    "The price of gold rose sharply after the central bank's announcement.",
    "The students presented their project to the whole school.",
    "It takes about twenty minutes to walk from the station to the hotel.",
    "The orchestra played a symphony that lasted almost an hour.",
    "Wildfires forced thousands of residents to leave their homes.",
    "The new phone has a better camera and a larger screen than the old one.",
    "A man is cutting wood with an axe behind the cabin.",
    "The doctor advised him to get more sleep and exercise regularly.",
    "The startup raised money from investors to expand into new markets.",
    "We watched the sunset from the top of the hill.",
  ]
}

extension BenchSentences {
  /// 32 passages of at most `tokens` tokens (with [CLS] and [SEP]) and within a sentence of it:
  /// consecutive sentences of `all`, passage i starting at sentence i, joined by spaces.
  static func passages(tokens: Int, count: Int = 32, measure: (String) -> Int) -> [String] {
    (0..<count).map { first in
      var passage = all[first % all.count]
      var next = first + 1
      while true {
        let longer = passage + " " + all[next % all.count]
        guard measure(longer) <= tokens else { return passage }
        passage = longer
        next += 1
      }
    }
  }
}
