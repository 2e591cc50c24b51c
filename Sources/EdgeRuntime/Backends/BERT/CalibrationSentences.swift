/// Everyday sentences `edgeinfer quantize` runs through a text model's fp32 version to find the
/// ranges of its activations (BertSmoothing). Separate from the benchmark's and the tests'
/// sentences, so neither measures on what calibrated it.
public enum CalibrationSentences {
  public static let all = [
    "The meeting has been moved to Thursday afternoon.",
    "A girl is feeding the ducks at the pond.",
    "How long does it take to boil an egg?",
    "The bank raised interest rates for the second time this year.",
    "He bought a new pair of running shoes for the race.",
    "Rain is expected across the north of the country tomorrow.",
    "Can I pay with a credit card at the front desk?",
    "The film won three awards at the festival in Venice.",
    "Two dogs are playing with a stick in the snow.",
    "Our servers handle millions of requests every day.",
    "She wrote a letter to her grandfather in Italy.",
    "The recipe calls for two cups of flour and one egg.",
    "Police closed the road after a truck overturned.",
    "What is the capital of Australia?",
    "The app lets users share photos with their friends.",
    "A man is playing a flute on a crowded street.",
    "Prices for fresh vegetables fell during the summer.",
    "The students are preparing for their final exams.",
    "Turn left at the second traffic light and park behind the school.",
    "The spacecraft entered orbit around Mars after a seven-month journey.",
    "I would like to cancel my subscription, please.",
    "The hotel room had a beautiful view of the mountains.",
    "Researchers found that regular exercise improves memory.",
    "The train was crowded with commuters going home.",
    "Kids love building sandcastles at the beach.",
    "The update added dark mode and fixed several crashes.",
    "Our neighbours are renovating their kitchen this month.",
    "The museum displays paintings from the sixteenth century.",
    "Is there a pharmacy open near here on Sundays?",
    "The team celebrated their victory with a parade through the city.",
    "Wind turbines generate a growing share of the region's electricity.",
    "A woman is reading a book on a park bench.",
  ]
}
