import Foundation

/// BERT's uncased text normalization and pre-tokenization, as the reference `tokenizers`
/// package (BertNormalizer + BertPreTokenizer) does it, so the ids match it exactly:
///
/// 1. drop NUL, U+FFFD, control (Cc, except tab, newline and carriage return), format (Cf) and
///    private-use (Co) characters (categories as of the reference's Unicode 8.0 tables: see
///    `referenceCategory`); turn whitespace into a space;
/// 2. put spaces around CJK ideographs, so each is a word of its own;
/// 3. strip accents: canonical decomposition (NFD), then drop non-spacing marks (Mn);
/// 4. lower-case each character on its own (no context-dependent rules such as final sigma);
/// 5. split on whitespace, and make every punctuation character (ASCII punctuation or a Unicode
///    P* category) a word of its own.
///
/// Words are returned as Unicode scalars, compared as such: Swift's `String` equality treats
/// canonically equivalent text as equal, which the reference does not (a decomposed Hangul
/// syllable is not its precomposed vocabulary entry there).
enum BertTextNormalizer {
  static func words(of text: String) -> [[Unicode.Scalar]] {
    var cleaned = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if scalar.value == 0 || scalar.value == 0xFFFD || isOther(scalar) { continue }
      if isWhitespace(scalar) {
        cleaned.append(" ")
      } else if isCJKIdeograph(scalar) {
        cleaned.append(" ")
        cleaned.append(scalar)
        cleaned.append(" ")
      } else {
        cleaned.append(scalar)
      }
    }
    var words: [[Unicode.Scalar]] = []
    var word: [Unicode.Scalar] = []
    func finishWord() {
      if !word.isEmpty {
        words.append(word)
        word.removeAll(keepingCapacity: true)
      }
    }
    for decomposed in String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
    where referenceCategory(of: decomposed) != .nonspacingMark {
      for scalar in lowercased(decomposed) {
        if scalar.properties.isWhitespace {
          finishWord()
        } else if isPunctuation(scalar) {
          finishWord()
          words.append([scalar])
        } else {
          word.append(scalar)
        }
      }
    }
    finishWord()
    return words
  }

  private static func lowercased(_ scalar: Unicode.Scalar) -> String.UnicodeScalarView {
    if scalar.isASCII {
      let value = scalar.value
      return String.UnicodeScalarView([(65...90).contains(value) ? Unicode.Scalar(value + 32)! : scalar])
    }
    return scalar.properties.lowercaseMapping.unicodeScalars
  }

  /// Whether a word ends right after this character in any text: whitespace, punctuation and
  /// ideographs are words or separators of their own, whatever follows them.
  static func endsWord(_ scalar: Unicode.Scalar) -> Bool {
    isWhitespace(scalar) || isPunctuation(scalar) || isCJKIdeograph(scalar)
  }

  static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
  }

  static func isOther(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
    switch referenceCategory(of: scalar) {
    case .control?, .format?, .privateUse?: return true
    default: return false
    }
  }

  /// A character's general category as the reference's tables give it, checked against it over
  /// every code point: they are Unicode 8.0's, so a character assigned later is unassigned there
  /// (nil: never dropped, stripped or split off), and seven changed category since.
  static func referenceCategory(of scalar: Unicode.Scalar) -> Unicode.GeneralCategory? {
    guard let age = scalar.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
    switch scalar.value {
    case 0x1885, 0x1886: return .otherLetter  // MONGOLIAN LETTER ALI GALI BALUDA / THREE BALUDA, Mn since 9
    case 0x166D, 0x111C9: return .otherPunctuation  // CANADIAN SYLLABICS CHI SIGN (So), SHARADA SANDHI MARK (Mn)
    case 0x1734, 0x1171E: return .nonspacingMark  // HANUNOO SIGN PAMUDPOD, AHOM CONSONANT SIGN MEDIAL RA (Mc)
    case 0xA9BD: return .spacingMark  // JAVANESE CONSONANT SIGN KERET, Mn since 12
    default: return scalar.properties.generalCategory
    }
  }

  static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
      return true
    }
    switch referenceCategory(of: scalar) {
    case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?, .initialPunctuation?,
      .finalPunctuation?, .otherPunctuation?:
      return true
    default:
      return false
    }
  }

  /// The CJK Unified Ideographs blocks and their extensions and compatibility blocks, as BERT
  /// defines "Chinese characters" (Japanese kana and Hangul are not among them). Extension E
  /// starts at U+2B920 in the reference, not U+2B820: its first 256 characters are not split.
  static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
      0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default:
      return false
    }
  }
}
